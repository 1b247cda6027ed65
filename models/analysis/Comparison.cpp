#include "analysis/Comparison.h"

#include <QSet>

namespace pw {

qint64 comparisonBucketMs(const TimeRange &range)
{
    constexpr qint64 Hour = 3600 * 1000;
    const qint64 hours = (range.length() / 100 + Hour - 1) / Hour;
    return std::max<qint64>(1, hours) * Hour;
}

Result<ComparisonData> computeComparison(const HistoryStore &store, const EventFilter &filter,
                                         const TimeRange &range, const VerdictSettings &verdicts)
{
    ComparisonData data;
    data.range = range;
    Result<QList<CompareRow>> rows = Aggregator(store).compare(filter, range);
    if (!rows)
        return Error{rows.error()};
    data.rows = std::move(*rows);
    if (verdicts.judge) {
        Result<QList<ImageVerdicts>> judged =
            VerdictEngine(store, verdicts).summarize(filter, range);
        if (!judged)
            return Error{judged.error()};
        data.verdicts = std::move(*judged);
        data.judged = true;
    }

    // Only images with a group are compared over time.
    EventFilter grouped = filter;
    if (grouped.groups.isEmpty()) {
        QSet<QString> groups;
        for (const ImageInfo &info : store.images())
            if (!info.group.isEmpty())
                groups.insert(info.group);
        grouped.groups = groups.values();
        grouped.groups.sort();
    }
    if (grouped.groups.isEmpty())
        return data;
    Result<TimelineData> timeline =
        computeTimeline(store, grouped, range, comparisonBucketMs(range), verdicts);
    if (!timeline)
        return Error{timeline.error()};
    data.timeline = std::move(*timeline);
    return data;
}

} // namespace pw
