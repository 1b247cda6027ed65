#pragma once

#include "Aggregator.h"

#include <QChartView>

namespace pw {

// Failures per bucket over time, stacked by category (areas between cumulative lines), on a
// local-time axis. Empty buckets stay on the axis as zero, so gaps are visible.
class StackedTimeChart : public QChartView
{
    Q_OBJECT
public:
    explicit StackedTimeChart(QWidget *parent = nullptr);

    void setBuckets(const QList<BucketStats> &buckets);
};

} // namespace pw
