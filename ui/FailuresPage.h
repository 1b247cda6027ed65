#pragma once

#include "analysis/Failures.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace pw {

class BarChart;
class DashboardData;
class DashboardState;
class DonutChart;
class FailureCountModel;
class StackedTimeChart;

// Why pulls failed in the shared range: by category (donut), by registry and by image (bars),
// and by category over time (stacked). Clicking a slice or bar asks for those events.
class FailuresPage : public QWidget
{
    Q_OBJECT
public:
    FailuresPage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    FailureCountModel *categories() const { return m_categories; }
    FailureCountModel *registries() const { return m_registries; }
    FailureCountModel *images() const { return m_images; }
    // The failures of no known cause, grouped: count and masked text per row.
    QTableWidget *unknownGroups() const { return m_unknown; }
    // Shows a summary at once (headless rendering, tests).
    void showSummary(const FailureSummary &summary, const TimeRange &range);

public slots:
    void refresh();

signals:
    // The events behind a slice or bar: the shared filter narrowed to it.
    void showEvents(const pw::EventFilter &filter);

private:
    DashboardState *m_state;
    DashboardData *m_data;
    FailureCountModel *m_categories;
    FailureCountModel *m_registries;
    FailureCountModel *m_images;
    QLabel *m_summary;
    DonutChart *m_donut;
    BarChart *m_byRegistry;
    BarChart *m_byImage;
    FailureCountModel *m_verdicts; // failed CI pulls by verdict
    BarChart *m_byVerdict;
    StackedTimeChart *m_overTime;
    QLabel *m_unknownTitle;
    QTableWidget *m_unknown;
    TimeRange m_range;
};

} // namespace pw
