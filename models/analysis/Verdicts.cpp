#include "analysis/Verdicts.h"

#include "analysis/Aggregator.h"
#include "analysis/ProbeWindows.h"
#include "analysis/VerdictText.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <span>
#include <vector>

using namespace Qt::StringLiterals;

namespace pw {

using namespace probewindows;

namespace {
constexpr std::array<const char *, VerdictCount> VerdictIds = {
    "rate_limited", "image_problem", "registry_outage", "slow_pull", "runner_side", "no_evidence"};


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
// The probes a range's failures are judged by, loaded once.
struct Context
{
    ProbeIndex probes;
    QHash<QString, int> idOf;
    QHash<int, ImageInfo> byId;
};

Result<Context> loadContext(const HistoryStore &store, const VerdictSettings &settings,
                            const QSet<int> &failingIds, const TimeRange &range)
{
    Context out;
    const QList<ImageInfo> images = store.images();
    qint64 widest = MinWindowMs;
    for (const ImageInfo &info : images) {
        out.idOf.insert(info.image, info.id);
        out.byId.insert(info.id, info);
        widest = std::max(widest, settings.windowMs(info.image));
    }
    Result<ProbeIndex> index =
        loadProbes(store, out.byId, relevantImages(images, failingIds.values()),
                   TimeRange{range.from - widest, range.to + widest + 1});
    if (!index)
        return Error{index.error()};
    out.probes = std::move(*index);
    return out;
}

// One failed CI pull's verdict and evidence (no incident, no text: what marks need).
std::pair<Verdict, VerdictEvidence> judgeOne(const Context &c, const VerdictSettings &settings,
                                             int imageId, qint64 ts, Category category,
                                             qint64 latencyMs, bool median = true)
{
    const ImageInfo info = c.byId.value(imageId);
    const qint64 window = settings.windowMs(info.image);
    const qint64 jobWait = latencyMs > 0 ? latencyMs : -1;
    VerdictEvidence e = gather(around(c.probes.ofImage(imageId), ts, window), window,
                               jobWait, settings.slowProbeMs, median);
    if (e.probes == 0) {
        e = gather(around(c.probes.ofRegistry(info.registry), ts, window), window,
                   jobWait, settings.slowProbeMs, median);
        e.sameImage = false;
    }
    e.onDemand = settings.onDemandRegistries.contains(info.registry);
    e.neverOk = c.probes.everProbed.contains(imageId) && !c.probes.everOk.contains(imageId);
    return {decide(category, e), e};
}

// A failed CI pull judged from numbers alone (marks, counts, the summary).
struct Judged
{
    Outcome failure;
    Verdict verdict = Verdict::NoEvidence;
    qint64 windowMs = 0;
    qint64 maxMs = -1;
};

struct JudgedRange
{
    QList<Judged> judged;
    Context context;
};

// The failed CI pulls among what the filter selects.
EventFilter failedCiPulls(EventFilter filter)
{
    filter.source = Source::Ci;
    filter.ok = false;
    return filter;
}

Result<JudgedRange> judgeRange(const HistoryStore &store, const VerdictSettings &settings,
                               const EventFilter &filter, const TimeRange &range)
{
    QList<Outcome> outcomes;
    const Status scanned = store.scanOutcomes(failedCiPulls(filter), range, [&](const Outcome &o) {
        if (!o.ok())
            outcomes.push_back(o);
    });
    if (!scanned)
        return Error{scanned.error()};
    QSet<int> failing;
    for (const Outcome &o : outcomes)
        failing.insert(o.imageId);
    Result<Context> context = loadContext(store, settings, failing, range);
    if (!context)
        return Error{context.error()};
    JudgedRange out;
    out.judged.reserve(outcomes.size());
    for (const Outcome &o : outcomes) {
        const auto [verdict, evidence] =
            judgeOne(*context, settings, o.imageId, o.ts, o.category, o.latencyMs, false);
        out.judged.push_back({o, verdict, evidence.windowMs, evidence.maxMs});
    }
    out.context = std::move(*context);
    return out;
}

Result<QList<CiVerdict>> explainRange(const HistoryStore &store,
                                      const VerdictSettings &settings, const EventFilter &filter,
                                      const TimeRange &range)
{
    QList<PullEvent> events;
    const Status scanned = store.scanEvents(failedCiPulls(filter), range, [&](const PullEvent &e) {
        events.push_back(e);
        return true;
    });
    if (!scanned)
        return Error{scanned.error()};
    QSet<int> failing;
    QHash<QString, int> ids;
    for (const ImageInfo &info : store.images())
        ids.insert(info.image, info.id);
    for (const PullEvent &e : events)
        failing.insert(ids.value(e.image));
    Result<Context> context = loadContext(store, settings, failing, range);
    if (!context)
        return Error{context.error()};

    qint64 widest = MinWindowMs;
    for (const ImageInfo &info : context->byId)
        widest = std::max(widest, settings.windowMs(info.image));
    const Result<QHash<int, QList<Incident>>> incidents =
        loadIncidents(store, relevantImages(context->byId.values(), failing.values()),
                      context->byId, TimeRange{range.from - widest, range.to + widest + 1});
    if (!incidents)
        return Error{incidents.error()};

    QList<CiVerdict> out;
    out.reserve(events.size());
    for (const PullEvent &e : events) {
        CiVerdict v;
        v.event = e;
        const int id = context->idOf.value(e.image);
        std::tie(v.verdict, v.evidence) =
            judgeOne(*context, settings, id, e.ts, e.category, e.latencyMs);
        if (v.verdict == Verdict::RegistryOutage)
            v.evidence.incident = incidentAt(*incidents, context->byId, id, v.evidence.sameImage,
                                             e.ts, v.evidence.windowMs);
        v.advice = verdictAdvice(v);
        v.sentence = verdictSentence(v);
        out.push_back(std::move(v));
    }
    return out;
}

// How many of row's registry-side failures another image of its group pulled fine at the time
// (its own probes in the same window all succeeded, none slow); the best such image.
void countAvoidable(ImageVerdicts &row, const QList<ImageVerdicts> &rows, const JudgedRange &x,
                    const VerdictSettings &settings)
{
    if (row.group.isEmpty() || row.ciFailures == 0)
        return;
    const int id = x.context.idOf.value(row.image);
    for (const ImageVerdicts &other : rows) {
        if (other.group != row.group || other.image == row.image)
            continue;
        const Probes &probes = x.context.probes.ofImage(x.context.idOf.value(other.image));
        qint64 avoided = 0;
        for (const Judged &j : x.judged) {
            if (j.failure.imageId != id || !isRegistrySide(j.verdict))
                continue;
            const VerdictEvidence e =
                gather(around(probes, j.failure.ts, j.windowMs), j.windowMs,
                       j.failure.latencyMs > 0 ? j.failure.latencyMs : -1, settings.slowProbeMs,
                       false);
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
    return explainRange(m_store, m_settings, filter, range);
}

Result<QList<VerdictMark>> VerdictEngine::judge(const EventFilter &filter,
                                                const TimeRange &range) const
{
    if (!m_settings.judge)
        return QList<VerdictMark>();
    const Result<JudgedRange> x = judgeRange(m_store, m_settings, filter, range);
    if (!x)
        return Error{x.error()};
    QList<VerdictMark> marks;
    marks.reserve(x->judged.size());
    for (const Judged &j : x->judged)
        marks.push_back({j.failure.ts, j.failure.imageId, j.verdict});
    return marks;
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
    const Result<JudgedRange> x = judgeRange(m_store, m_settings, widened, range);
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
    QSet<int> failing;
    for (const Judged &j : x->judged)
        failing.insert(j.failure.imageId);

    QList<ImageVerdicts> rows;
    for (const ImageInfo &info : images) {
        if (!active.contains(info.id) && !failing.contains(info.id))
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
    QHash<int, qsizetype> rowOf;
    for (qsizetype i = 0; i < rows.size(); ++i)
        rowOf.insert(x->context.idOf.value(rows[i].image), i);
    QHash<QString, std::vector<qint64>> slowLatencies;
    for (const Judged &j : x->judged) {
        const auto at = rowOf.constFind(j.failure.imageId);
        if (at == rowOf.cend())
            continue;
        ImageVerdicts &row = rows[*at];
        ++row.ciFailures;
        ++row.verdicts[size_t(j.verdict)];
        if (j.verdict == Verdict::SlowPull && j.maxMs >= 0)
            slowLatencies[row.image].push_back(j.maxMs);
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
        if (!selected.contains(x->context.idOf.value(row.image)))
            continue;
        asked.push_back(row);
        asked.back().sentence = summarySentence(row, rows);
    }
    return asked;
}

} // namespace pw
