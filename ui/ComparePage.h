#pragma once

#include "analysis/Comparison.h"

#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QPlainTextEdit;

namespace pw {

class CompareModel;
class DashboardData;
class DashboardState;

// Each group's images side by side for the shared range (typically the nixery image next to its
// self-hosted equivalent): a sentence per group and per side to paste into an issue (the
// figures, then why the CI pulls failed and what switching sides would have avoided), the
// compare report's figures in a table, and for the chosen group both sides over time
// (availability, failed CI pulls per bucket), the verdict mix of each side and the latency
// distributions.
class ComparePage : public QWidget
{
    Q_OBJECT
public:
    ComparePage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    CompareModel *model() const { return m_model; }
    QString verdicts() const; // the sentences shown, one line per group and side
    QString group() const;    // the group the charts show
    void showComparison(const ComparisonData &data);

signals:
    // "Self-host this image…" on a row of the table.
    void selfHostRequested(const QString &image, const QString &group, const QString &label);

public slots:
    void refresh();

private:
    void drawGroup();
    void drawBoxPlots(const QList<CompareRow> &rows);

    DashboardState *m_state;
    DashboardData *m_data;
    CompareModel *m_model;
    ComparisonData m_shown;
    QPlainTextEdit *m_verdicts;
    QComboBox *m_group;
    QChartView *m_availability;
    QChartView *m_ciFailures;
    QChartView *m_verdictMix;
    QChartView *m_latency;
};

} // namespace pw
