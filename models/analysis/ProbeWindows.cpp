#include "analysis/ProbeWindows.h"

#include "analysis/Aggregator.h"

#include <QSet>

#include <algorithm>

namespace pw::probewindows {

namespace {
const Probes NoProbes;
}

const Probes &ProbeIndex::ofImage(int imageId) const
{
    const auto found = byImage.constFind(imageId);
    return found == byImage.cend() ? NoProbes : *found;
}

const Probes &ProbeIndex::ofRegistry(const QString &registry) const
{
    if (const auto found = byRegistry.constFind(registry); found != byRegistry.cend())
        return *found;
    Probes &merged = byRegistry[registry];
    for (auto it = byImage.cbegin(); it != byImage.cend(); ++it)
        if (registryOf.value(it.key()) == registry)
            merged.insert(merged.end(), it->begin(), it->end());
    std::stable_sort(merged.begin(), merged.end(),
                     [](const Probe &a, const Probe &b) { return a.ts < b.ts; });
    return merged;
}

std::span<const Probe> around(const Probes &probes, qint64 ts, qint64 window)
{
    const auto byTime = [](const Probe &p, qint64 t) { return p.ts < t; };
    const auto first = std::lower_bound(probes.begin(), probes.end(), ts - window, byTime);
    const auto last = std::lower_bound(first, probes.end(), ts + window + 1, byTime);
    return {first, last};
}

VerdictEvidence gather(std::span<const Probe> probes, qint64 window, qint64 jobWaitMs,
                       qint64 slowProbeMs, bool median)
{
    VerdictEvidence e;
    e.windowMs = window;
    // Slower than the job waited (when its log says), but never a sub-second blip: a job that
    // gave up after 300 ms did not give up on a slow registry.
    const qint64 slowFrom = jobWaitMs > 0 ? std::max(jobWaitMs, MinSlowMs) : slowProbeMs;
    thread_local std::vector<qint64> latencies;
    latencies.clear();
    for (const Probe &p : probes) {
        ++e.probes;
        if (p.category != Category::None) {
            ++e.failures[size_t(p.category)];
            continue;
        }
        ++e.probesOk;
        const bool build = p.cold && p.latencyMs >= ColdBuildMs;
        e.cold = e.cold || build;
        if (p.latencyMs >= 0) {
            e.maxMs = std::max(e.maxMs, p.latencyMs);
            e.slow = e.slow || build || p.latencyMs >= slowFrom;
            if (median)
                latencies.push_back(p.latencyMs);
        }
    }
    if (!latencies.empty()) {
        const auto middle = latencies.begin() + qsizetype(latencies.size() - 1) / 2;
        std::nth_element(latencies.begin(), middle, latencies.end());
        e.p50Ms = *middle;
    }
    return e;
}

// The event filter's images plus those that share a registry or a group with them: the probes
// a verdict may look at.
QList<int> relevantImages(const QList<ImageInfo> &images, const QList<int> &failing)
{
    QSet<QString> registries;
    QSet<QString> groups;
    for (const ImageInfo &info : images) {
        if (!failing.contains(info.id))
            continue;
        registries.insert(info.registry);
        if (!info.group.isEmpty())
            groups.insert(info.group);
    }
    QList<int> ids;
    for (const ImageInfo &info : images)
        if (registries.contains(info.registry) || groups.contains(info.group))
            ids.push_back(info.id);
    return ids;
}

Result<ProbeIndex> loadProbes(const HistoryStore &store, const QHash<int, ImageInfo> &byId,
                              const QList<int> &ids, const TimeRange &range)
{
    ProbeIndex index;
    if (ids.isEmpty())
        return index;
    EventFilter filter;
    filter.source = Source::Probe;
    for (int id : ids)
        filter.images.push_back(byId.value(id).image);
    const Status scanned = store.scanOutcomes(filter, range, [&](const Outcome &o) {
        index.byImage[o.imageId].push_back(Probe{o.ts, o.latencyMs, o.category, o.cold});
    });
    if (!scanned)
        return Error{scanned.error()};
    for (int id : ids)
        index.registryOf.insert(id, byId.value(id).registry);

    // "No probe has ever succeeded for it" looks at the whole history, from the daily rollups.
    const TimeRange span = store.span();
    const TimeRange all{floorTo(span.from, granularityMs(Granularity::Day)),
                        span.to + granularityMs(Granularity::Day)};
    const Status rolled = store.scanRollups(
        Granularity::Day, filter, all,
        [&](const RollupRow &row) {
            index.everProbed.insert(row.imageId);
            if (row.ok > 0)
                index.everOk.insert(row.imageId);
        },
        false);
    if (!rolled)
        return Error{rolled.error()};
    return index;
}

// The incidents of the images a range's failures may fall into, read once (one query per
// outage costs seconds on a busy month), by image.
Result<QHash<int, QList<Incident>>> loadIncidents(const HistoryStore &store,
                                                  const QList<int> &images,
                                                  const QHash<int, ImageInfo> &byId,
                                                  const TimeRange &range)
{
    QHash<int, QList<Incident>> byImage;
    if (images.isEmpty())
        return byImage;
    EventFilter filter;
    filter.source = Source::Probe;
    for (int id : images)
        filter.images.push_back(byId.value(id).image);
    const Result<QList<Incident>> incidents = store.incidents(filter, range);
    if (!incidents)
        return Error{incidents.error()};
    for (const Incident &incident : *incidents)
        byImage[incident.imageId].push_back(incident);
    return byImage;
}

// The incident a failure fell into, else the nearest within the window: of the image, or of
// any image on its registry when the registry's probes stood in.
std::optional<Incident> incidentAt(const QHash<int, QList<Incident>> &incidents,
                                   const QHash<int, ImageInfo> &byId, int imageId, bool sameImage,
                                   qint64 ts, qint64 window)
{
    const auto distance = [ts](const Incident &i) {
        const qint64 end = i.isOpen() ? std::numeric_limits<qint64>::max() : i.recoveredAt;
        return ts < i.start ? i.start - ts : (ts > end ? ts - end : 0);
    };
    const QString registry = byId.value(imageId).registry;
    std::optional<Incident> best;
    for (auto it = incidents.cbegin(); it != incidents.cend(); ++it) {
        if (sameImage ? it.key() != imageId : byId.value(it.key()).registry != registry)
            continue;
        for (const Incident &i : *it)
            if (distance(i) <= window && (!best || distance(i) < distance(*best)))
                best = i;
    }
    return best;
}

} // namespace pw::probewindows
