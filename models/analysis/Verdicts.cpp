#include "analysis/Verdicts.h"

#include "analysis/Aggregator.h"
#include "analysis/VerdictText.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <span>
#include <vector>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
constexpr std::array<const char *, VerdictCount> VerdictIds = {
    "rate_limited", "image_problem", "registry_outage", "slow_pull", "runner_side", "no_evidence"};

constexpr qint64 MinWindowMs = 10 * 60 * 1000;
constexpr qint64 MinSlowMs = 5 * 1000;
// A cold pull this slow was a build; a registry answers a manifest in milliseconds. (The first
// probe of a fresh history counts as cold too, however fast: that one is no build.)
constexpr qint64 ColdBuildMs = 2 * 1000;

bool registrySideCategory(Category c)
{
    switch (c) {
    case Category::ServerError:
    case Category::Timeout:
    case Category::Connection:
    case Category::Transport:
    case Category::Tls:
    case Category::Dns:
        return true;
    default:
        return false;
    }
}

bool jobGaveUp(Category c)
{
    return c == Category::Timeout || c == Category::Canceled || c == Category::Backoff;
}

bool aboutTheImage(Category c)
{
    return c == Category::NotFound || c == Category::Platform || c == Category::Auth;
}

struct Probe
{
    qint64 ts = 0;
    qint64 latencyMs = -1;
    Category category = Category::None;
    bool cold = false;
};
using Probes = std::vector<Probe>;

// The probes around the failures, per image and per registry, sorted by time.
struct ProbeIndex
{
    QHash<int, Probes> byImage;
    QHash<QString, Probes> byRegistry;
    QSet<int> everProbed;
    QSet<int> everOk;
};

std::span<const Probe> around(const Probes &probes, qint64 ts, qint64 window)
{
    const auto byTime = [](const Probe &p, qint64 t) { return p.ts < t; };
    const auto first = std::lower_bound(probes.begin(), probes.end(), ts - window, byTime);
    const auto last = std::lower_bound(first, probes.end(), ts + window + 1, byTime);
    return {first, last};
}

VerdictEvidence gather(std::span<const Probe> probes, qint64 window, qint64 jobWaitMs,
                       qint64 slowProbeMs)
{
    VerdictEvidence e;
    e.windowMs = window;
    std::vector<qint64> latencies;
    // Slower than the job waited (when its log says), but never a sub-second blip: a job that
    // gave up after 300 ms did not give up on a slow registry.
    const qint64 slowFrom = jobWaitMs > 0 ? std::max(jobWaitMs, MinSlowMs) : slowProbeMs;
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
            latencies.push_back(p.latencyMs);
            e.slow = e.slow || build || p.latencyMs >= slowFrom;
        }
    }
    if (!latencies.empty()) {
        const auto middle = latencies.begin() + qsizetype(latencies.size() - 1) / 2;
        std::nth_element(latencies.begin(), middle, latencies.end());
        e.p50Ms = *middle;
        e.maxMs = *std::max_element(latencies.begin(), latencies.end());
    }
    return e;
}

// DESIGN.md's table, first match wins.
Verdict decide(Category ci, const VerdictEvidence &e)
{
    if (ci == Category::RateLimit || e.failures[size_t(Category::RateLimit)] > 0)
        return Verdict::RateLimited;
    if (aboutTheImage(ci) && e.sameImage && (e.failures[size_t(ci)] > 0 || e.neverOk))
        return Verdict::ImageProblem;
    if (e.registrySideFailures() > 0)
        return Verdict::RegistryOutage;
    if (e.probesOk == 0)
        return Verdict::NoEvidence;
    if (jobGaveUp(ci) && e.slow)
        return Verdict::SlowPull;
    if (!e.slow && (!aboutTheImage(ci) || e.sameImage))
        return Verdict::RunnerSide;
    return Verdict::NoEvidence;
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
    for (auto it = index.byImage.cbegin(); it != index.byImage.cend(); ++it) {
        Probes &merged = index.byRegistry[byId.value(it.key()).registry];
        merged.insert(merged.end(), it->begin(), it->end());
    }
    for (Probes &merged : index.byRegistry)
        std::stable_sort(merged.begin(), merged.end(),
                         [](const Probe &a, const Probe &b) { return a.ts < b.ts; });

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

std::optional<Incident> incidentAt(const HistoryStore &store, const QString &image,
                                   const QString &registry, bool sameImage, qint64 ts,
                                   qint64 window)
{
    EventFilter filter;
    filter.source = Source::Probe;
    if (sameImage)
        filter.images = {image};
    else
        filter.registries = {registry};
    const Result<QList<Incident>> incidents =
        store.incidents(filter, TimeRange{ts - window, ts + window + 1});
    if (!incidents || incidents->isEmpty())
        return std::nullopt;
    // The one the failure fell into, else the nearest.
    const auto distance = [ts](const Incident &i) {
        const qint64 end = i.isOpen() ? std::numeric_limits<qint64>::max() : i.recoveredAt;
        return ts < i.start ? i.start - ts : (ts > end ? ts - end : 0);
    };
    return *std::min_element(incidents->begin(), incidents->end(),
                             [&](const Incident &a, const Incident &b) {
                                 return distance(a) < distance(b);
                             });
}
} // namespace

QString verdictId(Verdict verdict)
{
    return QString::fromLatin1(VerdictIds[size_t(verdict)]);
}

QString verdictTitle(Verdict verdict)
{
    static constexpr std::array<const char *, VerdictCount> Titles = {
        QT_TRANSLATE_NOOP("Verdict", "Rate limited"),   QT_TRANSLATE_NOOP("Verdict", "Image problem"),
        QT_TRANSLATE_NOOP("Verdict", "Registry outage"), QT_TRANSLATE_NOOP("Verdict", "Slow pull"),
        QT_TRANSLATE_NOOP("Verdict", "Runner side"),    QT_TRANSLATE_NOOP("Verdict", "No evidence")};
    return QCoreApplication::translate("Verdict", Titles[size_t(verdict)]);
}

std::optional<Verdict> verdictFromId(QStringView id)
{
    for (Verdict v : AllVerdicts)
        if (id == QLatin1StringView(VerdictIds[size_t(v)]))
            return v;
    return std::nullopt;
}

bool isRegistrySide(Verdict verdict)
{
    return verdict == Verdict::RateLimited || verdict == Verdict::RegistryOutage ||
           verdict == Verdict::SlowPull;
}

qint64 VerdictEvidence::registrySideFailures() const
{
    qint64 n = 0;
    for (Category c : FailureCategories)
        if (registrySideCategory(c))
            n += failures[size_t(c)];
    return n;
}

qint64 VerdictSettings::windowMs(const QString &image) const
{
    return std::max(2 * probeIntervalMs.value(image, defaultIntervalMs), MinWindowMs);
}

namespace {
// The verdicts of a range with the probes they were read from (the summary reuses them).
struct Explained
{
    QList<CiVerdict> verdicts;
    ProbeIndex probes;
    QHash<QString, int> idOf;
};

Result<Explained> explainRange(const HistoryStore &store, const VerdictSettings &settings,
                               const EventFilter &filter, const TimeRange &range)
{
    EventFilter failed = filter;
    failed.source = Source::Ci;
    failed.ok = false;
    QList<PullEvent> events;
    const Status scanned = store.scanEvents(failed, range, [&](const PullEvent &e) {
        events.push_back(e);
        return true;
    });
    if (!scanned)
        return Error{scanned.error()};

    Explained out;
    const QList<ImageInfo> images = store.images();
    QHash<int, ImageInfo> byId;
    qint64 widest = MinWindowMs;
    for (const ImageInfo &info : images) {
        out.idOf.insert(info.image, info.id);
        byId.insert(info.id, info);
        widest = std::max(widest, settings.windowMs(info.image));
    }
    QList<int> failing;
    for (const PullEvent &e : events)
        if (const int id = out.idOf.value(e.image); id && !failing.contains(id))
            failing.push_back(id);
    Result<ProbeIndex> index =
        loadProbes(store, byId, relevantImages(images, failing),
                   TimeRange{range.from - widest, range.to + widest + 1});
    if (!index)
        return Error{index.error()};
    out.probes = std::move(*index);

    out.verdicts.reserve(events.size());
    for (const PullEvent &e : events) {
        const int id = out.idOf.value(e.image);
        const qint64 window = settings.windowMs(e.image);
        const qint64 jobWait = e.latencyMs > 0 ? e.latencyMs : -1;
        CiVerdict v;
        v.event = e;
        v.evidence = gather(around(out.probes.byImage.value(id), e.ts, window), window, jobWait,
                            settings.slowProbeMs);
        if (v.evidence.probes == 0) {
            v.evidence = gather(around(out.probes.byRegistry.value(e.registry), e.ts, window),
                                window, jobWait, settings.slowProbeMs);
            v.evidence.sameImage = false;
        }
        v.evidence.onDemand = settings.onDemandRegistries.contains(e.registry);
        v.evidence.neverOk =
            out.probes.everProbed.contains(id) && !out.probes.everOk.contains(id);
        v.verdict = decide(e.category, v.evidence);
        if (v.verdict == Verdict::RegistryOutage)
            v.evidence.incident =
                incidentAt(store, e.image, e.registry, v.evidence.sameImage, e.ts, window);
        v.advice = verdictAdvice(v);
        v.sentence = verdictSentence(v);
        out.verdicts.push_back(std::move(v));
    }
    return out;
}

// How many of row's registry-side failures another image of its group pulled fine at the time
// (its own probes in the same window all succeeded, none slow); the best such image.
void countAvoidable(ImageVerdicts &row, const QList<ImageVerdicts> &rows, const Explained &x,
                    const VerdictSettings &settings)
{
    if (row.group.isEmpty() || row.ciFailures == 0)
        return;
    for (const ImageVerdicts &other : rows) {
        if (other.group != row.group || other.image == row.image)
            continue;
        const Probes &probes = x.probes.byImage.value(x.idOf.value(other.image));
        qint64 avoided = 0;
        for (const CiVerdict &v : x.verdicts) {
            if (v.event.image != row.image || !isRegistrySide(v.verdict))
                continue;
            const VerdictEvidence e =
                gather(around(probes, v.event.ts, v.evidence.windowMs), v.evidence.windowMs,
                       v.event.latencyMs > 0 ? v.event.latencyMs : -1, settings.slowProbeMs);
            avoided += e.probes > 0 && e.probesOk == e.probes && !e.slow;
        }
        if (avoided > row.avoidable) {
            row.avoidable = avoided;
            row.otherImage = other.image;
        }
    }
}
} // namespace

Result<QList<CiVerdict>> VerdictEngine::explain(const EventFilter &filter,
                                                const TimeRange &range) const
{
    Result<Explained> x = explainRange(m_store, m_settings, filter, range);
    if (!x)
        return Error{x.error()};
    return std::move(x->verdicts);
}

Result<QList<ImageVerdicts>> VerdictEngine::summarize(const EventFilter &filter,
                                                      const TimeRange &range) const
{
    // The other sides of the selected images' groups are read too: the sentence says how they
    // did, even when only one side was asked for.
    const QList<ImageInfo> images = m_store.images();
    const QList<int> selected = selectImages(images, filter);
    EventFilter widened = filter;
    if (!filter.images.isEmpty() || !filter.registries.isEmpty()) {
        QSet<QString> groups;
        for (const ImageInfo &info : images)
            if (selected.contains(info.id) && !info.group.isEmpty())
                groups.insert(info.group);
        for (const ImageInfo &info : images)
            if (groups.contains(info.group) && !widened.images.contains(info.image))
                widened.images.push_back(info.image);
        widened.registries.clear();
    }
    const Result<Explained> x = explainRange(m_store, m_settings, widened, range);
    if (!x)
        return Error{x.error()};
    // Every image with events in the range gets a row (rollup counts only: cheap), so the side
    // of a group that never failed says so.
    QSet<int> active;
    EventFilter any = widened;
    any.ok.reset();
    any.category.reset();
    any.source.reset();
    const Status counted = m_store.scanRollups(
        Granularity::Hour, any,
        TimeRange{floorTo(range.from, granularityMs(Granularity::Hour)), range.to},
        [&](const RollupRow &row) { active.insert(row.imageId); }, false);
    if (!counted)
        return Error{counted.error()};
    QSet<QString> failing;
    for (const CiVerdict &v : x->verdicts)
        failing.insert(v.event.image);

    QList<ImageVerdicts> rows;
    for (const ImageInfo &info : images) {
        if (!active.contains(info.id) && !failing.contains(info.image))
            continue;
        ImageVerdicts row;
        row.image = info.image;
        row.registry = info.registry;
        row.group = info.group;
        row.label = info.label;
        rows.push_back(row);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const ImageVerdicts &a, const ImageVerdicts &b) {
        if (a.group.isEmpty() != b.group.isEmpty())
            return !a.group.isEmpty();
        return std::tie(a.group, a.label, a.image) < std::tie(b.group, b.label, b.image);
    });
    QHash<QString, qsizetype> rowOf;
    for (qsizetype i = 0; i < rows.size(); ++i)
        rowOf.insert(rows[i].image, i);
    QHash<QString, std::vector<qint64>> slowLatencies;
    for (const CiVerdict &v : x->verdicts) {
        ImageVerdicts &row = rows[rowOf.value(v.event.image)];
        ++row.ciFailures;
        ++row.verdicts[size_t(v.verdict)];
        if (v.verdict == Verdict::SlowPull && v.evidence.maxMs >= 0)
            slowLatencies[v.event.image].push_back(v.evidence.maxMs);
    }
    for (ImageVerdicts &row : rows) {
        if (std::vector<qint64> &slow = slowLatencies[row.image]; !slow.empty()) {
            const auto middle = slow.begin() + qsizetype(slow.size() - 1) / 2;
            std::nth_element(slow.begin(), middle, slow.end());
            row.slowP50Ms = *middle;
        }
        countAvoidable(row, rows, *x, m_settings);
    }
    QList<ImageVerdicts> asked;
    for (const ImageVerdicts &row : rows) {
        if (!selected.contains(x->idOf.value(row.image)))
            continue;
        asked.push_back(row);
        asked.back().sentence = summarySentence(row, rows);
    }
    return asked;
}

} // namespace pw
