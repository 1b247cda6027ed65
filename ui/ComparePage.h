#pragma once

#include "analysis/Aggregator.h"

#include <QWidget>

class QChartView;
class QLabel;

namespace pw {

class CompareModel;
class DashboardData;
class DashboardState;

// Each group's images side by side for the shared range (typically the nixery image next to its
// self-hosted equivalent): the compare report's figures in a table, a sentence per group to
// paste into an issue, and latency distributions as box plots.
class ComparePage : public QWidget
{
    Q_OBJECT
public:
    ComparePage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    CompareModel *model() const { return m_model; }
    QString verdicts() const; // the sentences shown, one line per group
    void showRows(const QList<CompareRow> &rows, const TimeRange &range);

public slots:
    void refresh();

private:
    void drawBoxPlots(const QList<CompareRow> &rows);

    DashboardState *m_state;
    DashboardData *m_data;
    CompareModel *m_model;
    QLabel *m_verdicts;
    QChartView *m_chart;
};

} // namespace pw
