#pragma once

#include "analysis/Timeline.h"

#include <QWidget>

class QLabel;

namespace pw {

class DashboardData;
class DashboardState;
class LatencyTimeChart;
class TimelineGrid;
class TimelineModel;

// Availability of every image over the shared range, TestGrid-style (a row per image, a cell per
// bucket), and below it the chosen image's probe latency with failed CI pulls and digest changes
// on the same time axis. Clicking a cell asks for its events; dragging across cells or the chart
// sets the shared range.
class TimelinePage : public QWidget
{
    Q_OBJECT
public:
    TimelinePage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    TimelineModel *model() const { return m_model; }
    TimelineGrid *grid() const { return m_grid; }
    LatencyTimeChart *chart() const { return m_chart; }
    // Shows a timeline at once (headless rendering, tests).
    void showTimeline(const TimelineData &timeline);

public slots:
    void refresh();

signals:
    // The events of one image in one bucket.
    void showEvents(const pw::EventFilter &filter, const pw::TimeRange &range);

private:
    void showChartFor(int row);

    DashboardState *m_state;
    DashboardData *m_data;
    TimelineModel *m_model;
    QLabel *m_summary;
    TimelineGrid *m_grid;
    LatencyTimeChart *m_chart;
    int m_chartImageId = 0; // the image the chart shows, kept across refreshes
};

} // namespace pw
