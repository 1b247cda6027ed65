#include "Timeline.h"

#include <QHash>

namespace pw {

Result<TimelineData> computeTimeline(const HistoryStore &store, const EventFilter &filter,
                                     const TimeRange &range, qint64 bucketMs)
{
    TimelineData data;
    data.range = range;
    data.bucketMs = std::max<qint64>(bucketMs, 1);
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
        data.rows.append(row);
    }
    sortByGroup(data.rows);
    for (qsizetype i = 0; i < data.rows.size(); ++i)
        rowOf.insert(data.rows[i].imageId, i);
    if (data.rows.isEmpty() || data.bucketCount == 0)
        return data;

    // Three rollup reads: everything the filter selects, its probes, its CI pulls.
    const Aggregator aggregator(store);
    const auto read =
        [&](std::optional<Source> source,
            const std::function<void(TimelineRow &, qsizetype, const BucketStats &)> &take)
        -> Status {
        if (filter.source && source && *filter.source != *source)
            return {};
        EventFilter narrowed = filter;
        if (source)
            narrowed.source = source;
        auto stats = aggregator.availability({narrowed, range, data.bucketMs});
        if (!stats)
            return Error{stats.error()};
        for (const BucketStats &s : *stats) {
            const auto row = rowOf.constFind(s.imageId);
            const qint64 index = (s.bucketStart - data.firstBucket) / data.bucketMs;
            if (row != rowOf.cend() && index >= 0 && index < data.bucketCount)
                take(data.rows[*row], index, s);
        }
        return {};
    };
    Status status = read(
        std::nullopt, [](TimelineRow &r, qsizetype i, const BucketStats &s) { r.buckets[i] = s; });
    if (status)
        status = read(Source::Probe,
                      [](TimelineRow &r, qsizetype i, const BucketStats &s) { r.probes[i] = s; });
    if (status)
        status = read(Source::Ci, [](TimelineRow &r, qsizetype i, const BucketStats &s) {
            r.ciFailures[i] = s.failed();
        });
    if (!status)
        return Error{status.error()};

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
