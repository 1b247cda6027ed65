#include "history/sqlite/SqliteHistoryStore.h"
#include "history/sqlite/SqliteSchema.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

Q_DECLARE_METATYPE(pw::EventFilter)
Q_DECLARE_METATYPE(pw::TimeRange)

namespace {

const QString ImageA = u"docker.io/library/busybox:latest"_s;
const QString ImageB = u"ghcr.io/example/keystone-tools:latest"_s;
const QString ImageC = u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s;
const QString ImageD = u"localhost:5000/tools:1"_s;

// Wide enough for every fixture, small enough that event ids stay in range.
const TimeRange Everything{T0 - 4000 * Day, T0 + 400 * Day};

QList<PullEvent> scanAll(const HistoryStore &store, const EventFilter &filter = {},
                         const TimeRange &range = Everything)
{
    QList<PullEvent> events;
    const Status s = store.scanEvents(filter, range, [&](const PullEvent &e) {
        events.append(e);
        return true;
    });
    if (!s)
        qWarning("scan failed: %s", qPrintable(s.error()));
    return events;
}

QString describe(const PullEvent &e)
{
    return u"%1 %2 %3 %4 %5 lat=%6 bytes=%7 digest=%8 rule=%9 ci=%10/%11 line=%12 cold=%13 msg=%14"_s
        .arg(e.ts)
        .arg(sourceId(e.source), e.image, e.registry)
        .arg(e.ok ? u"ok"_s : categoryId(e.category))
        .arg(e.latencyMs)
        .arg(e.bytes)
        .arg(e.digest, e.rule, e.ci.provider, e.ci.jobId)
        .arg(e.ciLine)
        .arg(e.cold)
        .arg(e.message.left(40));
}

// Empty when equal; otherwise the first difference, readable in a test log.
QString eventsMismatch(const QList<PullEvent> &got, const QList<PullEvent> &expected)
{
    for (qsizetype i = 0; i < std::min(got.size(), expected.size()); ++i) {
        if (!(got[i] == expected[i])) {
            return u"event %1 differs:\n   got %2\n  want %3"_s.arg(i).arg(describe(got[i]),
                                                                           describe(expected[i]));
        }
    }
    if (got.size() != expected.size())
        return u"got %1 events, expected %2"_s.arg(got.size()).arg(expected.size());
    return {};
}

QHash<int, QString> imageNames(const HistoryStore &store)
{
    QHash<int, QString> names;
    for (const ImageInfo &info : store.images())
        names.insert(info.id, info.image);
    return names;
}

// Rollup rows keyed by (image name, source, bucket); a duplicate key counts as a mismatch.
QMap<RollupKey, RollupRow> rollupsOfStore(const HistoryStore &store, Granularity g,
                                          int *duplicates = nullptr)
{
    const QHash<int, QString> names = imageNames(store);
    QMap<RollupKey, RollupRow> rows;
    int dup = 0;
    const Status s = store.scanRollups(
        g, {}, Everything,
        [&](const RollupRow &row) {
            const RollupKey key{names.value(row.imageId), int(row.source), row.bucketStart};
            if (rows.contains(key))
                ++dup;
            rows.insert(key, row);
        },
        true);
    if (!s)
        qWarning("rollup scan failed: %s", qPrintable(s.error()));
    if (duplicates)
        *duplicates = dup;
    return rows;
}

QString keyText(const RollupKey &key)
{
    return u"%1 %2 bucket %3"_s.arg(std::get<0>(key)).arg(std::get<1>(key)).arg(std::get<2>(key));
}

QString rowMismatch(const RollupRow &row, const Counts &want)
{
    if (row.total != want.total || row.ok != want.ok)
        return u"total/ok %1/%2, expected %3/%4"_s.arg(row.total)
            .arg(row.ok)
            .arg(want.total)
            .arg(want.ok);
    for (int c = 0; c < CategoryCount; ++c) {
        if (row.failures[c] != want.failures[c])
            return u"%1 failures %2, expected %3"_s.arg(categoryId(Category(c)))
                .arg(row.failures[c])
                .arg(want.failures[c]);
    }
    if (!(row.latency == want.latency))
        return u"latency histogram differs (%1 values, p50 %2; expected %3, p50 %4)"_s
            .arg(row.latency.count())
            .arg(row.latency.percentile(50))
            .arg(want.latency.count())
            .arg(want.latency.percentile(50));
    if (!(row.coldLatency == want.coldLatency))
        return u"cold latency histogram differs (%1 values, expected %2)"_s
            .arg(row.coldLatency.count())
            .arg(want.coldLatency.count());
    return {};
}

// Every rollup row of the store against counting the raw events; empty when all agree.
QString rollupMismatch(const HistoryStore &store, const QList<PullEvent> &events, Granularity g)
{
    int duplicates = 0;
    const QMap<RollupKey, RollupRow> got = rollupsOfStore(store, g, &duplicates);
    const QMap<RollupKey, Counts> want = rollupsOf(events, granularityMs(g));
    const QString level = g == Granularity::Hour ? u"hour"_s : u"day"_s;
    if (duplicates)
        return u"%1: %2 duplicate rollup rows"_s.arg(level).arg(duplicates);
    for (auto it = want.cbegin(); it != want.cend(); ++it) {
        if (!got.contains(it.key()))
            return u"%1: missing rollup %2"_s.arg(level, keyText(it.key()));
        if (const QString m = rowMismatch(got.value(it.key()), *it); !m.isEmpty())
            return u"%1 rollup %2: %3"_s.arg(level, keyText(it.key()), m);
    }
    for (auto it = got.cbegin(); it != got.cend(); ++it) {
        if (!want.contains(it.key()))
            return u"%1: unexpected rollup %2 (total %3)"_s.arg(level, keyText(it.key()))
                .arg(it->total);
    }
    return {};
}

bool sameRollups(const QMap<RollupKey, RollupRow> &a, const QMap<RollupKey, RollupRow> &b)
{
    if (a.keys() != b.keys())
        return false;
    for (auto it = a.cbegin(); it != a.cend(); ++it) {
        const RollupRow &x = *it;
        const RollupRow &y = b.value(it.key());
        if (x.total != y.total || x.ok != y.ok || x.failures != y.failures ||
            !(x.latency == y.latency) || !(x.coldLatency == y.coldLatency))
            return false;
    }
    return true;
}

QList<IncidentRef> storedIncidents(const HistoryStore &store, const TimeRange &range = Everything)
{
    const Result<QList<Incident>> list = store.incidents({}, range);
    if (!list) {
        qWarning("incidents failed: %s", qPrintable(list.error()));
        return {};
    }
    return named(*list, store.images());
}

QString incidentsText(const QList<IncidentRef> &list)
{
    QStringList lines;
    for (const IncidentRef &i : list)
        lines.append(reference::describe(i));
    return lines.join(u"; "_s);
}

// A tiny language for incident scenarios: "0:auth 10:auth 20:ok | 15:dns" is two appends; a
// token is [b.]seconds:category-or-ok, "b." meaning image B instead of A.
QList<QList<PullEvent>> parseScript(const QString &script)
{
    QList<QList<PullEvent>> batches;
    for (const QString &batch : script.split(u'|')) {
        QList<PullEvent> events;
        for (QString token : batch.split(u' ', Qt::SkipEmptyParts)) {
            QString image = ImageA;
            if (token.startsWith(u"b."_s)) {
                image = ImageB;
                token = token.mid(2);
            }
            const QStringList parts = token.split(u':');
            const qint64 ts = T0 + parts[0].toLongLong() * Second;
            const Category category =
                parts[1] == u"ok"_s ? Category::None : categoryFromId(parts[1]).value();
            events.append(makeEvent(ts, image, category, 100));
        }
        batches.append(events);
    }
    return batches;
}

// "a 0 10 20 2 auth; b 5 5 - 1 dns": image, start, last failure, recovery (- when open) in
// seconds from T0, failures, dominant category.
QList<IncidentRef> parseIncidents(const QString &text)
{
    QList<IncidentRef> list;
    for (const QString &item : text.split(u';', Qt::SkipEmptyParts)) {
        const QStringList f = item.split(u' ', Qt::SkipEmptyParts);
        IncidentRef i;
        i.image = f[0] == u"b"_s ? ImageB : ImageA;
        i.start = T0 + f[1].toLongLong() * Second;
        i.lastFailure = T0 + f[2].toLongLong() * Second;
        i.recoveredAt = f[3] == u"-"_s ? -1 : T0 + f[3].toLongLong() * Second;
        i.failures = f[4].toLongLong();
        i.dominant = categoryFromId(f[5]).value();
        list.append(i);
    }
    std::sort(list.begin(), list.end(), incidentOrder);
    return list;
}

QList<QList<PullEvent>> chunks(const QList<PullEvent> &events, qsizetype size)
{
    QList<QList<PullEvent>> out;
    for (qsizetype i = 0; i < events.size(); i += size)
        out.append(events.mid(i, size));
    return out;
}

quint64 fnv1a(const QByteArray &bytes)
{
    quint64 h = 1469598103934665603ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

// Raw SQLite access for fixtures written the way an older pullwatch wrote them.
QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

class RawDb
{
public:
    explicit RawDb(const QString &path)
    {
        sqlite3_open_v2(QFile::encodeName(path).constData(), &m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    }
    ~RawDb() { sqlite3_close_v2(m_db); }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;

    bool exec(const QByteArray &sql)
    {
        char *message = nullptr;
        if (sqlite3_exec(m_db, sql.constData(), nullptr, nullptr, &message) != SQLITE_OK) {
            qWarning("sqlite: %s in %s", message ? message : "?", sql.left(80).constData());
            sqlite3_free(message);
            return false;
        }
        return true;
    }
    qint64 scalar(const char *sql)
    {
        sqlite3_stmt *q = nullptr;
        sqlite3_prepare_v2(m_db, sql, -1, &q, nullptr);
        const qint64 v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
        sqlite3_finalize(q);
        return v;
    }
    sqlite3 *handle() const { return m_db; }

private:
    sqlite3 *m_db = nullptr;
};

PullEvent fullProbeEvent()
{
    PullEvent e =
        makeEvent(T0 + 8 * Hour + 42 * Minute + 15 * Second + 123, ImageC, Category::None, 734);
    e.httpStatus = 200;
    e.bytes = 123456789;
    e.digest = u"sha256:4b8c1c3f6a1e0a2d9f1bb5c1b2e9a0c7d9e0f1a2b3c4d5e6f708192a3b4c5d6e"_s;
    e.rule = u"head-manifest"_s;
    e.cold = true;
    e.message = u"Status: Downloaded newer image for nixery.dev/shell"_s;
    return e;
}

PullEvent fullCiEvent()
{
    PullEvent e = makeEvent(T0 + 9 * Hour, ImageA, Category::RateLimit, -1, Source::Ci);
    e.httpStatus = 429;
    e.rule = u"docker-rate-limit"_s;
    e.message =
        u"toomanyrequests: You have reached your pull rate limit, \"see\" docs\r\nline 2\n"_s;
    e.ci = CiContext{u"github"_s,
                     u"rook/rook"_s,
                     u"9001"_s,
                     u"77"_s,
                     u"canary, \"arm64\""_s,
                     u"https://github.com/rook/rook/actions/runs/9001/job/77"_s};
    e.ciLine = 4711;
    return e;
}

} // namespace

class TstSqliteHistoryStore : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<PullEvent>("event");
        QTest::newRow("probe with every probe field, cold") << fullProbeEvent();
        QTest::newRow("ci failure with full CI context") << fullCiEvent();
        PullEvent e = fullCiEvent();
        e.message = u"a,b \"quoted\"\r\nnext line\nlast,"_s;
        QTest::newRow("message with commas, quotes, CR LF") << e;
        e.message = u"Zeitüberschreitung – 超时 🐳 ñ"_s;
        QTest::newRow("non-ASCII message") << e;
        e.message = u"=cmd|' /C calc'!A0"_s;
        QTest::newRow("message that looks like a formula") << e;
        e = fullCiEvent();
        e.ci = CiContext{u"files"_s, {}, {}, {}, {}, {}};
        e.ciLine = 3;
        QTest::newRow("CI context with a provider only") << e;
        e = fullProbeEvent();
        e.latencyMs = 0;
        QTest::newRow("zero latency is not unknown") << e;
        e.latencyMs = -1;
        QTest::newRow("unknown latency") << e;
        e = fullProbeEvent();
        e.bytes = qint64(50) * 1000 * 1000 * 1000;
        e.latencyMs = qint64(3) * 3600 * 1000;
        QTest::newRow("50 GB, 3 hours") << e;
        e = fullProbeEvent();
        e.ts = 1559347200007; // 2019-06-01, before the id epoch
        QTest::newRow("event from 2019") << e;
        e = makeEvent(T0, ImageD);
        QTest::newRow("bare ok probe, nothing optional") << e;
        for (Category c : FailureCategories) {
            PullEvent f = makeEvent(T0 + 5, ImageB, c, 90);
            f.httpStatus = 503;
            QTest::addRow("failure %s", qPrintable(categoryId(c))) << f;
        }
    }

    void roundTrip()
    {
        QFETCH(PullEvent, event);
        TestDir dir;
        const QString path = dir.path(u"history.db"_s);
        {
            auto store = openStore(path);
            QVERIFY(store);
            QVERIFY(store->append({&event, 1}).ok());
            const QList<PullEvent> got = scanAll(*store);
            QVERIFY2(eventsMismatch(got, {event}).isEmpty(),
                     qPrintable(eventsMismatch(got, {event})));
            QCOMPARE(store->eventCount(), 1);
            QCOMPARE(store->span(), (TimeRange{event.ts, event.ts + 1}));
        }
        auto reopened = openStore(path);
        QVERIFY(reopened);
        const QList<PullEvent> got = scanAll(*reopened);
        QVERIFY2(eventsMismatch(got, {event}).isEmpty(), qPrintable(eventsMismatch(got, {event})));
    }

    void longMessageIsCutAtACharacter()
    {
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        PullEvent e = fullCiEvent();
        e.message = QString(700, u'x') + QString(600, QChar(0x8D85)); // 700 + 1800 UTF-8 bytes
        QVERIFY(store->append({&e, 1}).ok());
        const QList<PullEvent> got = scanAll(*store);
        QCOMPARE(got.size(), 1);
        const QByteArray stored = got[0].message.toUtf8();
        QVERIFY(stored.size() <= PullEvent::MaxMessageBytes);
        QVERIFY(stored.size() > PullEvent::MaxMessageBytes - 3);
        QVERIFY(e.message.startsWith(got[0].message)); // a prefix, no broken character
    }

    void eventsComeBackInTimeOrder()
    {
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        QList<PullEvent> events = randomHistory(1, 400, T0, 2 * Day, {ImageA, ImageB, ImageC});
        std::shuffle(events.begin(), events.end(), std::mt19937(5));
        const QList<QList<PullEvent>> batches = chunks(events, 70);
        for (const QList<PullEvent> &batch : batches)
            QVERIFY(store->append(batch).ok());
        const QString m = eventsMismatch(scanAll(*store), inStoreOrder(events));
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), events.size());
    }

    void sameMillisecond_data()
    {
        QTest::addColumn<QList<int>>("batchSizes"); // all events at the same millisecond
        QTest::addColumn<bool>("laterEventFirst");  // an event 5 ms later is stored before them
        QTest::newRow("one batch of 50") << QList<int>{50} << false;
        QTest::newRow("three batches") << QList<int>{20, 1, 30} << false;
        QTest::newRow("after a later event") << QList<int>{10, 10} << true;
        QTest::newRow("1100 in one millisecond") << QList<int>{600, 500} << false;
    }

    void sameMillisecond()
    {
        QFETCH(QList<int>, batchSizes);
        QFETCH(bool, laterEventFirst);
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        const qint64 ts = T0 + 12345;
        const PullEvent before = makeEvent(ts - 1, ImageA, Category::None, 1);
        const PullEvent later = makeEvent(ts + 5, ImageA, Category::None, 2);
        QVERIFY(store->append({&before, 1}).ok());
        if (laterEventFirst)
            QVERIFY(store->append({&later, 1}).ok());
        QList<PullEvent> all;
        int n = 0;
        for (int size : batchSizes) {
            QList<PullEvent> batch;
            for (int i = 0; i < size; ++i) {
                PullEvent e = makeEvent(ts, i % 2 ? ImageA : ImageB, Category::None, 10);
                e.httpStatus = 200 + n++; // tells the events apart
                batch.append(e);
            }
            QVERIFY(store->append(batch).ok());
            all += batch;
        }
        const QList<PullEvent> got = scanAll(*store);
        QCOMPARE(got.size(), all.size() + 1 + (laterEventFirst ? 1 : 0));
        QCOMPARE(store->eventCount(), got.size());
        QCOMPARE(got.first().httpStatus, before.httpStatus);
        QList<int> order;
        for (const PullEvent &e : got) {
            if (e.httpStatus >= 200) {
                order.append(e.httpStatus - 200);
                // More than 2^10 events in one millisecond may spill into the next one.
                QVERIFY2(e.ts == ts || (all.size() > 1024 && e.ts == ts + 1),
                         qPrintable(u"event %1 moved to %2"_s.arg(e.httpStatus).arg(e.ts)));
            }
        }
        QList<int> expected(all.size());
        std::iota(expected.begin(), expected.end(), 0);
        QCOMPARE(order, expected);
    }

    void outOfOrderAppends_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("older batch after newer") << u"older-after-newer"_s;
        QTest::newRow("interleaved batches") << u"interleaved"_s;
        QTest::newRow("shuffled single batch") << u"shuffled"_s;
    }

    void outOfOrderAppends()
    {
        QFETCH(QString, mode);
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        const QList<PullEvent> events =
            inStoreOrder(randomHistory(2, 600, T0, 3 * Day, {ImageA, ImageB, ImageC}));
        QList<QList<PullEvent>> batches;
        if (mode == u"older-after-newer"_s) {
            batches = {events.mid(300), events.mid(0, 300)};
        } else if (mode == u"interleaved"_s) {
            QList<PullEvent> even, odd;
            for (qsizetype i = 0; i < events.size(); ++i)
                (i % 2 ? odd : even).append(events[i]);
            batches = {odd, even};
        } else {
            QList<PullEvent> shuffled = events;
            std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(3));
            batches = {shuffled};
        }
        QList<PullEvent> appended;
        for (const QList<PullEvent> &batch : batches) {
            QVERIFY(store->append(batch).ok());
            appended += batch;
        }
        const QList<PullEvent> expected = inStoreOrder(appended);
        const QString m = eventsMismatch(scanAll(*store), expected);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), events.size());
        QCOMPARE(store->span(), (TimeRange{expected.first().ts, expected.last().ts + 1}));
        for (const ImageInfo &info : store->images()) {
            QList<qint64> times;
            for (const PullEvent &e : events) {
                if (e.image == info.image)
                    times.append(e.ts);
            }
            QCOMPARE(info.events, times.size());
            QCOMPARE(info.firstTs, *std::min_element(times.begin(), times.end()));
            QCOMPARE(info.lastTs, *std::max_element(times.begin(), times.end()));
        }
    }

    void filters_data()
    {
        QTest::addColumn<EventFilter>("filter");
        QTest::addColumn<TimeRange>("range");
        const TimeRange all = Everything;
        const TimeRange day2{T0 + Day, T0 + 2 * Day};
        EventFilter f;
        QTest::newRow("everything") << f << all;
        QTest::newRow("second day only") << f << day2;
        QTest::newRow("ragged range") << f << TimeRange{T0 + 5 * Hour + 7, T0 + 30 * Hour - 3};
        f.images = {ImageC};
        QTest::newRow("one image") << f << all;
        f.images = {ImageA, ImageD};
        QTest::newRow("two images") << f << all;
        f.images = {u"quay.io/never/seen:1"_s};
        QTest::newRow("unknown image selects nothing") << f << all;
        f = {};
        f.registries = {u"ghcr.io"_s, u"localhost:5000"_s};
        QTest::newRow("registries") << f << all;
        f = {};
        f.groups = {u"keystone-tools"_s};
        QTest::newRow("group") << f << all;
        f.groups = {u"keystone-tools"_s, u"base"_s};
        QTest::newRow("two groups") << f << day2;
        f.groups = {u"nope"_s};
        QTest::newRow("unknown group selects nothing") << f << all;
        f = {};
        f.source = Source::Ci;
        QTest::newRow("ci only") << f << all;
        f.source = Source::Probe;
        f.groups = {u"keystone-tools"_s};
        QTest::newRow("probes of a group") << f << all;
        f = {};
        f.ok = false;
        QTest::newRow("failures only") << f << all;
        f.ok = true;
        f.images = {ImageB};
        QTest::newRow("successes of one image") << f << all;
        f = {};
        f.category = Category::RateLimit;
        QTest::newRow("rate limits") << f << all;
        f.category = Category::Unknown;
        f.source = Source::Ci;
        f.registries = {u"docker.io"_s};
        QTest::newRow("unknown ci failures on docker.io") << f << day2;
    }

    void filters()
    {
        QFETCH(EventFilter, filter);
        QFETCH(TimeRange, range);
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        const QList<PullEvent> events =
            inStoreOrder(randomHistory(3, 2000, T0, 3 * Day, {ImageA, ImageB, ImageC, ImageD}));
        QVERIFY(store->append(events).ok());
        QVERIFY(store->setImageInfo(ImageA, u"base"_s, u"hub"_s).ok());
        QVERIFY(store->setImageInfo(ImageB, u"keystone-tools"_s, u"self-hosted"_s).ok());
        QVERIFY(store->setImageInfo(ImageC, u"keystone-tools"_s, u"nixery"_s).ok());
        const QHash<QString, QString> groups = {
            {ImageA, u"base"_s}, {ImageB, u"keystone-tools"_s}, {ImageC, u"keystone-tools"_s}};
        QList<PullEvent> expected;
        for (const PullEvent &e : events) {
            if (range.contains(e.ts) && matches(filter, e, groups))
                expected.append(e);
        }
        const QString m = eventsMismatch(scanAll(*store, filter, range), expected);
        QVERIFY2(m.isEmpty(), qPrintable(m));
    }

    void scanStopsWhenAsked()
    {
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        const QList<PullEvent> events = inStoreOrder(randomHistory(4, 100, T0, Day, {ImageA}));
        QVERIFY(store->append(events).ok());
        int seen = 0;
        QVERIFY(
            store->scanEvents({}, Everything, [&](const PullEvent &) { return ++seen < 10; }).ok());
        QCOMPARE(seen, 10);
    }

    void failedAppendLeavesStateIntact_data()
    {
        QTest::addColumn<qint64>("badOffset"); // where the bad event sorts within the batch
        QTest::newRow("bad event first") << qint64(-1);
        QTest::newRow("bad event in the middle") << 50 * Second;
        QTest::newRow("bad event last") << 10 * Minute;
    }

    void failedAppendLeavesStateIntact()
    {
        QFETCH(qint64, badOffset);
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto store = openStore(path);
        QVERIFY(store);
        // ImageA ends in an open incident of two failures.
        QList<PullEvent> first = inStoreOrder(randomHistory(5, 300, T0, Day, {ImageA, ImageB}));
        first.append(makeEvent(T0 + Day + 1, ImageA, Category::Dns, 5));
        first.append(makeEvent(T0 + Day + 2, ImageA, Category::Dns, 5));
        QVERIFY(store->append(first).ok());
        QVERIFY(store->setImageInfo(ImageA, u"base"_s, u"hub"_s).ok());

        const qint64 count = store->eventCount();
        const QList<PullEvent> events = scanAll(*store);
        const auto hours = rollupsOfStore(*store, Granularity::Hour);
        const auto days = rollupsOfStore(*store, Granularity::Day);
        const QList<IncidentRef> incidents = storedIncidents(*store);
        const QList<ImageInfo> images = store->images();

        const qint64 base = T0 + Day + Minute;
        QList<PullEvent> bad;
        for (int i = 0; i < 100; ++i) {
            PullEvent e = makeEvent(base + i * Second, i % 3 ? ImageA : ImageC,
                                    i % 2 ? Category::Timeout : Category::None, 40);
            e.message = u"new message %1"_s.arg(i);
            e.ci = CiContext{u"github"_s, u"new/repo"_s, u"1"_s, QString::number(i), {}, {}};
            e.digest = u"sha256:new%1"_s.arg(i);
            bad.append(e);
        }
        bad.append(makeEvent(base + badOffset, QString(), Category::Auth));
        const Status failed = store->append(bad);
        QVERIFY(!failed.ok());
        QVERIFY2(failed.error().contains(path), qPrintable(failed.error()));

        QCOMPARE(store->eventCount(), count);
        QString m = eventsMismatch(scanAll(*store), events);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Hour), hours));
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Day), days));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidents));
        QCOMPARE(store->images().size(), images.size()); // ImageC was not added
        for (qsizetype i = 0; i < images.size(); ++i) {
            QCOMPARE(store->images()[i].image, images[i].image);
            QCOMPARE(store->images()[i].events, images[i].events);
            QCOMPARE(store->images()[i].lastTs, images[i].lastTs);
            QCOMPARE(store->images()[i].group, images[i].group);
        }

        // The same batch without the bad event goes in, and the open incident carries on.
        bad.removeLast();
        QVERIFY(store->append(bad).ok());
        const QList<PullEvent> all = inStoreOrder(first + bad);
        m = eventsMismatch(scanAll(*store), all);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), all.size());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidentsOf(all)));
        QVERIFY2(rollupMismatch(*store, all, Granularity::Hour).isEmpty(),
                 qPrintable(rollupMismatch(*store, all, Granularity::Hour)));

        // And so does everything after reopening.
        store.reset();
        store = openStore(path);
        QVERIFY(store);
        m = eventsMismatch(scanAll(*store), all);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidentsOf(all)));
    }

    void reopenKeepsEverything()
    {
        TestDir dir;
        const QString path = dir.path(u"sub/dir/history.db"_s); // folders are created
        QList<PullEvent> events =
            inStoreOrder(randomHistory(6, 800, T0, 2 * Day, {ImageA, ImageC}));
        events.append(makeEvent(T0 + 2 * Day + Hour, ImageC, Category::None, 100));
        events.append(makeEvent(T0 + 3 * Day, ImageC, Category::RateLimit, 100)); // open incident
        QList<ImageInfo> images;
        QMap<RollupKey, RollupRow> hours, days;
        QList<IncidentRef> incidents;
        {
            auto store = openStore(path);
            QVERIFY(store);
            QCOMPARE(store->location(), path);
            QCOMPARE(store->schemaVersion(), sqliteschema::Version);
            QVERIFY(store->append(events).ok());
            QVERIFY(store->setImageInfo(ImageC, u"keystone-tools"_s, u"nixery ✓"_s).ok());
            QVERIFY(
                store->setImageInfo(ImageD, u"keystone-tools"_s, u"local"_s).ok()); // no events yet
            QVERIFY(store->setMetadata(u"origin"_s, u"demo"_s).ok());
            QVERIFY(store->setMetadata(u"note"_s, u"first"_s).ok());
            QVERIFY(store->setMetadata(u"note"_s, u"second, überschrieben"_s).ok());
            images = store->images();
            hours = rollupsOfStore(*store, Granularity::Hour);
            days = rollupsOfStore(*store, Granularity::Day);
            incidents = storedIncidents(*store);
            QCOMPARE(incidents.last().recoveredAt, qint64(-1));
        }
        auto store = openStore(path);
        QVERIFY(store);
        const QString m = eventsMismatch(scanAll(*store), events);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), events.size());
        QCOMPARE(store->metadata(u"origin"_s), u"demo"_s);
        QCOMPARE(store->metadata(u"note"_s), u"second, überschrieben"_s);
        QCOMPARE(store->metadata(u"missing"_s), QString());
        const QList<ImageInfo> reopened = store->images();
        QCOMPARE(reopened.size(), images.size());
        for (qsizetype i = 0; i < images.size(); ++i) {
            QCOMPARE(reopened[i].id, images[i].id);
            QCOMPARE(reopened[i].image, images[i].image);
            QCOMPARE(reopened[i].registry, images[i].registry);
            QCOMPARE(reopened[i].group, images[i].group);
            QCOMPARE(reopened[i].label, images[i].label);
            QCOMPARE(reopened[i].firstTs, images[i].firstTs);
            QCOMPARE(reopened[i].lastTs, images[i].lastTs);
            QCOMPARE(reopened[i].events, images[i].events);
        }
        const auto c = std::find_if(reopened.begin(), reopened.end(),
                                    [](const ImageInfo &i) { return i.image == ImageC; });
        QVERIFY(c != reopened.end());
        QCOMPARE(c->label, u"nixery ✓"_s);
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Hour), hours));
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Day), days));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidents));

        // The open incident continues after reopening: two more failures, then recovery.
        const QList<PullEvent> more = {makeEvent(T0 + 3 * Day + 10, ImageC, Category::Timeout, 1),
                                       makeEvent(T0 + 3 * Day + 20, ImageC, Category::RateLimit, 1),
                                       makeEvent(T0 + 3 * Day + 30, ImageC, Category::None, 1)};
        QVERIFY(store->append(more).ok());
        const QList<IncidentRef> after = storedIncidents(*store);
        QCOMPARE(after.size(), incidents.size());
        QCOMPARE(after.last().start, T0 + 3 * Day);
        QCOMPARE(after.last().failures, incidents.last().failures + 2);
        QCOMPARE(after.last().recoveredAt, T0 + 3 * Day + 30);
        QCOMPARE(incidentsText(after), incidentsText(incidentsOf(events + more)));
    }

    void repeatedStringsAreStoredOnce()
    {
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        const PullEvent e = fullCiEvent();
        for (int round = 0; round < 2; ++round) { // the second round after reopening
            auto store = openStore(path);
            QVERIFY(store);
            QList<PullEvent> batch;
            for (int i = 0; i < 200; ++i) {
                PullEvent copy = e;
                copy.ts += round * Day + i;
                batch.append(copy);
            }
            QVERIFY(store->append(batch).ok());
        }
        RawDb raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM event"), 400);
        QCOMPARE(raw.scalar("SELECT count(*) FROM message"), 1);
        QCOMPARE(raw.scalar("SELECT count(*) FROM job"), 1);
        QCOMPARE(raw.scalar("SELECT count(*) FROM rule"), 1);
        QCOMPARE(raw.scalar("SELECT count(*) FROM image"), 1);
    }

    void rollupsMatchRawEvents_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("one batch") << u"one"_s;
        QTest::newRow("batches of 100 in time order") << u"ordered"_s;
        QTest::newRow("batches in reverse time order") << u"reverse"_s;
        QTest::newRow("shuffled events in batches of 250") << u"shuffled"_s;
    }

    void rollupsMatchRawEvents()
    {
        QFETCH(QString, mode);
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto store = openStore(path);
        QVERIFY(store);
        QList<PullEvent> events =
            inStoreOrder(randomHistory(7, 4000, T0 - 2 * Hour, 5 * Day, {ImageA, ImageB, ImageC}));
        QList<QList<PullEvent>> batches;
        if (mode == u"one"_s) {
            batches = {events};
        } else if (mode == u"ordered"_s) {
            batches = chunks(events, 100);
        } else if (mode == u"reverse"_s) {
            batches = chunks(events, 100);
            std::reverse(batches.begin(), batches.end());
        } else {
            QList<PullEvent> shuffled = events;
            std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(11));
            batches = chunks(shuffled, 250);
        }
        for (const QList<PullEvent> &batch : batches)
            QVERIFY(store->append(batch).ok());
        for (Granularity g : {Granularity::Hour, Granularity::Day}) {
            const QString m = rollupMismatch(*store, events, g);
            QVERIFY2(m.isEmpty(), qPrintable(m));
        }
        QList<PullEvent> appended;
        for (const QList<PullEvent> &batch : batches)
            appended += batch;
        const QList<IncidentRef> expectedIncidents = incidentsOf(inStoreOrder(appended));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(expectedIncidents));

        // Recomputing from scratch gives the same answers.
        QVERIFY(store->rebuildDerived().ok());
        for (Granularity g : {Granularity::Hour, Granularity::Day}) {
            const QString m = rollupMismatch(*store, events, g);
            QVERIFY2(m.isEmpty(), qPrintable(m));
        }
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(expectedIncidents));

        // A range query returns exactly the buckets that start inside it.
        const TimeRange range{T0 + Day + 30 * Minute, T0 + 2 * Day + Hour};
        qint64 total = 0, rows = 0;
        QVERIFY(store
                    ->scanRollups(
                        Granularity::Hour, {}, range,
                        [&](const RollupRow &row) {
                            QVERIFY(range.contains(row.bucketStart));
                            total += row.total;
                            ++rows;
                            // Counts only: no histogram is read.
                            QVERIFY(row.latency.isEmpty());
                        },
                        false)
                    .ok());
        qint64 expectedTotal = 0;
        for (const PullEvent &e : events) {
            if (e.ts >= T0 + Day + Hour && e.ts < T0 + 2 * Day + Hour)
                ++expectedTotal;
        }
        QCOMPARE(total, expectedTotal);
        QVERIFY(rows > 0);
    }

    void incidents_data()
    {
        QTest::addColumn<QString>("script");
        QTest::addColumn<QString>("expected");
        QTest::newRow("fail, fail, ok")
            << u"0:ok 10:auth 20:auth 30:ok 40:ok"_s << u"a 10 20 30 2 auth"_s;
        QTest::newRow("no failures, no incident") << u"0:ok 10:ok | 20:ok"_s << QString();
        QTest::newRow("open incident at the end")
            << u"0:ok 10:dns 20:dns"_s << u"a 10 20 - 2 dns"_s;
        QTest::newRow("history starting with a failure")
            << u"0:timeout 5:ok"_s << u"a 0 0 5 1 timeout"_s;
        QTest::newRow("continued across two appends")
            << u"0:dns | 10:dns 20:timeout | 30:ok"_s << u"a 0 20 30 3 dns"_s;
        QTest::newRow("continued across appends, then open")
            << u"0:dns | 10:timeout 20:timeout"_s << u"a 0 20 - 3 timeout"_s;
        QTest::newRow("most frequent category wins")
            << u"0:unknown 1:timeout 2:timeout 3:ok"_s << u"a 0 2 3 3 timeout"_s;
        QTest::newRow("tie goes to the more specific")
            << u"0:timeout 10:rate_limit 20:ok"_s << u"a 0 10 20 2 rate_limit"_s;
        QTest::newRow("tie, specific one last")
            << u"0:unknown 1:backoff 2:platform 3:ok"_s << u"a 0 2 3 3 platform"_s;
        QTest::newRow("tie across appends")
            << u"0:transport | 1:integrity | 2:ok"_s << u"a 0 1 2 2 integrity"_s;
        QTest::newRow("two incidents") << u"0:dns 10:ok 20:auth 30:not_found 40:ok"_s
                                       << u"a 0 0 10 1 dns; a 20 30 40 2 auth"_s;
        QTest::newRow("images are independent")
            << u"0:dns b.1:ok b.2:auth 3:ok b.4:ok"_s << u"a 0 0 3 1 dns; b 2 2 4 1 auth"_s;
        QTest::newRow("unsorted batch") << u"20:ok 0:dns 10:dns"_s << u"a 0 10 20 2 dns"_s;
        QTest::newRow("late failure inside an ok run")
            << u"0:ok 10:ok 20:ok | 5:dns"_s << u"a 5 5 10 1 dns"_s;
        QTest::newRow("late ok splits an incident")
            << u"0:dns 10:dns 20:dns 30:ok | 15:ok"_s << u"a 0 10 15 2 dns; a 20 20 30 1 dns"_s;
        QTest::newRow("late failure joins an incident at its start")
            << u"0:ok 10:dns 20:ok | 5:auth"_s << u"a 5 10 20 2 auth"_s;
        QTest::newRow("late failure inside an incident")
            << u"0:dns 20:dns 30:ok | 10:timeout"_s << u"a 0 20 30 3 dns"_s;
        QTest::newRow("late failure before an open incident")
            << u"0:ok 10:dns 20:dns | 5:dns"_s << u"a 5 20 - 3 dns"_s;
        QTest::newRow("late failure after a recovery")
            << u"0:dns 10:ok 20:ok | 15:auth"_s << u"a 0 0 10 1 dns; a 15 15 20 1 auth"_s;
        QTest::newRow("late ok before everything")
            << u"10:dns 20:ok | 0:ok"_s << u"a 10 10 20 1 dns"_s;
        QTest::newRow("late failure before everything")
            << u"10:dns 20:ok | 0:auth"_s << u"a 0 10 20 2 auth"_s;
        QTest::newRow("late ok, then new failures in order")
            << u"0:dns 10:dns 20:ok | 5:ok | 30:dns 40:dns"_s
            << u"a 0 0 5 1 dns; a 10 10 20 1 dns; a 30 40 - 2 dns"_s;
        QTest::newRow("late ok closes an open incident")
            << u"0:dns 10:dns 20:dns | 15:ok"_s << u"a 0 10 15 2 dns; a 20 20 - 1 dns"_s;
        QTest::newRow("late events of one image leave the other alone")
            << u"b.0:dns 10:dns b.20:ok 30:ok | 5:ok b.25:auth"_s
            << u"b 0 0 20 1 dns; a 10 10 30 1 dns; b 25 25 - 1 auth"_s;
        QTest::newRow("late failure at the recovery's millisecond")
            << u"0:dns 10:ok | 10:auth"_s << u"a 0 0 10 1 dns; a 10 10 - 1 auth"_s;
        QTest::newRow("mixed late batch") << u"0:ok 100:ok | 50:dns 150:dns 60:ok 55:auth"_s
                                          << u"a 50 55 60 2 auth; a 150 150 - 1 dns"_s;
    }

    void incidents()
    {
        QFETCH(QString, script);
        QFETCH(QString, expected);
        const QList<IncidentRef> want = parseIncidents(expected);
        const QList<QList<PullEvent>> batches = parseScript(script);
        QList<PullEvent> all;
        for (const QList<PullEvent> &batch : batches)
            all += batch;
        // The scenario itself is right: cutting incidents by hand gives the same.
        QCOMPARE(incidentsText(incidentsOf(inStoreOrder(all))), incidentsText(want));

        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto store = openStore(path);
        QVERIFY(store);
        for (const QList<PullEvent> &batch : batches)
            QVERIFY(store->append(batch).ok());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(want));

        store.reset();
        store = openStore(path);
        QVERIFY(store);
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(want));
        QVERIFY(store->rebuildDerived().ok());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(want));
    }

    void incidentsOverlappingARange()
    {
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        for (const QList<PullEvent> &batch :
             parseScript(u"0:dns 100:ok 200:auth 300:ok 400:timeout 500:ok 600:dns"_s))
            QVERIFY(store->append(batch).ok());
        const auto starts = [&](qint64 from, qint64 to) {
            QList<qint64> list;
            for (const IncidentRef &i :
                 storedIncidents(*store, TimeRange{T0 + from * Second, T0 + to * Second}))
                list.append((i.start - T0) / Second);
            return list;
        };
        QCOMPARE(starts(150, 450), (QList<qint64>{200, 400}));
        QCOMPARE(starts(50, 150), (QList<qint64>{0}));    // recovers inside
        QCOMPARE(starts(301, 399), QList<qint64>());      // between incidents
        QCOMPARE(starts(700, 800), (QList<qint64>{600})); // still open
        QCOMPARE(starts(-100, 0), QList<qint64>());       // [from, to) is half-open
    }

    void incidentsOfRandomHistory()
    {
        TestDir dir;
        auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        QList<PullEvent> events = randomHistory(8, 3000, T0, 4 * Day, {ImageA, ImageB, ImageC});
        // Long failure runs, as a registry outage gives.
        for (PullEvent &e : events) {
            if (e.ts > T0 + Day && e.ts < T0 + Day + 6 * Hour && e.image == ImageB) {
                e.ok = false;
                e.category = Category::ServerError;
            }
        }
        std::shuffle(events.begin(), events.end(), std::mt19937(13));
        for (const QList<PullEvent> &batch : chunks(events, 300))
            QVERIFY(store->append(batch).ok());
        const QList<IncidentRef> want = incidentsOf(inStoreOrder(events));
        QVERIFY(want.size() > 100);
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(want));
        QVERIFY(store->rebuildDerived().ok());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(want));
    }

    void retention()
    {
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto store = openStore(path);
        QVERIFY(store);
        QList<PullEvent> events =
            inStoreOrder(randomHistory(9, 3000, T0, 10 * Day, {ImageA, ImageB, ImageC}));
        PullEvent old = makeEvent(T0 + 2 * Hour, ImageA, Category::Auth, 5, Source::Ci);
        old.message = u"only in an old event"_s;
        old.ci = CiContext{u"gitlab"_s, u"old/project"_s, u"1"_s, u"2"_s, u"old job"_s, {}};
        events.prepend(old);
        events = inStoreOrder(events);
        for (const QList<PullEvent> &batch : chunks(events, 500))
            QVERIFY(store->append(batch).ok());
        const auto hours = rollupsOfStore(*store, Granularity::Hour);
        const auto days = rollupsOfStore(*store, Granularity::Day);
        const QList<IncidentRef> incidents = storedIncidents(*store);

        const qint64 cutoff = T0 + 5 * Day + 3 * Hour + 17;
        QVERIFY(store->applyRetention(cutoff).ok());
        QList<PullEvent> kept;
        for (const PullEvent &e : events) {
            if (e.ts >= cutoff)
                kept.append(e);
        }
        QString m = eventsMismatch(scanAll(*store), kept);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), kept.size());
        QVERIFY(store->span().from >= cutoff);
        for (const ImageInfo &info : store->images()) {
            const auto n = std::count_if(kept.begin(), kept.end(),
                                         [&](const PullEvent &e) { return e.image == info.image; });
            QCOMPARE(info.events, qint64(n));
        }
        // The long view stays: rollups and incidents still describe all ten days.
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Hour), hours));
        QVERIFY(sameRollups(rollupsOfStore(*store, Granularity::Day), days));
        m = rollupMismatch(*store, events, Granularity::Day);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidents));

        // New events after retention, re-using strings of dropped and of kept events.
        PullEvent again = old;
        again.ts = T0 + 11 * Day;
        PullEvent reuse = kept.last();
        reuse.ts = T0 + 11 * Day + 1;
        QVERIFY(store->append(QList<PullEvent>{again, reuse}).ok());
        m = eventsMismatch(scanAll(*store), kept + QList<PullEvent>{again, reuse});
        QVERIFY2(m.isEmpty(), qPrintable(m));

        store.reset();
        store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->eventCount(), kept.size() + 2);
        m = eventsMismatch(scanAll(*store), kept + QList<PullEvent>{again, reuse});
        QVERIFY2(m.isEmpty(), qPrintable(m));
    }

    void lateEventAfterRetentionKeepsOlderIncidentPart_data()
    {
        QTest::addColumn<bool>("reopen");
        QTest::newRow("same session") << false;
        QTest::newRow("after reopening") << true;
    }

    void lateEventAfterRetentionKeepsOlderIncidentPart()
    {
        // An outage from day 1 to day 8; raw events before day 5 are dropped, then a late CI
        // event from day 7 arrives. The incident still began on day 1.
        QFETCH(bool, reopen);
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto store = openStore(path);
        QVERIFY(store);
        const QList<PullEvent> events = {makeEvent(T0, ImageA, Category::None, 10),
                                         makeEvent(T0 + 1 * Day, ImageA, Category::ServerError, 10),
                                         makeEvent(T0 + 4 * Day, ImageA, Category::ServerError, 10),
                                         makeEvent(T0 + 6 * Day, ImageA, Category::Timeout, 10),
                                         makeEvent(T0 + 8 * Day, ImageA, Category::None, 10)};
        QVERIFY(store->append(events).ok());
        const QList<IncidentRef> before = storedIncidents(*store);
        QCOMPARE(before.size(), 1);
        QCOMPARE(before[0].failures, 3);
        QVERIFY(store->applyRetention(T0 + 5 * Day).ok());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(before));
        if (reopen) {
            store.reset();
            store = openStore(path);
            QVERIFY(store);
            QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(before));
        }

        const PullEvent late = makeEvent(T0 + 7 * Day, ImageA, Category::Timeout, 10, Source::Ci);
        QVERIFY(store->append({&late, 1}).ok());
        IncidentRef expected = before[0];
        expected.failures = 4;
        expected.lastFailure = T0 + 7 * Day;
        expected.dominant = Category::ServerError; // 2 server errors, 2 timeouts: the specific one
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText({expected}));
    }

    void migrationFromVersion1()
    {
        TestDir dir;
        const QString path = dir.path(u"v1.db"_s);
        QList<PullEvent> expected;
        {
            RawDb raw(path);
            QVERIFY(raw.exec(sqliteschema::migration(1)));
            QVERIFY(raw.exec("PRAGMA user_version=1"));
            const QString message = u"toomanyrequests: \"slow down\", please\nü"_s;
            const QString digest = u"sha256:aaaa"_s;
            const CiContext ciContext{u"github"_s, u"rook/rook"_s, u"5"_s,
                                      u"6"_s,      u"canary"_s,    u"https://example/5/6"_s};
            const CiContext &ci = ciContext;
            const QChar sep(0x1f);
            const QString jobKey = ci.provider + sep + ci.repo + sep + ci.runId + sep + ci.jobId +
                                   sep + ci.jobName + sep + ci.jobUrl;
            QVERIFY(raw.exec("INSERT INTO registry(id, text) VALUES(1, 'docker.io'), "
                             "(2, 'nixery.dev')"));
            QVERIFY(raw.exec("INSERT INTO rule(id, text) VALUES(1, 'docker-rate-limit')"));
            QVERIFY(raw.exec("INSERT INTO digest(id, hash, text) VALUES(1, " +
                             QByteArray::number(qint64(fnv1a(digest.toUtf8()))) + ", '" +
                             digest.toUtf8() + "')"));
            sqlite3_stmt *q = nullptr;
            QCOMPARE(sqlite3_prepare_v2(raw.handle(),
                                        "INSERT INTO message(id, hash, text) VALUES(1, ?, ?)", -1,
                                        &q, nullptr),
                     SQLITE_OK);
            const QByteArray messageUtf8 = message.toUtf8();
            sqlite3_bind_int64(q, 1, qint64(fnv1a(messageUtf8)));
            sqlite3_bind_text(q, 2, messageUtf8.constData(), int(messageUtf8.size()),
                              SQLITE_STATIC);
            QCOMPARE(sqlite3_step(q), SQLITE_DONE);
            sqlite3_finalize(q);
            QCOMPARE(sqlite3_prepare_v2(raw.handle(),
                                        "INSERT INTO job(id, hash, provider, repo, run_id, job_id, "
                                        "job_name, job_url) VALUES(1, ?, ?, ?, ?, ?, ?, ?)",
                                        -1, &q, nullptr),
                     SQLITE_OK);
            sqlite3_bind_int64(q, 1, qint64(fnv1a(jobKey.toUtf8())));
            const QList<QByteArray> fields = {ci.provider.toUtf8(), ci.repo.toUtf8(),
                                              ci.runId.toUtf8(),    ci.jobId.toUtf8(),
                                              ci.jobName.toUtf8(),  ci.jobUrl.toUtf8()};
            for (int i = 0; i < fields.size(); ++i)
                sqlite3_bind_text(q, i + 2, fields[i].constData(), int(fields[i].size()),
                                  SQLITE_STATIC);
            QCOMPARE(sqlite3_step(q), SQLITE_DONE);
            sqlite3_finalize(q);

            // 300 events over three days; every seventh shares its millisecond with the next.
            // Source, outcome, category, cold and status share the "kind" column.
            QCOMPARE(sqlite3_prepare_v2(raw.handle(),
                                        "INSERT INTO event(id, image, kind, latency, bytes, "
                                        "digest, rule, message, job, line) "
                                        "VALUES(?,?,?,?,?,?,?,?,?,?)",
                                        -1, &q, nullptr),
                     SQLITE_OK);
            QHash<int, QList<qint64>> times;
            qint64 ts = T0 + 17;
            int seq = 0;
            for (int i = 0; i < 300; ++i) {
                const int image = i % 3 == 0 ? 2 : 1;
                const bool ok = (i / 5) % 3 != 0;
                const Category category =
                    ok ? Category::None : (i % 2 ? Category::RateLimit : Category::Timeout);
                const bool ci = image == 1 && i % 4 == 0;
                PullEvent e =
                    makeEvent(ts, image == 1 ? ImageA : ImageC, category,
                              i % 10 == 0 ? -1 : 20 + i * 37, ci ? Source::Ci : Source::Probe);
                if (!ci)
                    e.cold = i % 9 == 0;
                sqlite3_reset(q);
                sqlite3_clear_bindings(q);
                sqlite3_bind_int64(q, 1, sqliteschema::idOf(ts) + seq);
                sqlite3_bind_int64(q, 2, image);
                // Version 1's kind column: category, source, cold and HTTP status bits.
                e.httpStatus = ok ? 200 : 429;
                sqlite3_bind_int64(q, 3,
                                   int(category) | (ci ? sqliteschema::CiBit : 0) |
                                       (e.cold ? sqliteschema::ColdBit : 0) |
                                       (e.httpStatus << sqliteschema::StatusShift));
                if (e.latencyMs >= 0)
                    sqlite3_bind_int64(q, 4, e.latencyMs);
                if (ci) {
                    e.rule = u"docker-rate-limit"_s;
                    e.message = message;
                    e.ci = ciContext;
                    e.ciLine = 100 + i;
                    sqlite3_bind_int64(q, 7, 1);
                    sqlite3_bind_int64(q, 8, 1);
                    sqlite3_bind_int64(q, 9, 1);
                    sqlite3_bind_int64(q, 10, e.ciLine);
                } else {
                    e.digest = digest;
                    e.bytes = i * 1000;
                    sqlite3_bind_int64(q, 6, 1);
                    if (e.bytes)
                        sqlite3_bind_int64(q, 5, e.bytes);
                }
                QCOMPARE(sqlite3_step(q), SQLITE_DONE);
                expected.append(e);
                times[image].append(ts);
                if (i % 7 == 0) {
                    ++seq;
                } else {
                    seq = 0;
                    ts += 13 * Minute + 11;
                }
            }
            sqlite3_finalize(q);
            for (auto it = times.cbegin(); it != times.cend(); ++it) {
                const QByteArray ref = (it.key() == 1 ? ImageA : ImageC).toUtf8();
                QVERIFY(raw.exec("INSERT INTO image(id, ref, registry, grp, label, first_ts, "
                                 "last_ts, events) VALUES(" +
                                 QByteArray::number(it.key()) + ", '" + ref + "', " +
                                 QByteArray::number(it.key()) + ", 'tools', '" +
                                 (it.key() == 1 ? "hub" : "nixery") + "', " +
                                 QByteArray::number(it->first()) + ", " +
                                 QByteArray::number(it->last()) + ", " +
                                 QByteArray::number(it->size()) + ")"));
            }
            // A stale hourly rollup, as an older build may have left: rebuilt from the events.
            QVERIFY(
                raw.exec("INSERT INTO rollup_hour(image, source, bucket, total, ok) VALUES(1, 0, " +
                         QByteArray::number(T0) + ", 999, 999)"));
        }

        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), sqliteschema::Version);
        QString m = eventsMismatch(scanAll(*store), expected);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(store->eventCount(), expected.size());
        for (Granularity g : {Granularity::Hour, Granularity::Day}) {
            m = rollupMismatch(*store, expected, g);
            QVERIFY2(m.isEmpty(), qPrintable(m));
        }
        const QList<IncidentRef> incidents = incidentsOf(expected);
        QVERIFY(!incidents.isEmpty());
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidents));
        const QList<ImageInfo> images = store->images();
        QCOMPARE(images.size(), 2);
        QCOMPARE(images[0].group, u"tools"_s);
        QCOMPARE(images[1].label, u"nixery"_s);

        // Appending to the migrated history continues the same events, strings and incidents.
        PullEvent next = expected.last();
        next.ts += Minute;
        next.ok = false;
        next.category = Category::Auth;
        QVERIFY(store->append({&next, 1}).ok());
        expected.append(next);
        m = eventsMismatch(scanAll(*store), expected);
        QVERIFY2(m.isEmpty(), qPrintable(m));
        QCOMPARE(incidentsText(storedIncidents(*store)), incidentsText(incidentsOf(expected)));
        store.reset();
        RawDb raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), sqliteschema::Version);
        QCOMPARE(raw.scalar("SELECT count(*) FROM message"), 1);
        QCOMPARE(raw.scalar("SELECT count(*) FROM job"), 1);
        QCOMPARE(raw.scalar("SELECT count(*) FROM digest"), 1);
    }

    // Verdicts read a month's failed CI pulls out of millions of probes: through the partial
    // index, not a scan of every row (the SQL is the one SqliteEventReader writes for
    // EventFilter{source Ci, ok false}).
    void failedCiPullsAreReadThroughTheirIndex()
    {
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        {
            auto store = openStore(path);
            QVERIFY(store);
            QList<PullEvent> events;
            for (int i = 0; i < 200; ++i)
                events.append(makeEvent(T0 + i * Minute, u"ghcr.io/a/b:1"_s,
                                        i % 50 == 7 ? Category::Timeout : Category::None, 100,
                                        i % 2 ? Source::Ci : Source::Probe));
            QVERIFY(store->append(events).ok());
            EventFilter failed;
            failed.source = Source::Ci;
            failed.ok = false;
            QList<qint64> seen;
            QVERIFY(store->scanOutcomes(failed, {T0, T0 + Day},
                                        [&](const Outcome &o) { seen.append(o.ts); })
                        .ok());
            QCOMPARE(seen, (QList<qint64>{T0 + 7 * Minute, T0 + 57 * Minute, T0 + 107 * Minute,
                                          T0 + 157 * Minute}));
        }
        RawDb raw(path);
        sqlite3_stmt *q = nullptr;
        QCOMPARE(sqlite3_prepare_v2(raw.handle(),
                                    "EXPLAIN QUERY PLAN SELECT id, image, kind, latency FROM event "
                                    "WHERE id>=?1 AND id<?2 AND (kind & 16)=16 AND (kind & 15)<>0 "
                                    "ORDER BY id",
                                    -1, &q, nullptr),
                 SQLITE_OK);
        QByteArray plan;
        while (sqlite3_step(q) == SQLITE_ROW)
            plan += reinterpret_cast<const char *>(sqlite3_column_text(q, 3));
        sqlite3_finalize(q);
        QVERIFY2(plan.contains("event_ci_failure"), plan.constData());
    }

    void newerSchemaIsRefused()
    {
        TestDir dir;
        const QString path = dir.path(u"future.db"_s);
        {
            RawDb raw(path);
            QVERIFY(raw.exec("CREATE TABLE something(x); PRAGMA user_version=99;"));
        }
        auto result = SqliteHistoryStore::open(path);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().contains(path), qPrintable(result.error()));
        QVERIFY2(result.error().contains(u"99"_s), qPrintable(result.error()));
        RawDb raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), 99); // left as it was
    }

    void notADatabase()
    {
        TestDir dir;
        const QString path = dir.path(u"random.bin"_s);
        QByteArray bytes(65536, Qt::Uninitialized);
        QRandomGenerator rng(17);
        for (char &c : bytes)
            c = char(rng.bounded(256));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(bytes);
        }
        auto result = SqliteHistoryStore::open(path);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().contains(path), qPrintable(result.error()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(file.readAll() == bytes, "the file was modified");
    }

    void foreignDatabaseIsUntouched_data()
    {
        QTest::addColumn<QByteArray>("sql");
        QTest::newRow("another application's tables")
            << QByteArray("CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT);"
                          "INSERT INTO notes(text) VALUES('keep me');");
        QTest::newRow("another application's id") << QByteArray("PRAGMA application_id=1234;");
        QTest::newRow("a table named like ours")
            << QByteArray("CREATE TABLE event(x); INSERT INTO event VALUES(1);");
    }

    void foreignDatabaseIsUntouched()
    {
        QFETCH(QByteArray, sql);
        TestDir dir;
        const QString path = dir.path(u"other.db"_s);
        {
            RawDb raw(path);
            QVERIFY(raw.exec(sql));
        }
        const QByteArray before = readFile(path);
        for (const auto access :
             {SqliteHistoryStore::Access::ReadWrite, SqliteHistoryStore::Access::ReadOnly}) {
            auto result = SqliteHistoryStore::open(path, access);
            QVERIFY(!result.ok());
            QVERIFY2(result.error().contains(u"not a pullwatch history"_s),
                     qPrintable(result.error()));
        }
        QCOMPARE(readFile(path), before);
        QVERIFY(!QFileInfo::exists(path + u"-wal"_s));
    }

    void newHistoryIsMarkedAsOurs()
    {
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        QVERIFY(openStore(path));
        RawDb raw(path);
        QCOMPARE(raw.scalar("PRAGMA application_id"), sqliteschema::ApplicationId);
        QCOMPARE(raw.scalar("PRAGMA user_version"), sqliteschema::Version);
    }

    void readOnlyAccess()
    {
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        {
            auto store = openStore(path);
            QVERIFY(store);
            QVERIFY(store->append(QList<PullEvent>{makeEvent(T0, ImageA)}).ok());
        }
        const QByteArray before = readFile(path);
        {
            auto reader = SqliteHistoryStore::open(path, SqliteHistoryStore::Access::ReadOnly);
            QVERIFY2(reader.ok(), qPrintable(reader.ok() ? QString() : reader.error()));
            QCOMPARE((*reader)->eventCount(), qint64(1));
            QVERIFY(!(*reader)->append(QList<PullEvent>{makeEvent(T0 + 1, ImageA)}).ok());
        }
        QCOMPARE(readFile(path), before);
        auto missing =
            SqliteHistoryStore::open(dir.path(u"none.db"_s), SqliteHistoryStore::Access::ReadOnly);
        QVERIFY(!missing.ok());
        QVERIFY(!QFileInfo::exists(dir.path(u"none.db"_s)));
        QFile(dir.path(u"empty.db"_s)).open(QIODevice::WriteOnly);
        auto empty =
            SqliteHistoryStore::open(dir.path(u"empty.db"_s), SqliteHistoryStore::Access::ReadOnly);
        QVERIFY(!empty.ok());
        QCOMPARE(QFileInfo(dir.path(u"empty.db"_s)).size(), qint64(0));
    }

    void appendClaimingStoresOnce()
    {
        // Two writers with the same claim: the first stores, the second stores nothing.
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto first = openStore(path);
        auto second = openStore(path);
        QVERIFY(first && second);
        const QList<PullEvent> events{makeEvent(T0, ImageA), makeEvent(T0 + 1, ImageB)};
        const MetadataClaim claim{u"ci.ingested files:/x"_s, {}, u"10 1 2 abc"_s};
        const Result<bool> won = first->appendClaiming(events, claim);
        QVERIFY(won.ok() && *won);
        const Result<bool> lost = second->appendClaiming(events, claim);
        QVERIFY(lost.ok() && !*lost);
        QCOMPARE(second->eventCount(), qint64(2));
        QCOMPARE(second->metadata(claim.key), claim.value);
        // Moving on from what is there now works, and a claim with no events still marks.
        const Result<bool> next =
            second->appendClaiming({}, MetadataClaim{claim.key, claim.value, u"20 2 4 abc"_s});
        QVERIFY(next.ok() && *next);
        QCOMPARE(first->metadata(claim.key), u"20 2 4 abc"_s);
        QCOMPARE(first->eventCount(), qint64(2));
    }

    void twoWritersOnOneFile()
    {
        // The dashboard and `pullwatch serve` may both write one history: each must continue
        // the other's ids, strings and incidents, not collide with them.
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        auto first = openStore(path);
        auto second = openStore(path);
        QVERIFY(first && second);
        QList<PullEvent> all;
        for (int round = 0; round < 6; ++round) {
            HistoryStore &writer = round % 2 ? *second : *first;
            QList<PullEvent> batch;
            for (int i = 0; i < 3; ++i) {
                PullEvent e = makeEvent(T0 + (round * 3 + i) * Hour, round % 3 ? ImageA : ImageD,
                                        i == 1 ? Category::Timeout : Category::None, 100 + i);
                e.digest = u"sha256:%1"_s.arg(round); // a new string for every round
                e.message = e.ok ? QString() : u"timeout in round %1"_s.arg(round);
                batch.append(e);
            }
            QVERIFY2(writer.append(batch).ok(), qPrintable(u"round %1"_s.arg(round)));
            all += batch;
        }
        QCOMPARE(first->eventCount(), qint64(all.size()));
        QCOMPARE(second->eventCount(), qint64(all.size()));
        QCOMPARE(eventsMismatch(scanAll(*first), all), QString());
        QCOMPARE(eventsMismatch(scanAll(*second), all), QString());
        // Every failure is followed by an ok of the same image: one incident per round.
        const Result<QList<Incident>> incidents = first->incidents({}, Everything);
        QVERIFY(incidents.ok());
        QCOMPARE(incidents->size(), 6);
        for (const Incident &incident : *incidents)
            QCOMPARE(incident.failures, qint64(1));
    }

    void stringsStayUniqueWhenCachesAreTrimmed()
    {
        // More distinct messages and jobs than the store keeps cached: after the caches are
        // emptied between transactions, old strings must be found again, not stored twice.
        TestDir dir;
        const QString path = dir.path(u"h.db"_s);
        constexpr int Distinct = 70000;
        QList<PullEvent> reused;
        {
            auto store = openStore(path);
            QVERIFY(store);
            QList<PullEvent> batch;
            for (int i = 0; i < Distinct; ++i) {
                PullEvent e = makeEvent(T0 + i * 1000, ImageA, Category::Timeout, 5, Source::Ci);
                e.message = u"timeout %1"_s.arg(i);
                e.ci = CiContext{
                    u"github"_s, u"o/r"_s,
                    u"1"_s,      QString::number(i),
                    u"j"_s,      u"https://github.com/o/r/actions/runs/1/job/%1"_s.arg(i)};
                batch.append(e);
            }
            QVERIFY(store->append(batch).ok());
            for (int i = 0; i < Distinct; i += 7000) {
                PullEvent e = batch[i];
                e.ts = T0 + Distinct * 1000 + i;
                reused.append(e);
            }
            QVERIFY(store->append(reused).ok()); // the caches are trimmed before this one
            QVERIFY(store->append(reused.mid(0, 1)).ok());
            QCOMPARE(store->eventCount(), qint64(Distinct + reused.size() + 1));
        }
        RawDb raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM message"), qint64(Distinct));
        QCOMPARE(raw.scalar("SELECT count(*) FROM job"), qint64(Distinct));
    }

    void unwritableLocationFails()
    {
        TestDir dir;
        QFile blocker(dir.path(u"file"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const QString path = dir.path(u"file/history.db"_s); // a folder that is a file
        auto result = SqliteHistoryStore::open(path);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().contains(path), qPrintable(result.error()));
    }
};

QTEST_GUILESS_MAIN(TstSqliteHistoryStore)
#include "tst_sqlitehistorystore.moc"
