#pragma once

#include "analysis/Timeline.h"
#include "ZoomChartView.h"

namespace pw {

// One image's probe latency over the range: p50 and p95 per bucket on a log axis (min/max
// decimated to the plot's width, so no more than two points per pixel reach Qt Charts), failed
// CI pulls along the top in their verdict's shape and colour, and digest changes as vertical
// lines. Hovering a point
// shows its numbers; dragging across chooses a time range.
class LatencyTimeChart : public ZoomChartView
{
    Q_OBJECT
public:
    explicit LatencyTimeChart(QWidget *parent = nullptr);

    void setRow(const TimelineRow &row, const TimeRange &range);
    // Points handed to Qt Charts by the last setRow (tests: decimation holds).
    qsizetype pointCount() const { return m_points; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void draw();

    TimelineRow m_row;
    TimeRange m_range;
    qsizetype m_points = 0;
    int m_drawnWidth = 0;
};

} // namespace pw
