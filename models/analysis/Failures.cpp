#include "analysis/Failures.h"

#include <QMap>

#include <algorithm>

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
                                       const TimeRange &range, qint64 askedBucketMs,
                                       const VerdictSettings &verdicts)
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
    // The newest failures of no known cause, read only from the buckets that hold them (the
    // rollups say which), so a range of millions of events is not scanned for a few.
    qint64 wanted = 0;
    TimeRange unknownSpan{0, 0};
    for (qsizetype i = summary.overTime.size() - 1; i >= 0 && wanted < FailureSummary::UnknownSample;
         --i) {
        const BucketStats &bucket = summary.overTime[i];
        const qint64 count = bucket.failures[static_cast<int>(Category::Unknown)];
        if (count == 0)
            continue;
        if (unknownSpan.to == 0)
            unknownSpan.to = std::min(bucket.bucketEnd, range.to);
        unknownSpan.from = std::max(bucket.bucketStart, range.from);
        wanted += count;
    }
    if (wanted > 0 && (!filter.category || *filter.category == Category::Unknown)) {
        EventPageQuery query;
        query.filter = filter;
        query.filter.ok = false;
        query.filter.category = Category::Unknown;
        query.range = unknownSpan;
        query.limit = FailureSummary::UnknownSample;
        auto page = store.eventPage(query);
        if (!page)
            return Error{page.error()};
        QList<QString> messages;
        for (const StoredEvent &stored : *page)
            messages.append(stored.event.message);
        summary.unknownSampled = messages.size();
        summary.unknownGroups = groupByText(messages).mid(0, FailureSummary::UnknownGroups);
    }
    const Result<QList<VerdictMark>> marks = VerdictEngine(store, verdicts).judge(filter, range);
    if (!marks)
        return Error{marks.error()};
    summary.judged = verdicts.judge;
    for (const VerdictMark &mark : *marks)
        ++summary.verdicts[size_t(mark.verdict)];
    return summary;
}

} // namespace pw
