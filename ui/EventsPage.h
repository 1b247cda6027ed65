#pragma once

#include "analysis/Verdicts.h"
#include "history/HistoryStore.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace pw {

class DashboardData;
class DashboardState;
class EventsModel;

// Every event of the shared range and filter, newest first, paged from the history as the table
// scrolls; a search box (image or message, in SQL); the selected event's details as plain text
// and a button that opens its CI job; for a failed CI pull, its verdict with the evidence and
// the sentence to paste into an issue (Copy). Other pages can narrow it to a slice (showFilter).
class EventsPage : public QWidget
{
    Q_OBJECT
public:
    static constexpr int PageSize = 500;

    EventsPage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    EventsModel *model() const { return m_model; }

public slots:
    // Shows the events of this filter (a breakdown slice), in this range when one is given (a
    // timeline bucket), until cleared or the shared range or filter changes.
    void showFilter(const pw::EventFilter &filter, const pw::TimeRange &range = {});
    void reload();

private:
    void requestPage(qint64 cursor);
    void requestNewer();
    void showNewer(const QList<StoredEvent> &newer, int limit);
    void showDetails();
    void showVerdict(qint64 eventId, const pw::CiVerdict &verdict);

    DashboardState *m_state;
    DashboardData *m_data;
    EventsModel *m_model;
    QLineEdit *m_search;
    QLabel *m_scope;
    QPushButton *m_clearScope;
    QTableView *m_table;
    QPlainTextEdit *m_details;
    QPushButton *m_openJob;
    QLabel *m_verdict;          // a failed CI pull's verdict, evidence and sentence
    QPushButton *m_copySentence;
    QString m_sentence;
    QTimer *m_searchDelay;
    std::optional<EventFilter> m_narrowed;
    TimeRange m_narrowedRange;  // empty: the shared range
    EventPageQuery m_query;     // the query the rows belong to
    bool m_oldestFirst = false; // the Time header's order
};

} // namespace pw
