#include "analysis/Timeline.h"

#include <QHash>

namespace pw {

Result<TimelineData> computeTimeline(const HistoryStore &store, const EventFilter &filter,
                                     const TimeRange &askedRange, qint64 bucketMs,
                                     const VerdictSettings &verdicts)
{
    const ChartBuckets chart = boundChartBuckets(store, askedRange, bucketMs);
    const TimeRange range = chart.range;
    TimelineData data;
    data.range = range;
    data.bucketMs = chart.bucketMs;
    data.firstBucket = floorTo(range.from, data.bucketMs);
    data.bucketCount = range.isEmpty()
                           ? 0
                           : int((range.to - data.firstBucket + data.bucketMs - 1) / data.bucketMs);

    const QList<ImageInfo> images = store.images();
    const QList<int> selected = selectImages(images, filter);
    QHash<int, qsizetype> rowOf;
    for (const ImageInfo &info : images) {
        if (!selected.contains(info.id))
            continue;
        TimelineRow row;
        row.imageId = info.id;
        row.image = info.image;
        row.group = info.group;
        row.label = info.label;
        for (qint64 i = 0; i < data.bucketCount; ++i) {
            BucketStats empty;
            empty.imageId = info.id;
            empty.bucketStart = data.firstBucket + i * data.bucketMs;
            empty.bucketEnd = empty.bucketStart + data.bucketMs;
            row.buckets.append(empty);
        }
        row.probes = row.buckets;
        row.ciFailures.fill(0, data.bucketCount);
        row.ciVerdicts.fill({}, data.bucketCount);
        data.rows.append(row);
    }
    sortByGroup(data.rows);
    for (qsizetype i = 0; i < data.rows.size(); ++i)
        rowOf.insert(data.rows[i].imageId, i);
    if (data.rows.isEmpty() || data.bucketCount == 0)
        return data;

    // One pass keeps probes (the latency chart) and CI pulls (the marks) apart; the grid shows
    // both.
    QList<QList<BucketStats>> ci;
    for (const TimelineRow &row : std::as_const(data.rows))
        ci.append(row.probes); // empty buckets, as the probes' start
    BucketStats outside;       // rows or buckets the grid does not show (none, normally)
    Status status = Aggregator(store).collectBySource(
        {filter, range, data.bucketMs},
        [&](int imageId, Source source, qint64 bucket) -> BucketStats & {
            const auto row = rowOf.constFind(imageId);
            const qint64 index = (bucket - data.firstBucket) / data.bucketMs;
            if (row == rowOf.cend() || index < 0 || index >= data.bucketCount) {
                outside = BucketStats();
                return outside;
            }
            return source == Source::Probe ? data.rows[*row].probes[index] : ci[*row][index];
        });
    if (!status)
        return Error{status.error()};
    for (qsizetype r = 0; r < data.rows.size(); ++r) {
        TimelineRow &row = data.rows[r];
        for (qsizetype i = 0; i < data.bucketCount; ++i) {
            const BucketStats &probes = row.probes[i];
            const BucketStats &pulls = ci[r][i];
            BucketStats &both = row.buckets[i];
            both.total = probes.total + pulls.total;
            both.ok = probes.ok + pulls.ok;
            for (size_t c = 0; c < both.failures.size(); ++c)
                both.failures[c] = probes.failures[c] + pulls.failures[c];
            both.latency = probes.latency;
            both.latency.merge(pulls.latency);
            both.coldLatency = probes.coldLatency;
            both.coldLatency.merge(pulls.coldLatency);
            row.ciFailures[i] = pulls.failed();
        }
    }

    // Each failed CI pull's verdict, from the probes around it.
    const Result<QList<VerdictMark>> marks = VerdictEngine(store, verdicts).judge(filter, range);
    if (!marks)
        return Error{marks.error()};
    data.judged = verdicts.judge;
    for (const VerdictMark &mark : *marks) {
        const auto row = rowOf.constFind(mark.imageId);
        const qint64 index = (mark.ts - data.firstBucket) / data.bucketMs;
        if (row != rowOf.cend() && index >= 0 && index < data.bucketCount)
            ++data.rows[*row].ciVerdicts[index][size_t(mark.verdict)];
    }

    auto changes = store.digestChanges(filter, range);
    if (!changes)
        return Error{changes.error()};
    for (const DigestChange &change : *changes) {
        if (const auto row = rowOf.constFind(change.imageId); row != rowOf.cend())
            data.rows[*row].digests.append(change);
    }
    return data;
}

} // namespace pw
