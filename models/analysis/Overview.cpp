#include "analysis/Overview.h"

#include "analysis/Timeline.h"

#include <QHash>
#include <QSet>

namespace pw {

namespace {
constexpr qint64 HourMs = 3600 * 1000;
constexpr qint64 DayMs = 24 * HourMs;
} // namespace

Result<QList<OverviewRow>> computeOverview(const HistoryStore &store, const EventFilter &filter,
                                           qint64 nowMs)
{
    const Aggregator aggregator(store);
    const QList<ImageInfo> images = store.images();
    const QList<int> selected = selectImages(images, filter);
    QHash<int, OverviewRow> rows;
    for (const ImageInfo &info : images) {
        if (!selected.contains(info.id))
            continue;
        OverviewRow row;
        row.imageId = info.id;
        row.image = info.image;
        row.registry = info.registry;
        row.group = info.group;
        row.label = info.label;
        row.heartbeat.fill(BucketState::NoData, OverviewRow::HeartbeatBuckets);
        rows.insert(info.id, row);
    }
    if (rows.isEmpty())
        return QList<OverviewRow>();

    // Availability over 24 h / 7 d / 30 d, and p95 over 24 h.
    const qint64 end = floorTo(nowMs, HourMs) + HourMs; // the current hour included
    for (const qint64 days : {1, 7, 30}) {
        // Exactly the last N days: the aggregator reads the ragged ends from raw events.
        auto stats = aggregator.perImage(filter, TimeRange{nowMs - days * DayMs, nowMs + 1});
        if (!stats)
            return Error{stats.error()};
        for (const BucketStats &s : *stats) {
            auto row = rows.find(s.imageId);
            if (row == rows.end() || s.total == 0)
                continue;
            (days == 1   ? row->availability24h
             : days == 7 ? row->availability7d
                         : row->availability30d) = s.availabilityPct();
            if (days == 1 && s.latency.count() > 0)
                row->latencyP95Ms = s.latency.percentile(95);
        }
    }

    // The heartbeat: hourly states of the last two days.
    const qint64 heartbeatFrom = end - OverviewRow::HeartbeatBuckets * HourMs;
    auto buckets = aggregator.availability({filter, {heartbeatFrom, end}, HourMs});
    if (!buckets)
        return Error{buckets.error()};
    for (const BucketStats &s : *buckets) {
        auto row = rows.find(s.imageId);
        const qint64 index = (s.bucketStart - heartbeatFrom) / HourMs;
        if (row != rows.end() && index >= 0 && index < OverviewRow::HeartbeatBuckets)
            row->heartbeat[index] = s.state();
    }

    // Status now, digests: the raw events of the last day.
    QHash<int, QSet<QString>> digests;
    QHash<QString, int> idOf;
    for (auto it = rows.cbegin(); it != rows.cend(); ++it)
        idOf.insert(it->image, it.key());
    const Status scanned =
        store.scanEvents(filter, {nowMs - DayMs, nowMs + 1}, [&](const PullEvent &event) {
            const auto id = idOf.constFind(event.image);
            if (id == idOf.cend())
                return true;
            OverviewRow &row = rows[*id];
            if (event.ts >= row.lastEventTs) {
                row.lastEventTs = event.ts;
                row.statusNow = event.ok ? BucketState::Up : BucketState::Down;
            }
            if (event.ok && !event.digest.isEmpty()) {
                digests[*id].insert(event.digest);
                row.digest = event.digest; // events arrive oldest first
            }
            return true;
        });
    if (!scanned)
        return Error{scanned.error()};
    for (auto it = digests.cbegin(); it != digests.cend(); ++it)
        rows[it.key()].digestChanged = it->size() > 1;

    // The last failure in 30 days: the latest incident's start and dominant cause.
    auto incidents = aggregator.incidents(filter, {end - 30 * DayMs, end});
    if (!incidents)
        return Error{incidents.error()};
    for (const IncidentStats &s : *incidents) {
        auto row = rows.find(s.incident.imageId);
        if (row != rows.end() && s.incident.lastFailure >= row->lastFailureTs) {
            row->lastFailureTs = s.incident.lastFailure;
            row->lastFailure = s.incident.dominant;
        }
    }

    QList<OverviewRow> list = rows.values();
    sortByGroup(list);
    return list;
}

} // namespace pw
