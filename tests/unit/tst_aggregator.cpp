#include "analysis/Aggregator.h"
#include "analysis/Failures.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <cmath>
#include <memory>
#include <random>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

Q_DECLARE_METATYPE(pw::EventFilter)
Q_DECLARE_METATYPE(pw::BucketState)
Q_DECLARE_METATYPE(pw::TimeRange)

namespace {

const QString ImageA = u"docker.io/library/busybox:latest"_s;
const QString ImageB = u"ghcr.io/example/keystone-tools:latest"_s;
const QString ImageC = u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s;

// A store in its own temporary folder.
struct Fixture
{
    TestDir dir;
    std::unique_ptr<SqliteHistoryStore> store = openStore(dir.path(u"history.db"_s));

    bool add(const QList<PullEvent> &events) { return store && store->append(events).ok(); }
    int idOf(const QString &image) const
    {
        for (const ImageInfo &info : store->images()) {
            if (info.image == image)
                return info.id;
        }
        return -1;
    }
};

template<class T> T valueOf(Result<T> result)
{
    if (!result) {
        qWarning("query failed: %s", qPrintable(result.error()));
        return T();
    }
    return std::move(*result);
}

QString countsMismatch(const BucketStats &got, const Counts &want)
{
    if (got.total != want.total || got.ok != want.ok)
        return u"total/ok %1/%2, expected %3/%4"_s.arg(got.total)
            .arg(got.ok)
            .arg(want.total)
            .arg(want.ok);
    for (Category c : FailureCategories) {
        if (got.failures[int(c)] != want.failures[int(c)])
            return u"%1 failures %2, expected %3"_s.arg(categoryId(c))
                .arg(got.failures[int(c)])
                .arg(want.failures[int(c)]);
    }
    if (!(got.latency == want.latency))
        return u"latency histogram: %1 values p50 %2, expected %3 values p50 %4"_s
            .arg(got.latency.count())
            .arg(got.latency.percentile(50))
            .arg(want.latency.count())
            .arg(want.latency.percentile(50));
    if (!(got.coldLatency == want.coldLatency))
        return u"cold latency: %1 values, expected %2"_s.arg(got.coldLatency.count())
            .arg(want.coldLatency.count());
    return {};
}

QString rangeText(const TimeRange &r)
{
    return u"[T0%1%2, T0%3%4)"_s.arg(r.from >= T0 ? u"+"_s : QString())
        .arg(r.from - T0)
        .arg(r.to >= T0 ? u"+"_s : QString())
        .arg(r.to - T0);
}

// An incident-free, ok probe with a latency.
PullEvent okAt(qint64 ts, const QString &image, qint64 latency = 50)
{
    return makeEvent(ts, image, Category::None, latency);
}

} // namespace

class TstAggregator : public QObject
{
    Q_OBJECT

private:
    // The random history the ragged-range tests query, shared by them.
    std::unique_ptr<Fixture> m_random;
    QList<PullEvent> m_randomEvents;
    QHash<QString, QString> m_groups;

private slots:
    void initTestCase()
    {
        m_random = std::make_unique<Fixture>();
        QVERIFY(m_random->store);
        QList<PullEvent> shuffled =
            randomHistory(21, 5000, T0 - 5 * Hour, 6 * Day, {ImageA, ImageB, ImageC});
        std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(2));
        // Out-of-order appends, as CI backfills give; stored order stays by time.
        for (qsizetype i = 0; i < shuffled.size(); i += 500)
            QVERIFY(m_random->add(shuffled.mid(i, 500)));
        m_randomEvents = inStoreOrder(shuffled);
        QVERIFY(m_random->store->setImageInfo(ImageB, u"keystone-tools"_s, u"self-hosted"_s).ok());
        QVERIFY(m_random->store->setImageInfo(ImageC, u"keystone-tools"_s, u"nixery"_s).ok());
        m_groups = {{ImageB, u"keystone-tools"_s}, {ImageC, u"keystone-tools"_s}};
    }

    void emptyStore_data()
    {
        QTest::addColumn<qint64>("bucketMs");
        QTest::newRow("15 min") << 15 * Minute;
        QTest::newRow("1 h") << Hour;
        QTest::newRow("1 d") << Day;
        QTest::newRow("whole range") << qint64(0);
    }

    void emptyStore()
    {
        QFETCH(qint64, bucketMs);
        Fixture f;
        QVERIFY(f.store);
        const Aggregator agg(*f.store);
        const TimeRange range{T0 - 30 * Day, T0};
        QVERIFY(valueOf(agg.availability({{}, range, bucketMs})).isEmpty());
        QVERIFY(valueOf(agg.overTime({{}, range, bucketMs})).isEmpty());
        QVERIFY(valueOf(agg.perImage({}, range)).isEmpty());
        QVERIFY(valueOf(agg.breakdown({}, range)).isEmpty());
        QVERIFY(valueOf(agg.incidents({}, range)).isEmpty());
        QVERIFY(valueOf(agg.compare({}, range)).isEmpty());
    }

    void emptyRange_data()
    {
        QTest::addColumn<TimeRange>("range");
        QTest::newRow("zero length") << TimeRange{T0 + Day, T0 + Day};
        QTest::newRow("reversed") << TimeRange{T0 + 2 * Day, T0 + Day};
        QTest::newRow("before the history") << TimeRange{T0 - 30 * Day, T0 - 20 * Day};
        QTest::newRow("after the history") << TimeRange{T0 + 30 * Day, T0 + 31 * Day};
    }

    void emptyRange()
    {
        QFETCH(TimeRange, range);
        const Aggregator agg(*m_random->store);
        for (qint64 bucketMs : {qint64(0), 15 * Minute, Hour, Day})
            QVERIFY(valueOf(agg.availability({{}, range, bucketMs})).isEmpty());
        QVERIFY(valueOf(agg.overTime({{}, range, Hour})).isEmpty());
        QVERIFY(valueOf(agg.perImage({}, range)).isEmpty());
        QVERIFY(valueOf(agg.breakdown({}, range)).isEmpty());
        QVERIFY(valueOf(agg.incidents({}, range)).isEmpty());
        QVERIFY(valueOf(agg.compare({}, range)).isEmpty());
    }

    void failuresGroupTheUnknown()
    {
        // The Failures page's groups: failures of no known cause in the range (and filter),
        // grouped by their masked text, largest first; failures with a cause are not in them.
        Fixture f;
        QList<PullEvent> events;
        const auto unknown = [&](qint64 ts, const QString &image, const QString &message) {
            PullEvent e = makeEvent(ts, image, Category::Unknown, -1, Source::Ci);
            e.message = message;
            events.append(e);
        };
        unknown(T0 + 1 * Minute, ImageA, u"ctr: failed to extract layer sha256:aaaa1111: input/output error"_s);
        unknown(T0 + 2 * Minute, ImageB, u"Error: ErrImagePull"_s);
        unknown(T0 + 3 * Minute, ImageA, u"ctr: failed to extract layer sha256:bbbb2222: input/output error"_s);
        unknown(T0 + 10 * Day, ImageA, u"outside the range"_s);
        events.append(makeEvent(T0 + 4 * Minute, ImageA, Category::Dns, 10));
        QVERIFY(f.add(events));
        const TimeRange range{T0, T0 + Day};
        const FailureSummary all = valueOf(computeFailures(*f.store, {}, range, Hour));
        QCOMPARE(all.unknownSampled, 3);
        QCOMPARE(all.unknownGroups.size(), 2);
        QCOMPARE(all.unknownGroups[0].count, 2);
        QCOMPARE(all.unknownGroups[0].text,
                 u"ctr: failed to extract layer <digest>: input/output error"_s);
        EventFilter onlyB;
        onlyB.images = {ImageB};
        const FailureSummary b = valueOf(computeFailures(*f.store, onlyB, range, Hour));
        QCOMPARE(b.unknownGroups.size(), 1);
        QCOMPARE(b.unknownGroups[0].text, u"Error: ErrImagePull"_s);
        // A range with failures, none of them of unknown cause: no groups, no query.
        QVERIFY(valueOf(computeFailures(*f.store, {}, {T0 + 4 * Minute, T0 + Day}, Hour))
                    .unknownGroups.isEmpty());
    }

    void singleEvent()
    {
        Fixture f;
        const qint64 ts = T0 + 90 * Minute + 500;
        QVERIFY(f.add({makeEvent(ts, ImageA, Category::Dns, 120)}));
        const Aggregator agg(*f.store);
        const TimeRange range{T0 - 3 * Day, T0 + 3 * Day};

        const QList<BucketStats> hours = valueOf(agg.availability({{}, range, Hour}));
        QCOMPARE(hours.size(), 1);
        const BucketStats &b = hours[0];
        QCOMPARE(b.imageId, f.idOf(ImageA));
        QCOMPARE(b.bucketStart, T0 + Hour);
        QCOMPARE(b.bucketEnd, T0 + 2 * Hour);
        QCOMPARE(b.total, 1);
        QCOMPARE(b.ok, 0);
        QCOMPARE(b.failed(), 1);
        QCOMPARE(b.failures[int(Category::Dns)], 1);
        QCOMPARE(b.state(), BucketState::Down);
        QCOMPARE(b.availabilityPct(), 0.0);
        QCOMPARE(b.latency.percentile(50), 120);
        QCOMPARE(b.topCategory(), Category::Dns);

        const QList<BucketStats> days = valueOf(agg.availability({{}, range, Day}));
        QCOMPARE(days.size(), 1);
        QCOMPARE(days[0].bucketStart, T0);
        QCOMPARE(days[0].bucketEnd, T0 + Day);

        const QList<BucketStats> whole = valueOf(agg.availability({{}, range, 0}));
        QCOMPARE(whole.size(), 1);
        QCOMPARE(whole[0].bucketStart, range.from);
        QCOMPARE(whole[0].bucketEnd, range.to);

        const QList<BreakdownRow> breakdown = valueOf(agg.breakdown({}, range));
        QCOMPARE(breakdown.size(), 1);
        QCOMPARE(breakdown[0].category, Category::Dns);
        QCOMPARE(breakdown[0].registry, u"docker.io"_s);
        QCOMPARE(breakdown[0].image, ImageA);
        QCOMPARE(breakdown[0].failures, 1);
        QCOMPARE(breakdown[0].sharePct, 100.0);

        const QList<IncidentStats> incidents = valueOf(agg.incidents({}, range));
        QCOMPARE(incidents.size(), 1);
        QCOMPARE(incidents[0].image, ImageA);
        QCOMPARE(incidents[0].incident.start, ts);
        QCOMPARE(incidents[0].ttrMs, -1);

        const QList<CompareRow> compare = valueOf(agg.compare({}, range));
        QCOMPARE(compare.size(), 1);
        QCOMPARE(compare[0].image, ImageA);
        QCOMPARE(compare[0].stats.total, 1);
        QCOMPARE(compare[0].incidents, 1);
        QCOMPARE(compare[0].mttrS, -1.0);
        QCOMPARE(compare[0].warmP50, 120);
        QCOMPARE(compare[0].coldP50, -1);
    }

    void bucketEdges_data()
    {
        QTest::addColumn<qint64>("ts");
        QTest::addColumn<TimeRange>("range");
        QTest::addColumn<qint64>("bucketMs");
        QTest::addColumn<qint64>("bucket"); // expected bucket start, -1: not in the range
        const TimeRange wide{T0 - 3 * Day, T0 + 3 * Day};
        QTest::newRow("at an hour start") << T0 + Hour << wide << Hour << T0 + Hour;
        QTest::newRow("last ms of an hour") << T0 + Hour - 1 << wide << Hour << T0;
        QTest::newRow("at a day start") << T0 + Day << wide << Day << T0 + Day;
        QTest::newRow("last ms of a day") << T0 + Day - 1 << wide << Day << T0;
        QTest::newRow("at a quarter hour")
            << T0 + 15 * Minute << wide << 15 * Minute << T0 + 15 * Minute;
        QTest::newRow("before a quarter hour") << T0 + 15 * Minute - 1 << wide << 15 * Minute << T0;
        const TimeRange hours{T0 + Hour, T0 + 5 * Hour};
        QTest::newRow("at the range start") << T0 + Hour << hours << Hour << T0 + Hour;
        QTest::newRow("at the range end") << T0 + 5 * Hour << hours << Hour << qint64(-1);
        QTest::newRow("last ms in the range")
            << T0 + 5 * Hour - 1 << hours << Hour << T0 + 4 * Hour;
        QTest::newRow("1 ms before the range") << T0 + Hour - 1 << hours << Hour << qint64(-1);
        const TimeRange days{T0 - 2 * Day, T0 + Day};
        QTest::newRow("at the end of a day-aligned range") << T0 + Day << days << Day << qint64(-1);
        QTest::newRow("at the start of a day-aligned range")
            << T0 - 2 * Day << days << Hour << T0 - 2 * Day;
        const TimeRange ragged{T0 + 10 * Minute, T0 + 2 * Day + 7 * Minute};
        QTest::newRow("before a ragged start") << T0 + 5 * Minute << ragged << Hour << qint64(-1);
        QTest::newRow("at a ragged start") << T0 + 10 * Minute << ragged << Hour << T0;
        QTest::newRow("at a ragged start, daily") << T0 + 10 * Minute << ragged << Day << T0;
        QTest::newRow("in a whole middle day") << T0 + Day + 5 << ragged << Day << T0 + Day;
        QTest::newRow("just before a ragged end")
            << T0 + 2 * Day + 7 * Minute - 1 << ragged << Day << T0 + 2 * Day;
        QTest::newRow("at a ragged end")
            << T0 + 2 * Day + 7 * Minute << ragged << Day << qint64(-1);
        QTest::newRow("whole range, at its start")
            << ragged.from << ragged << qint64(0) << ragged.from;
        QTest::newRow("whole range, at its end") << ragged.to << ragged << qint64(0) << qint64(-1);
    }

    void bucketEdges()
    {
        QFETCH(qint64, ts);
        QFETCH(TimeRange, range);
        QFETCH(qint64, bucketMs);
        QFETCH(qint64, bucket);
        Fixture f;
        QVERIFY(f.add({okAt(ts, ImageA)}));
        const QList<BucketStats> rows =
            valueOf(Aggregator(*f.store).availability({{}, range, bucketMs}));
        if (bucket < 0) {
            QCOMPARE(rows.size(), 0);
            return;
        }
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].bucketStart, bucket);
        QCOMPARE(rows[0].bucketEnd, bucketMs ? bucket + bucketMs : range.to);
        QCOMPARE(rows[0].total, 1);
    }

    void raggedRangesMatchRawCounts_data()
    {
        QTest::addColumn<qint64>("bucketMs");
        QTest::addColumn<EventFilter>("filter");
        EventFilter all;
        QTest::newRow("15 min") << 15 * Minute << all;
        QTest::newRow("1 h") << Hour << all;
        QTest::newRow("2 h") << 2 * Hour << all;
        QTest::newRow("1 d") << Day << all;
        QTest::newRow("whole range") << qint64(0) << all;
        EventFilter f;
        f.source = Source::Ci;
        QTest::newRow("1 h, CI only") << Hour << f;
        f = {};
        f.groups = {u"keystone-tools"_s};
        QTest::newRow("1 d, one group") << Day << f;
        f = {};
        f.images = {ImageA};
        f.source = Source::Probe;
        QTest::newRow("whole range, probes of one image") << qint64(0) << f;
        f = {};
        f.ok = false;
        QTest::newRow("1 h, failures only") << Hour << f;
        f = {};
        f.category = Category::Timeout;
        f.registries = {u"nixery.dev"_s};
        QTest::newRow("1 d, timeouts on nixery.dev") << Day << f;
    }

    void raggedRangesMatchRawCounts()
    {
        QFETCH(qint64, bucketMs);
        QFETCH(EventFilter, filter);
        const Aggregator agg(*m_random->store);
        QHash<int, QString> names;
        for (const ImageInfo &info : m_random->store->images())
            names.insert(info.id, info.image);
        QRandomGenerator rng(quint32(bucketMs) ^ 77);
        const qint64 start = T0 - 6 * Hour, span = 6 * Day + 2 * Hour;
        for (int round = 0; round < 120; ++round) {
            qint64 from = start + qint64(rng.bounded(quint64(span)));
            qint64 to = from + qint64(rng.bounded(quint64(span)));
            switch (round % 6) { // ragged ms, whole hours, whole days, mixed, tiny, everything
            case 1:
                from = floorToStep(from, Hour);
                to = floorToStep(to, Hour);
                break;
            case 2:
                from = floorToStep(from, Day);
                to = floorToStep(to, Day) + Day;
                break;
            case 3:
                from = floorToStep(from, Day) + 1;
                to = floorToStep(to, Hour) - 1;
                break;
            case 4:
                to = from + qint64(rng.bounded(quint64(Hour)));
                break;
            case 5:
                if (round == 5) {
                    from = start - Day;
                    to = start + span + Day;
                }
                break;
            }
            const TimeRange range{from, to};
            const QString where = rangeText(range);

            QMap<std::pair<qint64, QString>, Counts> expected; // (bucket, image)
            QMap<QString, Counts> perImage;
            Counts everything;
            for (const PullEvent &e : m_randomEvents) {
                if (!range.contains(e.ts) || !matches(filter, e, m_groups))
                    continue;
                const qint64 bucket = bucketMs ? floorToStep(e.ts, bucketMs) : from;
                expected[{bucket, e.image}].add(e);
                perImage[e.image].add(e);
                everything.add(e);
            }

            QList<BucketStats> rows = valueOf(agg.availability({filter, range, bucketMs}));
            if (bucketMs == 0) { // one bucket: the order of its images is not specified
                std::sort(rows.begin(), rows.end(),
                          [&](const BucketStats &a, const BucketStats &b) {
                              return names.value(a.imageId) < names.value(b.imageId);
                          });
            }
            QVERIFY2(rows.size() == expected.size(),
                     qPrintable(u"%1: %2 rows, expected %3"_s.arg(where)
                                    .arg(rows.size())
                                    .arg(expected.size())));
            auto want = expected.cbegin();
            for (const BucketStats &b : rows) {
                const QString image = names.value(b.imageId);
                QVERIFY2(b.bucketStart == want.key().first && image == want.key().second,
                         qPrintable(u"%1: row %2 %3, expected %4 %5 (order: bucket, then image)"_s
                                        .arg(where)
                                        .arg(b.bucketStart)
                                        .arg(image)
                                        .arg(want.key().first)
                                        .arg(want.key().second)));
                QCOMPARE(b.bucketEnd, bucketMs ? b.bucketStart + bucketMs : to);
                const QString m = countsMismatch(b, *want);
                QVERIFY2(m.isEmpty(),
                         qPrintable(
                             u"%1 bucket %2 %3: %4"_s.arg(where).arg(b.bucketStart).arg(image, m)));
                ++want;
            }

            const QList<BucketStats> images = valueOf(agg.perImage(filter, range));
            QCOMPARE(images.size(), perImage.size());
            for (qsizetype i = 0; i < images.size(); ++i) {
                if (i > 0)
                    QVERIFY(images[i - 1].imageId < images[i].imageId);
                const QString image = names.value(images[i].imageId);
                QVERIFY2(perImage.contains(image), qPrintable(where + u" "_s + image));
                const QString m = countsMismatch(images[i], perImage.value(image));
                QVERIFY2(m.isEmpty(), qPrintable(u"%1 %2: %3"_s.arg(where, image, m)));
            }

            const QList<BucketStats> overTime = valueOf(agg.overTime({filter, range, bucketMs}));
            qint64 total = 0;
            for (const BucketStats &b : overTime)
                total += b.total;
            QCOMPARE(total, everything.total);

            const QList<BreakdownRow> breakdown = valueOf(agg.breakdown(filter, range));
            qint64 failures = 0;
            double shares = 0;
            for (const BreakdownRow &row : breakdown) {
                QCOMPARE(row.failures, perImage.value(row.image).failures[int(row.category)]);
                QCOMPARE(row.registry, registryOf(row.image));
                failures += row.failures;
                shares += row.sharePct;
            }
            QCOMPARE(failures, everything.total - everything.ok);
            if (failures)
                QVERIFY2(std::abs(shares - 100.0) < 1e-9, qPrintable(QString::number(shares)));
        }
    }

    void percentiles_data()
    {
        QTest::addColumn<QList<qint64>>("latencies"); // -1: unknown
        QTest::addColumn<qint64>("p50");
        QTest::addColumn<qint64>("p95");
        QTest::addColumn<qint64>("p99");
        QList<qint64> hundred;
        for (qint64 v = 1; v <= 100; ++v)
            hundred.append(v);
        QTest::newRow("1 to 100 ms") << hundred << qint64(50) << qint64(95) << qint64(99);
        QTest::newRow("one value") << QList<qint64>{42} << qint64(42) << qint64(42) << qint64(42);
        QTest::newRow("two values")
            << QList<qint64>{200, 10} << qint64(10) << qint64(200) << qint64(200);
        QList<qint64> skewed(99, 5);
        skewed.append(250);
        QTest::newRow("99 fast, 1 slow") << skewed << qint64(5) << qint64(5) << qint64(5);
        skewed.append(250);
        QTest::newRow("99 fast, 2 slow") << skewed << qint64(5) << qint64(5) << qint64(250);
        QTest::newRow("unknown latencies are left out")
            << QList<qint64>{-1, 30, -1, 10, 20, -1} << qint64(20) << qint64(30) << qint64(30);
        QTest::newRow("no latency at all")
            << QList<qint64>{-1, -1} << qint64(-1) << qint64(-1) << qint64(-1);
        QList<qint64> seconds;
        for (qint64 v = 1; v <= 100; ++v)
            seconds.append(v * 1000);
        QTest::newRow("1 s to 100 s") << seconds << qint64(50000) << qint64(95000) << qint64(99000);
    }

    void percentiles()
    {
        QFETCH(QList<qint64>, latencies);
        QFETCH(qint64, p50);
        QFETCH(qint64, p95);
        QFETCH(qint64, p99);
        Fixture f;
        QList<PullEvent> events;
        // Spread over three days so that whole days, whole hours and raw edges all contribute.
        for (qsizetype i = 0; i < latencies.size(); ++i)
            events.append(
                okAt(T0 + 20 * Minute + i * (3 * Day / latencies.size()), ImageA, latencies[i]));
        QVERIFY(f.add(events));
        const Aggregator agg(*f.store);
        const QList<BucketStats> rows = valueOf(agg.perImage({}, {T0 + 10 * Minute, T0 + 4 * Day}));
        QCOMPARE(rows.size(), 1);
        const auto near = [](qint64 got, qint64 want) {
            return want < 256 ? got == want : std::abs(double(got - want)) <= 0.004 * double(want);
        };
        QVERIFY2(near(rows[0].latency.percentile(50), p50),
                 qPrintable(QString::number(rows[0].latency.percentile(50))));
        QVERIFY2(near(rows[0].latency.percentile(95), p95),
                 qPrintable(QString::number(rows[0].latency.percentile(95))));
        QVERIFY2(near(rows[0].latency.percentile(99), p99),
                 qPrintable(QString::number(rows[0].latency.percentile(99))));
        QCOMPARE(rows[0].total, latencies.size());
        const QList<CompareRow> compare = valueOf(agg.compare({}, {T0, T0 + 4 * Day}));
        QCOMPARE(compare.size(), 1);
        QVERIFY(near(compare[0].warmP50, p50)); // no cold pulls: all are warm
    }

    void bucketStates_data()
    {
        QTest::addColumn<QString>("outcomes"); // one letter per event: o ok, f failed
        QTest::addColumn<BucketState>("state");
        QTest::addColumn<double>("availability");
        QTest::newRow("all ok") << u"oooo"_s << BucketState::Up << 100.0;
        QTest::newRow("one of four failed") << u"oofo"_s << BucketState::Degraded << 75.0;
        QTest::newRow("one of three ok") << u"ffo"_s << BucketState::Degraded << 100.0 / 3;
        QTest::newRow("all failed") << u"fff"_s << BucketState::Down << 0.0;
        QTest::newRow("single ok") << u"o"_s << BucketState::Up << 100.0;
    }

    void bucketStates()
    {
        QFETCH(QString, outcomes);
        QFETCH(BucketState, state);
        QFETCH(double, availability);
        Fixture f;
        QList<PullEvent> events;
        for (qsizetype i = 0; i < outcomes.size(); ++i) {
            events.append(makeEvent(T0 + 2 * Hour + i * Minute, ImageA,
                                    outcomes[i] == u'o' ? Category::None : Category::Timeout, 10));
        }
        events.append(okAt(T0 + 5 * Hour, ImageB)); // another image in another hour
        QVERIFY(f.add(events));
        const QList<BucketStats> rows =
            valueOf(Aggregator(*f.store).availability({{}, {T0, T0 + 6 * Hour}, Hour}));
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].bucketStart, T0 + 2 * Hour);
        QCOMPARE(rows[0].state(), state);
        QCOMPARE(rows[0].availabilityPct(), availability);
        QCOMPARE(rows[0].failed(), outcomes.count(u'f'));
        QCOMPARE(rows[1].bucketStart, T0 + 5 * Hour);
        QCOMPARE(rows[1].state(), BucketState::Up);
        // Hours without events have no row; an empty bucket is NoData.
        QCOMPARE(BucketStats().state(), BucketState::NoData);
    }

    void breakdownShares_data()
    {
        QTest::addColumn<QString>("failures"); // image letter + category id, comma separated
        QTest::addColumn<QString>("expected"); // category/image/failures/share rows, in order
        QTest::newRow("60/30/10") << u"6a:dns,3a:auth,1b:timeout"_s
                                  << u"dns a 6 60; auth a 3 30; timeout b 1 10"_s;
        QTest::newRow("thirds") << u"1a:dns,1b:dns,1c:dns"_s
                                << u"dns a 1 33.333; dns b 1 33.333; dns c 1 33.333"_s;
        QTest::newRow("ties ordered by category") << u"2a:unknown,2a:platform,2a:tls"_s
                                                  << u"platform a 2 33.333; tls a 2 33.333; "
                                                     "unknown a 2 33.333"_s;
        QTest::newRow("one category, two images")
            << u"3c:rate_limit,1a:rate_limit"_s << u"rate_limit c 3 75; rate_limit a 1 25"_s;
    }

    void breakdownShares()
    {
        QFETCH(QString, failures);
        QFETCH(QString, expected);
        const QHash<QChar, QString> images = {{u'a', ImageA}, {u'b', ImageB}, {u'c', ImageC}};
        Fixture f;
        QList<PullEvent> events;
        qint64 ts = T0;
        for (const QString &item : failures.split(u',')) {
            const int n = item.left(1).toInt();
            const QString image = images.value(item[1]);
            const Category category = categoryFromId(item.mid(3)).value_or(Category::Unknown);
            for (int i = 0; i < n; ++i) {
                events.append(makeEvent(ts += Minute, image, category, 10));
                events.append(okAt(ts += Minute, image)); // successes do not count
            }
        }
        QVERIFY(f.add(events));
        const QList<BreakdownRow> rows =
            valueOf(Aggregator(*f.store).breakdown({}, {T0, T0 + Day}));
        const QStringList want = expected.split(u"; "_s);
        QCOMPARE(rows.size(), want.size());
        double sum = 0;
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QStringList w = want[i].split(u' ');
            QCOMPARE(categoryId(rows[i].category), w[0]);
            QCOMPARE(rows[i].image, images.value(w[1][0]));
            QCOMPARE(rows[i].registry, registryOf(rows[i].image));
            QCOMPARE(rows[i].failures, w[2].toLongLong());
            QVERIFY2(std::abs(rows[i].sharePct - w[3].toDouble()) < 0.001,
                     qPrintable(QString::number(rows[i].sharePct)));
            sum += rows[i].sharePct;
        }
        QVERIFY(std::abs(sum - 100.0) < 1e-9);
    }

    void incidentsInRange()
    {
        Fixture f;
        const auto at = [](int s) { return T0 + s * Second; };
        QVERIFY(f.add({
            makeEvent(at(50), ImageA, Category::Dns),    // starts before the range
            makeEvent(at(150), ImageA, Category::None),  //   recovers inside
            makeEvent(at(200), ImageA, Category::Auth),  // inside, recovers inside
            makeEvent(at(260), ImageA, Category::None),  //   ttr 60 s
            makeEvent(at(500), ImageA, Category::Tls),   // inside, recovers after the range
            makeEvent(at(1100), ImageA, Category::None), //
            makeEvent(at(900), ImageB, Category::Disk),  // inside, still open
            makeEvent(at(1000), ImageC, Category::Disk), // starts at the range end: outside
        }));
        const QList<IncidentStats> list =
            valueOf(Aggregator(*f.store).incidents({}, {at(100), at(1000)}));
        QCOMPARE(list.size(), 3);
        QCOMPARE(list[0].image, ImageA);
        QCOMPARE(list[0].incident.start, at(200));
        QCOMPARE(list[0].incident.dominant, Category::Auth);
        QCOMPARE(list[0].ttrMs, 60 * Second);
        QCOMPARE(list[1].image, ImageA);
        QCOMPARE(list[1].incident.start, at(500));
        QCOMPARE(list[1].incident.recoveredAt, at(1100));
        QCOMPARE(list[1].ttrMs, -1); // not recovered inside the range
        QCOMPARE(list[2].image, ImageB);
        QCOMPARE(list[2].incident.start, at(900));
        QVERIFY(list[2].incident.isOpen());
        QCOMPARE(list[2].ttrMs, -1);

        // Filtered to one image.
        EventFilter onlyB;
        onlyB.images = {ImageB};
        const QList<IncidentStats> b =
            valueOf(Aggregator(*f.store).incidents(onlyB, {at(0), at(2000)}));
        QCOMPARE(b.size(), 1);
        QCOMPARE(b[0].image, ImageB);
    }

    void compareOrdering()
    {
        Fixture f;
        const QString alpine = u"docker.io/library/alpine:3"_s;
        const QString local = u"localhost:5000/x:1"_s;
        const QString quiet = u"quay.io/quiet/image:1"_s; // no events in the range
        QVERIFY(f.add({okAt(T0 + 1, ImageA), okAt(T0 + 2, ImageB), okAt(T0 + 3, ImageC),
                       okAt(T0 + 4, local), okAt(T0 + 5, alpine), okAt(T0 - Day, quiet)}));
        QVERIFY(f.store->setImageInfo(ImageA, u"b-group"_s, u"z-label"_s).ok());
        QVERIFY(f.store->setImageInfo(ImageB, u"b-group"_s, u"a-label"_s).ok());
        QVERIFY(f.store->setImageInfo(ImageC, u"a-group"_s, u"m"_s).ok());
        QVERIFY(f.store->setImageInfo(quiet, u"a-group"_s, u"a"_s).ok());
        const QList<CompareRow> rows = valueOf(Aggregator(*f.store).compare({}, {T0, T0 + Day}));
        QStringList order;
        for (const CompareRow &row : rows)
            order.append(row.group + u'/' + row.label + u'/' + row.image);
        QCOMPARE(order,
                 (QStringList{u"a-group/m/"_s + ImageC, u"b-group/a-label/"_s + ImageB,
                              u"b-group/z-label/"_s + ImageA, u"//"_s + alpine, u"//"_s + local}));
    }

    void compareMetrics()
    {
        Fixture f;
        const auto at = [](int s) { return T0 + s * Second; };
        QList<PullEvent> events = {
            makeEvent(at(0), ImageA, Category::Dns), // incident 1: ttr 60 s
            makeEvent(at(10), ImageA, Category::Dns),
            makeEvent(at(60), ImageA, Category::None, 30),
            makeEvent(at(100), ImageA, Category::Auth), // incident 2: ttr 120 s
            makeEvent(at(220), ImageA, Category::None, 20),
            makeEvent(at(300), ImageA, Category::Auth), // incident 3: open
        };
        for (int i = 0; i < 3; ++i) {
            PullEvent cold = okAt(at(-50 + i), ImageA, 200 + 10 * i); // 200, 210, 220
            cold.cold = true;
            events.append(cold);
        }
        events.append(okAt(at(-40), ImageA, 40));
        events.append(okAt(at(5), ImageB, 70));
        events.append(okAt(at(6), ImageB, 90));
        QVERIFY(f.add(events));
        QVERIFY(f.store->setImageInfo(ImageA, u"tools"_s, u"hub"_s).ok());
        QVERIFY(f.store->setImageInfo(ImageB, u"tools"_s, u"mirror"_s).ok());
        const QList<CompareRow> rows =
            valueOf(Aggregator(*f.store).compare({}, {T0 - Minute, T0 + Hour}));
        QCOMPARE(rows.size(), 2);
        const CompareRow &a = rows[0];
        QCOMPARE(a.image, ImageA);
        QCOMPARE(a.stats.total, 10);
        QCOMPARE(a.stats.ok, 6);
        QCOMPARE(a.incidents, 3);
        QCOMPARE(a.mttrS, 90.0);
        // Two dns and two auth failures: the tie goes to the more specific auth.
        QCOMPARE(a.stats.topCategory(), Category::Auth);
        QCOMPARE(a.coldP50, 210);
        QCOMPARE(a.warmP50, 30); // 20, 30, 40
        const CompareRow &b = rows[1];
        QCOMPARE(b.image, ImageB);
        QCOMPARE(b.incidents, 0);
        QCOMPARE(b.mttrS, -1.0);
        QCOMPARE(b.stats.topCategory(), Category::None);
        QCOMPARE(b.coldP50, -1);
        QCOMPARE(b.warmP50, 70);
        QCOMPARE(b.stats.availabilityPct(), 100.0);
    }

    void filtersByGroupAndImage_data()
    {
        QTest::addColumn<EventFilter>("filter");
        QTest::addColumn<QStringList>("images");
        EventFilter f;
        QTest::newRow("no filter") << f << QStringList{ImageA, ImageB, ImageC};
        f.groups = {u"keystone-tools"_s};
        QTest::newRow("group") << f << QStringList{ImageB, ImageC};
        f = {};
        f.images = {ImageC};
        QTest::newRow("image") << f << QStringList{ImageC};
        f = {};
        f.registries = {u"ghcr.io"_s};
        QTest::newRow("registry") << f << QStringList{ImageB};
        f = {};
        f.groups = {u"keystone-tools"_s};
        f.images = {ImageA};
        QTest::newRow("image outside the group") << f << QStringList{};
        f = {};
        f.groups = {u"nope"_s};
        QTest::newRow("unknown group") << f << QStringList{};
    }

    void filtersByGroupAndImage()
    {
        QFETCH(EventFilter, filter);
        QFETCH(QStringList, images);
        const Aggregator agg(*m_random->store);
        const TimeRange range{T0 + 7 * Hour + 3, T0 + 4 * Day - 11};
        QStringList compared;
        for (const CompareRow &row : valueOf(agg.compare(filter, range)))
            compared.append(row.image);
        std::sort(compared.begin(), compared.end());
        QCOMPARE(compared, images);

        QSet<QString> inBreakdown;
        for (const BreakdownRow &row : valueOf(agg.breakdown(filter, range)))
            inBreakdown.insert(row.image);
        QCOMPARE(inBreakdown, QSet<QString>(images.begin(), images.end()));

        QSet<QString> withIncidents;
        for (const IncidentStats &i : valueOf(agg.incidents(filter, range)))
            withIncidents.insert(i.image);
        QVERIFY(withIncidents.subtract(QSet<QString>(images.begin(), images.end())).isEmpty());

        for (const CompareRow &row : valueOf(agg.compare(filter, range))) {
            qint64 total = 0, ok = 0;
            for (const PullEvent &e : m_randomEvents) {
                if (e.image == row.image && range.contains(e.ts)) {
                    ++total;
                    ok += e.ok;
                }
            }
            QCOMPARE(row.stats.total, total);
            QCOMPARE(row.stats.ok, ok);
            QCOMPARE(row.group, m_groups.value(row.image));
        }
    }
};

QTEST_GUILESS_MAIN(TstAggregator)
#include "tst_aggregator.moc"
