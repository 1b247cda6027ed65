#include "analysis/Aggregator.h"

#include <QCoreApplication>
#include <QHash>

#include <algorithm>
#include <map>

namespace pw {

qint64 floorTo(qint64 ts, qint64 step)
{
    const qint64 r = ts % step;
    return r < 0 ? ts - r - step : ts - r;
}

TimeRange clampToHistory(const HistoryStore &store, const TimeRange &range, qint64 alignMs)
{
    constexpr qint64 DayMs = 86'400'000;
    // In long double: the length of an absurd range overflows qint64.
    if (static_cast<long double>(range.to) - range.from <= MaxChartBuckets * DayMs)
        return range;
    const TimeRange span = store.span();
    if (span.isEmpty())
        return {range.from, range.from}; // no events: nothing to draw
    TimeRange clamped{std::max(range.from, floorTo(span.from, alignMs)),
                      std::min(range.to, span.to)};
    clamped.to = std::max(clamped.to, clamped.from);
    return clamped;
}

ChartBuckets boundChartBuckets(const HistoryStore &store, const TimeRange &range, qint64 bucketMs)
{
    ChartBuckets chart{clampToHistory(store, range, std::max<qint64>(bucketMs, 1)),
                       std::max<qint64>(bucketMs, 1)};
    const qint64 length = chart.range.to - floorTo(chart.range.from, chart.bucketMs);
    const qint64 count = (length + chart.bucketMs - 1) / chart.bucketMs;
    if (count > MaxChartBuckets)
        chart.bucketMs *= (count + MaxChartBuckets - 1) / MaxChartBuckets;
    return chart;
}

namespace {
qint64 ceilTo(qint64 ts, qint64 step)
{
    const qint64 f = floorTo(ts, step);
    return f == ts ? ts : f + step;
}
} // namespace

QString bucketStateTitle(BucketState state)
{
    const char *title = "No data";
    switch (state) {
    case BucketState::Up:
        title = QT_TRANSLATE_NOOP("BucketState", "Up");
        break;
    case BucketState::Degraded:
        title = QT_TRANSLATE_NOOP("BucketState", "Degraded");
        break;
    case BucketState::Down:
        title = QT_TRANSLATE_NOOP("BucketState", "Down");
        break;
    case BucketState::NoData:
        title = QT_TRANSLATE_NOOP("BucketState", "No data");
        break;
    }
    return QCoreApplication::translate("BucketState", title);
}

BucketState BucketStats::state() const
{
    if (total == 0)
        return BucketState::NoData;
    if (ok == total)
        return BucketState::Up;
    return ok == 0 ? BucketState::Down : BucketState::Degraded;
}

Category BucketStats::topCategory() const
{
    Category best = Category::None;
    qint64 bestCount = 0;
    for (Category c : FailureCategories) {
        if (failures[int(c)] > bestCount) {
            best = c;
            bestCount = failures[int(c)];
        }
    }
    return best;
}

void BucketStats::add(const RollupRow &row)
{
    total += row.total;
    ok += row.ok;
    for (int i = 0; i < CategoryCount; ++i)
        failures[i] += row.failures[i];
    latency.merge(row.latency);
    coldLatency.merge(row.coldLatency);
}

void BucketStats::add(const Outcome &o)
{
    ++total;
    if (o.ok())
        ++ok;
    else
        ++failures[int(o.category)];
    if (o.latencyMs >= 0) {
        latency.add(o.latencyMs);
        if (o.cold)
            coldLatency.add(o.latencyMs);
    }
}

Status Aggregator::collect(const AggregateQuery &query, bool perImage,
                           const SourceBucketFor &bucketFor) const
{
    const TimeRange &range = query.range;
    if (range.isEmpty())
        return {};
    const qint64 step = query.bucketMs;
    const auto bucketOf = [&](qint64 ts) { return step > 0 ? floorTo(ts, step) : range.from; };

    // Rollup levels usable for this bucket width, coarsest first; event-level filters
    // (outcome, category) are not in rollups, so they read raw rows only.
    std::vector<Granularity> levels;
    if (!query.filter.ok && !query.filter.category) {
        for (Granularity g : {Granularity::Day, Granularity::Hour}) {
            if (step == 0 || step % granularityMs(g) == 0)
                levels.push_back(g);
        }
    }

    Status status;
    const auto readRaw = [&](const TimeRange &r) {
        if (r.isEmpty() || !status)
            return;
        status = m_store.scanOutcomes(query.filter, r, [&](Outcome o) {
            if (!query.latencies)
                o.latencyMs = -1;
            bucketFor(perImage ? o.imageId : 0, o.source, bucketOf(o.ts)).add(o);
        });
    };
    const std::function<void(const TimeRange &, size_t)> cover = [&](const TimeRange &r,
                                                                     size_t level) {
        if (r.isEmpty() || !status)
            return;
        if (level == levels.size()) {
            readRaw(r);
            return;
        }
        const qint64 g = granularityMs(levels[level]);
        const TimeRange inner{ceilTo(r.from, g), floorTo(r.to, g)};
        if (inner.isEmpty()) {
            cover(r, level + 1);
            return;
        }
        cover(TimeRange{r.from, inner.from}, level + 1);
        if (status) {
            status = m_store.scanRollups(
                levels[level], query.filter, inner,
                [&](const RollupRow &row) {
                    bucketFor(perImage ? row.imageId : 0, row.source, bucketOf(row.bucketStart))
                        .add(row);
                },
                query.latencies);
        }
        cover(TimeRange{inner.to, r.to}, level + 1);
    };
    cover(range, 0);
    return status;
}

Result<QList<BucketStats>> Aggregator::availability(const AggregateQuery &query) const
{
    std::map<std::pair<qint64, int>, BucketStats> buckets; // (bucket, image) keeps the order
    Status s = collect(query, true, [&](int imageId, Source, qint64 bucket) -> BucketStats & {
        BucketStats &b = buckets[{bucket, imageId}];
        b.imageId = imageId;
        b.bucketStart = bucket;
        b.bucketEnd = query.bucketMs > 0 ? bucket + query.bucketMs : query.range.to;
        return b;
    });
    if (!s)
        return Error{s.error()};
    QList<BucketStats> list;
    list.reserve(qsizetype(buckets.size()));
    for (auto &entry : buckets)
        list.append(std::move(entry.second));
    if (query.bucketMs > 0) { // name images by reference within a bucket, as the CSV lists them
        const QHash<int, ImageInfo> infos = imagesById(m_store);
        std::stable_sort(list.begin(), list.end(), [&](const BucketStats &a, const BucketStats &b) {
            if (a.bucketStart != b.bucketStart)
                return a.bucketStart < b.bucketStart;
            return infos.value(a.imageId).image < infos.value(b.imageId).image;
        });
    }
    return list;
}

Result<QList<BucketStats>> Aggregator::perImage(const EventFilter &filter, const TimeRange &range,
                                                bool latencies) const
{
    Result<QList<BucketStats>> list = availability(AggregateQuery{filter, range, 0, latencies});
    if (list) {
        std::sort(list->begin(), list->end(),
                  [](const BucketStats &a, const BucketStats &b) { return a.imageId < b.imageId; });
    }
    return list;
}

Result<QList<BucketStats>> Aggregator::overTime(const AggregateQuery &query) const
{
    std::map<qint64, BucketStats> buckets;
    Status s = collect(query, false, [&](int, Source, qint64 bucket) -> BucketStats & {
        BucketStats &b = buckets[bucket];
        b.bucketStart = bucket;
        b.bucketEnd = query.bucketMs > 0 ? bucket + query.bucketMs : query.range.to;
        return b;
    });
    if (!s)
        return Error{s.error()};
    QList<BucketStats> list;
    for (auto &entry : buckets)
        list.append(std::move(entry.second));
    return list;
}

Result<QList<BreakdownRow>> Aggregator::breakdown(const EventFilter &filter,
                                                  const TimeRange &range) const
{
    const Result<QList<BucketStats>> images = perImage(filter, range, false);
    if (!images)
        return Error{images.error()};
    const QHash<int, ImageInfo> infos = imagesById(m_store);
    QList<BreakdownRow> rows;
    qint64 all = 0;
    for (const BucketStats &b : *images) {
        const ImageInfo info = infos.value(b.imageId);
        for (Category c : FailureCategories) {
            if (const qint64 n = b.failures[int(c)]) {
                rows.append(BreakdownRow{c, info.registry, info.image, n, 0});
                all += n;
            }
        }
    }
    for (BreakdownRow &row : rows)
        row.sharePct = all ? 100.0 * double(row.failures) / double(all) : 0;
    std::sort(rows.begin(), rows.end(), [](const BreakdownRow &a, const BreakdownRow &b) {
        if (a.failures != b.failures)
            return a.failures > b.failures;
        if (a.category != b.category)
            return a.category < b.category;
        if (a.registry != b.registry)
            return a.registry < b.registry;
        return a.image < b.image;
    });
    return rows;
}

Result<QList<IncidentStats>> Aggregator::incidents(const EventFilter &filter,
                                                   const TimeRange &range) const
{
    const Result<QList<Incident>> stored = m_store.incidents(filter, range);
    if (!stored)
        return Error{stored.error()};
    const QHash<int, ImageInfo> infos = imagesById(m_store);
    QList<IncidentStats> list;
    for (const Incident &incident : *stored) {
        if (!range.contains(incident.start))
            continue;
        IncidentStats stats{incident, infos.value(incident.imageId).image, -1};
        if (incident.recoveredAt >= 0 && incident.recoveredAt < range.to)
            stats.ttrMs = incident.recoveredAt - incident.start;
        list.append(stats);
    }
    return list;
}

Result<QList<CompareRow>> Aggregator::compare(const EventFilter &filter,
                                              const TimeRange &range) const
{
    const Result<QList<BucketStats>> images = perImage(filter, range);
    if (!images)
        return Error{images.error()};
    const Result<QList<IncidentSummary>> incidents = m_store.incidentSummary(filter, range);
    if (!incidents)
        return Error{incidents.error()};
    QHash<int, IncidentSummary> incidentsOf;
    for (const IncidentSummary &s : *incidents)
        incidentsOf.insert(s.imageId, s);
    const QHash<int, ImageInfo> infos = imagesById(m_store);

    QList<CompareRow> rows;
    for (const BucketStats &b : *images) {
        const ImageInfo info = infos.value(b.imageId);
        CompareRow row{info.group, info.label, info.image, b, 0, -1, -1, -1};
        const IncidentSummary summary = incidentsOf.value(b.imageId);
        row.incidents = summary.incidents;
        if (summary.recovered)
            row.mttrS = double(summary.ttrSumMs) / double(summary.recovered) / 1000.0;
        row.coldP50 = b.coldLatency.percentile(50);
        LatencyHistogram warm = b.latency;
        warm.subtract(b.coldLatency);
        row.warmP50 = warm.percentile(50);
        rows.append(row);
    }
    std::sort(rows.begin(), rows.end(), [](const CompareRow &a, const CompareRow &b) {
        if (a.group.isEmpty() != b.group.isEmpty())
            return !a.group.isEmpty(); // grouped images first
        if (a.group != b.group)
            return a.group < b.group;
        if (a.label != b.label)
            return a.label < b.label;
        return a.image < b.image;
    });
    return rows;
}

} // namespace pw
