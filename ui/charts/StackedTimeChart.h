#pragma once

#include "analysis/Aggregator.h"

#include "ZoomChartView.h"

namespace pw {

// Failures per bucket over time, stacked by category (areas between cumulative lines), on a
// local-time axis. Empty buckets stay on the axis as zero, so gaps are visible. Drag across it
// to choose a time range.
class StackedTimeChart : public ZoomChartView
{
    Q_OBJECT
public:
    // More buckets than this make slivers nobody can read (and cost redraw time for nothing).
    static constexpr int MaxBuckets = 150;

    explicit StackedTimeChart(QWidget *parent = nullptr);

    void setBuckets(const QList<BucketStats> &buckets);
};

} // namespace pw
