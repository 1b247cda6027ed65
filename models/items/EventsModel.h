#pragma once

#include "history/HistoryStore.h"

#include <QAbstractTableModel>

namespace pw {

// Every event of the range and filter, newest first, loaded page by page as the view scrolls
// (canFetchMore/fetchMore ask for the page after the last row through moreWanted), so millions
// of rows cost only what is on screen.
class EventsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        SourceColumn,
        ImageColumn,
        OutcomeColumn,
        CategoryColumn,
        HttpStatusColumn,
        LatencyColumn,
        RuleColumn,
        JobColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role
    {
        RawRole = Qt::UserRole + 1,
        EventIdRole,
    };

    explicit EventsModel(QObject *parent = nullptr);

    // Forgets the rows: a new range, filter or search.
    void clear();
    // Adds the next page; a short page means there is nothing more.
    void appendPage(const QList<StoredEvent> &page, int pageSize);
    // Puts events newer than the first row on top (newest first, as the store pages them).
    void prependNewer(const QList<StoredEvent> &newer);
    // Oldest first: new events belong after the last page, so a complete table fetches again.
    void expectMore() { m_complete = false; }
    bool isComplete() const { return m_complete; }
    // The newest row's id, 0 when empty.
    qint64 newestId() const { return m_rows.isEmpty() ? 0 : m_rows.first().id; }
    const PullEvent *event(int row) const;
    qint64 eventId(int row) const; // the history's id of the row's event, 0 when none

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

signals:
    // The view wants more rows: the page after this id in the table's order (0: from the start).
    void moreWanted(qint64 cursor);

private:
    QList<StoredEvent> m_rows;
    bool m_complete = false;
    bool m_waiting = false;
};

} // namespace pw
