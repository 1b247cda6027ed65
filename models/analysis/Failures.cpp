#include "analysis/Failures.h"

#include <QMap>

namespace pw {

namespace {
QList<FailureCount> sorted(const QMap<QString, qint64> &counts, qint64 total)
{
    QList<FailureCount> list;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        list.append(
            {it.key(), Category::None, it.value(), 100.0 * double(it.value()) / double(total)});
    std::stable_sort(list.begin(), list.end(), [](const FailureCount &a, const FailureCount &b) {
        return a.failures > b.failures;
    });
    return list;
}
} // namespace

Result<FailureSummary> computeFailures(const HistoryStore &store, const EventFilter &filter,
                                       const TimeRange &range, qint64 askedBucketMs)
{
    const Aggregator aggregator(store);
    auto rows = aggregator.breakdown(filter, range);
    if (!rows)
        return Error{rows.error()};
    FailureSummary summary;
    std::array<qint64, CategoryCount> categories{};
    QMap<QString, qint64> registries;
    QMap<QString, qint64> images;
    for (const BreakdownRow &row : *rows) {
        summary.failures += row.failures;
        categories[static_cast<int>(row.category)] += row.failures;
        registries[row.registry] += row.failures;
        images[row.image] += row.failures;
    }
    for (const Category category : FailureCategories) {
        const qint64 count = categories[static_cast<int>(category)];
        if (count > 0)
            summary.byCategory.append({categoryId(category), category, count,
                                       100.0 * double(count) / double(summary.failures)});
    }
    if (summary.failures > 0) {
        summary.byRegistry = sorted(registries, summary.failures);
        summary.byImage = sorted(images, summary.failures);
    }

    // Over time, in at most MaxChartBuckets buckets of the events' part of an absurd range.
    const auto [chartRange, bucketMs] = boundChartBuckets(store, range, askedBucketMs);
    auto buckets = aggregator.overTime({filter, chartRange, bucketMs, false}); // counts only
    if (!buckets)
        return Error{buckets.error()};
    // Every bucket of the range, empty ones included, so the time axis is honest.
    const qint64 first = floorTo(chartRange.from, bucketMs);
    for (qint64 start = first; start < chartRange.to; start += bucketMs) {
        BucketStats empty;
        empty.bucketStart = start;
        empty.bucketEnd = start + bucketMs;
        summary.overTime.append(empty);
    }
    for (const BucketStats &bucket : *buckets) {
        const qint64 index = (bucket.bucketStart - first) / bucketMs;
        if (index >= 0 && index < summary.overTime.size())
            summary.overTime[index] = bucket;
    }
    return summary;
}

} // namespace pw
