#pragma once

// Fixtures and straightforward reference implementations (counting, incident cutting) that the
// store, aggregator and report tests compare the real, optimized code against.

#include "history/HistoryStore.h"
#include "PullEvent.h"
#include "history/sqlite/SqliteHistoryStore.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QRandomGenerator>
#include <QStringList>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <tuple>

namespace reference {

using namespace pw;

// Opens a history for a test; null (with the reason logged) when it cannot.
inline std::unique_ptr<SqliteHistoryStore> openStore(const QString &path)
{
    auto result = SqliteHistoryStore::open(path);
    if (!result) {
        qWarning("%s", qPrintable(result.error()));
        return nullptr;
    }
    return std::move(*result);
}

// Whether an event passes a filter, decided without the store (groups: image -> group).
inline bool matches(const EventFilter &f, const PullEvent &e, const QHash<QString, QString> &groups)
{
    if (!f.images.isEmpty() && !f.images.contains(e.image))
        return false;
    if (!f.registries.isEmpty() && !f.registries.contains(e.registry))
        return false;
    if (!f.groups.isEmpty() && !f.groups.contains(groups.value(e.image)))
        return false;
    if (f.source && *f.source != e.source)
        return false;
    if (f.ok && *f.ok != e.ok)
        return false;
    if (f.category && *f.category != e.category)
        return false;
    return true;
}

inline constexpr qint64 Second = 1000;
inline constexpr qint64 Minute = 60 * Second;
inline constexpr qint64 Hour = 60 * Minute;
inline constexpr qint64 Day = 24 * Hour;
// 2025-05-18T00:00:00Z, a UTC midnight.
inline constexpr qint64 T0 = 1747526400000;

inline QString registryOf(const QString &image)
{
    return image.left(image.indexOf(QLatin1Char('/')));
}

// A probe event of the image; Category::None means a successful pull.
inline PullEvent makeEvent(qint64 ts, const QString &image, Category category = Category::None,
                           qint64 latencyMs = -1, Source source = Source::Probe)
{
    PullEvent e;
    e.ts = ts;
    e.source = source;
    e.image = image;
    e.registry = registryOf(image);
    e.ok = category == Category::None;
    e.category = category;
    e.latencyMs = latencyMs;
    return e;
}

inline const QStringList &messagePool()
{
    static const QStringList pool = {
        QStringLiteral("toomanyrequests: You have reached your pull rate limit"),
        QStringLiteral("manifest unknown, \"latest\" not found"),
        QStringLiteral("dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: no such host"),
        QStringLiteral("line one\nline two\r\nline three"),
        QStringLiteral("=HYPERLINK(\"http://evil\",\"click\")"),
        QStringLiteral("-rate limited, @retry +1"),
        QStringLiteral("Zeitüberschreitung beim Abrufen – 超时 🐳"),
        QStringLiteral("net/http: TLS handshake timeout"),
    };
    return pool;
}

inline QList<CiContext> jobPool()
{
    return {
        CiContext{QStringLiteral("github"), QStringLiteral("rook/rook"), QStringLiteral("9001"),
                  QStringLiteral("77"), QStringLiteral("canary, arm64"),
                  QStringLiteral("https://github.com/rook/rook/actions/runs/9001/job/77")},
        CiContext{QStringLiteral("gitlab"), QStringLiteral("group/app"), QStringLiteral("12"),
                  QStringLiteral("345"), QStringLiteral("build \"image\""),
                  QStringLiteral("https://gitlab.example.com/group/app/-/jobs/345")},
        CiContext{QStringLiteral("files"),
                  QStringLiteral("ci-logs"),
                  {},
                  {},
                  QStringLiteral("nightly ü"),
                  {}},
    };
}

// count random events of the images within [from, from + span): both sources, every failure
// category, unknown and cold latencies, and timestamps piled onto hour and day boundaries and onto
// the previous event's millisecond, so that edges and ties are exercised.
inline QList<PullEvent> randomHistory(quint32 seed, int count, qint64 from, qint64 span,
                                      const QStringList &images)
{
    QRandomGenerator rng(seed);
    const QStringList &messages = messagePool();
    const QList<CiContext> jobs = jobPool();
    const QStringList digests = {QStringLiteral("sha256:1111"), QStringLiteral("sha256:2222")};
    QList<PullEvent> events;
    qint64 previousTs = from;
    for (int i = 0; i < count; ++i) {
        qint64 ts = from + qint64(rng.bounded(quint64(span)));
        const int where = int(rng.bounded(100));
        if (where < 5)
            ts = ts - ts % Hour; // on an hour boundary
        else if (where < 8)
            ts = ts - ts % Day; // on a day boundary
        else if (where < 13)
            ts = previousTs; // same millisecond as the previous one
        ts = std::max(ts, from);
        previousTs = ts;
        const QString image = images[int(rng.bounded(images.size()))];
        const bool ok = rng.bounded(100) < 70;
        const Category category =
            ok ? Category::None : FailureCategories[rng.bounded(int(FailureCategories.size()))];
        const Source source = rng.bounded(3) == 0 ? Source::Ci : Source::Probe;
        PullEvent e = makeEvent(ts, image, category, -1, source);
        if (source == Source::Probe || rng.bounded(2) == 0) {
            // Log-uniform from 1 ms to ~100 s, plus some exact small values.
            e.latencyMs = rng.bounded(4) == 0 ? qint64(rng.bounded(256))
                                              : qint64(std::exp2(rng.bounded(17.0)) * 1.5);
        }
        if (source == Source::Probe) {
            e.cold = rng.bounded(5) == 0;
            e.httpStatus = ok ? 200 : 500;
            if (rng.bounded(2))
                e.digest = digests[int(rng.bounded(digests.size()))];
            if (rng.bounded(4) == 0)
                e.bytes = qint64(rng.bounded(1 << 30));
        } else {
            e.ci = jobs[int(rng.bounded(jobs.size()))];
            e.ciLine = 1 + int(rng.bounded(5000));
            e.rule = ok ? QStringLiteral("docker-pulled") : QStringLiteral("docker-pull-failed");
        }
        if (!ok || rng.bounded(10) == 0)
            e.message = messages[int(rng.bounded(messages.size()))];
        events.append(e);
    }
    return events;
}

// The order a history keeps events in: by time; same-millisecond events in the order appended.
inline QList<PullEvent> inStoreOrder(QList<PullEvent> events)
{
    std::stable_sort(events.begin(), events.end(),
                     [](const PullEvent &a, const PullEvent &b) { return a.ts < b.ts; });
    return events;
}

// Counts of raw events, computed the obvious way.
struct Counts
{
    qint64 total = 0;
    qint64 ok = 0;
    std::array<qint64, CategoryCount> failures{};
    LatencyHistogram latency;
    LatencyHistogram coldLatency;

    void add(const PullEvent &e)
    {
        ++total;
        if (e.ok)
            ++ok;
        else
            ++failures[int(e.category == Category::None ? Category::Unknown : e.category)];
        if (e.latencyMs >= 0) {
            latency.add(e.latencyMs);
            if (e.cold)
                coldLatency.add(e.latencyMs);
        }
    }
};

inline qint64 floorToStep(qint64 ts, qint64 step)
{
    const qint64 r = ts % step;
    return r < 0 ? ts - r - step : ts - r;
}

// Per (image, source, bucket start): what a rollup row of that width must hold.
using RollupKey = std::tuple<QString, int, qint64>;
inline QMap<RollupKey, Counts> rollupsOf(const QList<PullEvent> &events, qint64 bucketMs)
{
    QMap<RollupKey, Counts> rows;
    for (const PullEvent &e : events)
        rows[{e.image, int(e.source), floorToStep(e.ts, bucketMs)}].add(e);
    return rows;
}

struct IncidentRef
{
    QString image;
    qint64 start = 0;
    qint64 lastFailure = 0;
    qint64 recoveredAt = -1;
    qint64 failures = 0;
    Category dominant = Category::Unknown;
    friend bool operator==(const IncidentRef &, const IncidentRef &) = default;
};

// A total order, so that lists of incidents compare as sets (several can start in one ms).
inline bool incidentOrder(const IncidentRef &a, const IncidentRef &b)
{
    const auto key = [](const IncidentRef &i) {
        return std::make_tuple(i.start, i.image, i.lastFailure,
                               i.recoveredAt < 0 ? std::numeric_limits<qint64>::max()
                                                 : i.recoveredAt,
                               i.failures, int(i.dominant));
    };
    return key(a) < key(b);
}

inline QString describe(const IncidentRef &i)
{
    return QStringLiteral("%1 [%2..%3] recovered %4, %5 failures, %6")
        .arg(i.image)
        .arg(i.start)
        .arg(i.lastFailure)
        .arg(i.recoveredAt)
        .arg(i.failures)
        .arg(categoryId(i.dominant));
}

// Incidents cut from events given in store order: a run of failures of an image ends at its next
// success; the dominant category is the most frequent one, ties going to the lower enum value.
inline QList<IncidentRef> incidentsOf(const QList<PullEvent> &ordered)
{
    struct Run
    {
        IncidentRef incident;
        std::array<qint64, CategoryCount> counts{};
    };
    QHash<QString, Run> open;
    QList<IncidentRef> done;
    const auto dominant = [](const std::array<qint64, CategoryCount> &counts) {
        Category best = Category::Unknown;
        for (int c = int(Category::Unknown); c >= int(Category::Platform); --c) {
            if (counts[c] > 0 && counts[c] >= counts[int(best)])
                best = Category(c);
        }
        return best;
    };
    for (const PullEvent &e : ordered) {
        if (e.ok) {
            if (auto it = open.find(e.image); it != open.end()) {
                it->incident.recoveredAt = e.ts;
                done.append(it->incident);
                open.erase(it);
            }
            continue;
        }
        Run &run = open[e.image];
        if (run.incident.failures == 0) {
            run.incident.image = e.image;
            run.incident.start = e.ts;
        }
        run.incident.lastFailure = e.ts;
        ++run.incident.failures;
        ++run.counts[int(e.category == Category::None ? Category::Unknown : e.category)];
        run.incident.dominant = dominant(run.counts);
    }
    for (const Run &run : open)
        done.append(run.incident);
    std::sort(done.begin(), done.end(), incidentOrder);
    return done;
}

// Incidents as a store reports them, with image names, sorted like incidentsOf().
inline QList<IncidentRef> named(const QList<Incident> &incidents, const QList<ImageInfo> &images)
{
    QHash<int, QString> names;
    for (const ImageInfo &info : images)
        names.insert(info.id, info.image);
    QList<IncidentRef> list;
    for (const Incident &i : incidents) {
        list.append(IncidentRef{names.value(i.imageId), i.start, i.lastFailure, i.recoveredAt,
                                i.failures, i.dominant});
    }
    std::sort(list.begin(), list.end(), incidentOrder);
    return list;
}

// Nearest-rank percentile of the values (p in (0, 100]); -1 when there are none.
inline qint64 nearestRank(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    // Ranks are computed from p in thousandths so that 95 % of 20 is exactly rank 19.
    const qint64 milli = qint64(std::llround(p * 1000));
    qint64 rank = (milli * values.size() + 100000 - 1) / 100000;
    rank = std::clamp<qint64>(rank, 1, values.size());
    return values[rank - 1];
}

} // namespace reference
