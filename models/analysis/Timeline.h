#pragma once

#include "analysis/Aggregator.h"
#include "analysis/Verdicts.h"

namespace pw {

// One image on the Timeline page: its buckets over the range, all of them (empty ones have
// total 0, shown as "no data", never as down).
struct TimelineRow
{
    int imageId = 0;
    QString image;
    QString group;
    QString label;
    QList<BucketStats> buckets;  // every source the filter selects: the grid's colours
    QList<BucketStats> probes;   // probes only: the latency chart (CI pull times differ)
    QList<qint64> ciFailures;    // failed CI pulls per bucket: the chart's marks
    QList<std::array<qint64, VerdictCount>> ciVerdicts; // the same, by verdict
    QList<DigestChange> digests; // digest changes inside the range
};

// Everything the Timeline page shows for a range and filter. Buckets start at multiples of
// bucketMs (UTC) from the one holding range.from; rows are ordered like the Overview's.
struct TimelineData
{
    TimeRange range;
    qint64 bucketMs = 0;
    qint64 firstBucket = 0;
    int bucketCount = 0;
    QList<TimelineRow> rows;
    bool judged = false; // ciVerdicts were filled in
};

Result<TimelineData> computeTimeline(const HistoryStore &store, const EventFilter &filter,
                                     const TimeRange &range, qint64 bucketMs,
                                     const VerdictSettings &verdicts = {});

// Grouped images first, by group and label; then the rest by name (Overview and Timeline).
template<class Row> void sortByGroup(QList<Row> &rows)
{
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        return std::make_tuple(a.group.isEmpty(), a.group, a.label, a.image) <
               std::make_tuple(b.group.isEmpty(), b.group, b.label, b.image);
    });
}

} // namespace pw
