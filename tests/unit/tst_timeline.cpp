// The Timeline page's data: digest changes kept by the store (across reopen, out-of-order
// appends and rebuilds), computeTimeline's buckets on a real SQLite history, TimelineModel (and
// the other dashboard models) under QAbstractItemModelTester, and min/max decimation.
#include "analysis/Decimation.h"
#include "items/EventsModel.h"
#include "items/FailureCountModel.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "history/sqlite/SqliteSchema.h"
#include "items/TimelineModel.h"
#include "testutil.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
constexpr qint64 T0 = 1'747'526'400'000; // 2025-05-18T00:00:00Z
constexpr qint64 Minute = 60'000;
constexpr qint64 Hour = 60 * Minute;
const QString ImageA = u"nixery.dev/shell/jq"_s;
const QString ImageB = u"ghcr.io/example/tools:latest"_s;

PullEvent pull(qint64 ts, const QString &image, bool ok, const QString &digest = {},
               Source source = Source::Probe, qint64 latency = 100)
{
    PullEvent e;
    e.ts = ts;
    e.image = image;
    e.registry = image.section(u'/', 0, 0);
    e.ok = ok;
    e.category = ok ? Category::None : Category::Timeout;
    e.digest = digest;
    e.source = source;
    e.latencyMs = latency;
    return e;
}

QString digest(char c)
{
    return u"sha256:"_s + QString(64, QLatin1Char(c));
}

QList<qint64> changeTimes(const HistoryStore &store, const TimeRange &range = {0, T0 + 1000 * Hour})
{
    QList<qint64> times;
    auto changes = store.digestChanges({}, range);
    if (changes) {
        for (const DigestChange &c : *changes)
            times << c.ts;
    }
    return times;
}
} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private slots:
    void digestChangesFollowProbes();
    void digestChangesSurviveReopenAndReorder();
    void timelineBuckets();
    void timelineModel();
    void timelineModelKeepsSelectionOnRefresh();
    void otherModelsPassTheTester();
    void decimation_data();
    void decimation();
    void decimationKeepsSpikes();
};

void TestTimeline::digestChangesFollowProbes()
{
    TestDir dir;
    auto store = SqliteHistoryStore::open(dir.path(u"h.db"_s));
    QVERIFY(store);
    QVERIFY((*store)->append(std::vector<PullEvent>{
        pull(T0, ImageA, true, digest('a')),
        pull(T0 + Minute, ImageA, false),                             // a failure has no digest
        pull(T0 + 2 * Minute, ImageA, true, digest('a')),             // same: no change
        pull(T0 + 3 * Minute, ImageA, true, digest('c'), Source::Ci), // CI: not counted
        pull(T0 + 4 * Minute, ImageA, true, digest('b')),             // change a → b
        pull(T0 + 5 * Minute, ImageB, true, digest('x')),             // first sight: not a change
        pull(T0 + 6 * Minute, ImageA, true, digest('a')),             // change b → a
    }));
    const auto changes = (*store)->digestChanges({}, {T0, T0 + Hour});
    QVERIFY(changes);
    QCOMPARE(changes->size(), 2);
    QCOMPARE(changes->at(0).ts, T0 + 4 * Minute);
    QCOMPARE(changes->at(0).previous, digest('a'));
    QCOMPARE(changes->at(0).digest, digest('b'));
    QCOMPARE(changes->at(1).previous, digest('b'));
    QCOMPARE(changes->at(1).digest, digest('a'));
    // Filters and ranges apply.
    EventFilter onlyB;
    onlyB.images = {ImageB};
    QVERIFY((*store)->digestChanges(onlyB, {T0, T0 + Hour})->isEmpty());
    QCOMPARE(changeTimes(**store, {T0 + 5 * Minute, T0 + Hour}), QList<qint64>{T0 + 6 * Minute});
}

void TestTimeline::digestChangesSurviveReopenAndReorder()
{
    TestDir dir;
    const QString path = dir.path(u"h.db"_s);
    {
        auto store = SqliteHistoryStore::open(path);
        QVERIFY((*store)->append(std::vector<PullEvent>{pull(T0, ImageA, true, digest('a'))}));
    }
    auto store = SqliteHistoryStore::open(path);
    QVERIFY(store);
    // The next batch continues from what the file remembers.
    QVERIFY((*store)->append(std::vector<PullEvent>{pull(T0 + Hour, ImageA, true, digest('b'))}));
    QCOMPARE(changeTimes(**store), QList<qint64>{T0 + Hour});
    // An older probe result arrives late: the image's changes are recomputed in time order.
    QVERIFY((*store)->append(
        std::vector<PullEvent>{pull(T0 + 30 * Minute, ImageA, true, digest('c'))}));
    QCOMPARE(changeTimes(**store), (QList<qint64>{T0 + 30 * Minute, T0 + Hour}));
    // Another connection sees the same; a rebuild from raw events gives the same.
    auto other = SqliteHistoryStore::open(path);
    QCOMPARE(changeTimes(**other), (QList<qint64>{T0 + 30 * Minute, T0 + Hour}));
    QVERIFY((*store)->rebuildDerived());
    QCOMPARE(changeTimes(**store), (QList<qint64>{T0 + 30 * Minute, T0 + Hour}));
    QCOMPARE((*store)->schemaVersion(), sqliteschema::Version);
}

void TestTimeline::timelineBuckets()
{
    TestDir dir;
    auto store = SqliteHistoryStore::open(dir.path(u"h.db"_s));
    QVERIFY(store);
    QVERIFY((*store)->setImageInfo(ImageA, u"tools"_s, u"nixery"_s));
    QVERIFY((*store)->setImageInfo(ImageB, u"tools"_s, u"self-hosted"_s));
    std::vector<PullEvent> events{
        // hour 0: A up (latencies 100, 300), B down
        pull(T0 + 10 * Minute, ImageA, true, digest('a'), Source::Probe, 100),
        pull(T0 + 20 * Minute, ImageA, true, digest('a'), Source::Probe, 300),
        pull(T0 + 30 * Minute, ImageB, false),
        // hour 1: A degraded (a CI failure with a long pull time), digest changes
        pull(T0 + Hour + 5 * Minute, ImageA, false, {}, Source::Ci, 90'000),
        pull(T0 + Hour + 10 * Minute, ImageA, true, digest('b'), Source::Probe, 200),
        // hour 2: nothing; hour 3: B up
        pull(T0 + 3 * Hour + Minute, ImageB, true, digest('x')),
    };
    QVERIFY((*store)->append(events));

    auto timeline = computeTimeline(**store, {}, {T0, T0 + 4 * Hour}, Hour);
    QVERIFY(timeline);
    QCOMPARE(timeline->bucketCount, 4);
    QCOMPARE(timeline->rows.size(), 2);
    const TimelineRow &a = timeline->rows[0]; // grouped by label: nixery before self-hosted
    const TimelineRow &b = timeline->rows[1];
    QCOMPARE(a.image, ImageA);
    QCOMPARE(a.buckets[0].state(), BucketState::Up);
    QCOMPARE(a.buckets[1].state(), BucketState::Degraded);
    QCOMPARE(a.buckets[2].state(), BucketState::NoData); // never drawn as down
    QCOMPARE(b.buckets[0].state(), BucketState::Down);
    QCOMPARE(b.buckets[3].state(), BucketState::Up);
    // Latency from probes only: the CI pull's 90 s stays out of the chart.
    QCOMPARE(a.probes[1].latency.count(), 1);
    QCOMPARE(a.probes[1].latency.percentile(95), 200);
    QCOMPARE(a.probes[0].latency.percentile(50), 100);
    QCOMPARE(a.ciFailures, (QList<qint64>{0, 1, 0, 0}));
    QCOMPARE(a.digests.size(), 1);
    QCOMPARE(a.digests[0].ts, T0 + Hour + 10 * Minute);
    QVERIFY(b.digests.isEmpty());

    // A ragged range: buckets still start on the hour; probes only: no CI marks.
    EventFilter probes;
    probes.source = Source::Probe;
    timeline = computeTimeline(**store, probes, {T0 + 30 * Minute, T0 + 2 * Hour}, Hour);
    QVERIFY(timeline);
    QCOMPARE(timeline->firstBucket, T0);
    QCOMPARE(timeline->bucketCount, 2);
    QCOMPARE(timeline->rows[0].ciFailures, (QList<qint64>{0, 0}));
    QCOMPARE(timeline->rows[0].buckets[0].total, 0); // A's hour-0 probes were before 00:30
    QCOMPARE(timeline->rows[0].buckets[1].state(), BucketState::Up);
}

namespace {
TimelineData sampleTimeline(int buckets)
{
    TimelineData t;
    t.range = {T0, T0 + buckets * Hour};
    t.bucketMs = Hour;
    t.firstBucket = T0;
    t.bucketCount = buckets;
    for (const auto &[id, image] : {std::pair{1, ImageA}, std::pair{2, ImageB}}) {
        TimelineRow row;
        row.imageId = id;
        row.image = image;
        for (int i = 0; i < buckets; ++i) {
            BucketStats s;
            s.imageId = id;
            s.bucketStart = T0 + i * Hour;
            s.bucketEnd = s.bucketStart + Hour;
            s.total = i % 3;
            s.ok = i % 3 == 2 ? 1 : s.total;
            if (s.total > s.ok)
                s.failures[int(Category::Timeout)] = s.total - s.ok;
            row.buckets << s;
        }
        row.probes = row.buckets;
        row.ciFailures.fill(0, buckets);
        t.rows << row;
    }
    return t;
}
} // namespace

void TestTimeline::timelineModel()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTimeline(sampleTimeline(6));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 6);
    QCOMPARE(model.index(0, 0).data(TimelineModel::StateRole).toInt(), int(BucketState::NoData));
    QCOMPARE(model.index(0, 1).data(TimelineModel::StateRole).toInt(), int(BucketState::Up));
    QCOMPARE(model.index(0, 2).data(TimelineModel::StateRole).toInt(), int(BucketState::Degraded));
    QCOMPARE(model.index(0, 2).data(TimelineModel::AvailabilityRole).toDouble(), 50.0);
    QCOMPARE(model.index(0, 0).data(TimelineModel::AvailabilityRole).toDouble(), -1.0);
    QCOMPARE(model.index(1, 3).data(TimelineModel::BucketStartRole).toLongLong(), T0 + 3 * Hour);
    QCOMPARE(model.headerData(1, Qt::Vertical, TimelineModel::ImageRole).toString(), ImageB);
    const QString tip = model.index(0, 2).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(u"Degraded: 1 of 2 pulls ok (50.0 %)"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"Timeout: 1 failed"_s), qPrintable(tip));
    QVERIFY(model.index(0, 0).data(Qt::ToolTipRole).toString().contains(u"No pulls"_s));
    QCOMPARE(model.index(0, 0).data(Qt::AccessibleTextRole).toString(), u"No data"_s);
    QCOMPARE(model.rowOf(2), 1);
    QCOMPARE(model.rowOf(7), -1);
}

void TestTimeline::timelineModelKeepsSelectionOnRefresh()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTimeline(sampleTimeline(6));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const QPersistentModelIndex kept = model.index(1, 4);
    model.setTimeline(sampleTimeline(6)); // the same images: figures change in place
    QCOMPARE(resets.size(), 0);
    QCOMPARE(changed.size(), 1);
    QVERIFY(kept.isValid());
    model.setTimeline(sampleTimeline(4)); // a shorter range: columns go, rows stay
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.columnCount(), 4);
    QVERIFY(!kept.isValid());
    model.setTimeline(sampleTimeline(9));
    QCOMPARE(model.columnCount(), 9);
    TimelineData other = sampleTimeline(9);
    other.rows.removeLast(); // another set of images: a reset
    model.setTimeline(other);
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 1);
}

void TestTimeline::otherModelsPassTheTester()
{
    EventsModel events;
    QSignalSpy wanted(&events, &EventsModel::moreWanted);
    // The tester fetches as a view would: the first page is asked for at once.
    QAbstractItemModelTester eventsTester(&events,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<StoredEvent> page;
    for (int i = 0; i < 3; ++i)
        page << StoredEvent{100 - i, pull(T0 - i * Minute, ImageA, i != 1)};
    events.fetchMore({}); // already waiting: not asked twice
    QCOMPARE(wanted.size(), 1);
    events.appendPage(page, 3);
    QCOMPARE(events.rowCount(), 3);
    events.fetchMore({});
    QCOMPARE(wanted.last().at(0).toLongLong(), 98); // the page after the oldest row
    events.appendPage({}, 3);
    QVERIFY(!events.canFetchMore({}));
    const QPersistentModelIndex selected = events.index(1, EventsModel::OutcomeColumn);
    events.prependNewer({StoredEvent{102, pull(T0 + 2 * Minute, ImageB, true)},
                         StoredEvent{101, pull(T0 + Minute, ImageB, false)}});
    QCOMPARE(events.rowCount(), 5);
    QCOMPARE(events.newestId(), 102);
    QCOMPARE(selected.row(), 3); // the same event, two rows further down
    QCOMPARE(selected.data(EventsModel::EventIdRole).toLongLong(), 99);

    FailureCountModel counts(u"Category"_s);
    QAbstractItemModelTester countsTester(&counts,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    counts.setCounts(
        {{u"timeout"_s, Category::Timeout, 3, 75.0}, {u"dns"_s, Category::Dns, 1, 25.0}});
    QCOMPARE(counts.rowCount(), 2);
    counts.setCounts({});
    QCOMPARE(counts.rowCount(), 0);
}

void TestTimeline::decimation_data()
{
    QTest::addColumn<int>("points");
    QTest::addColumn<int>("columns");
    QTest::addColumn<int>("expected"); // -1: at most 2 per column

    QTest::newRow("fewer than two per column: unchanged") << 150 << 100 << 150;
    QTest::newRow("exactly two per column: unchanged") << 200 << 100 << 200;
    QTest::newRow("a million points into 800 columns") << 1'000'000 << 800 << -1;
    QTest::newRow("one column") << 1000 << 1 << 2;
    QTest::newRow("empty") << 0 << 100 << 0;
}

void TestTimeline::decimation()
{
    QFETCH(int, points);
    QFETCH(int, columns);
    QFETCH(int, expected);
    QList<QPointF> series;
    for (int i = 0; i < points; ++i)
        series.append({double(i), std::sin(i / 50.0) * 100 + (i % 7)});
    const QList<QPointF> out = decimateMinMax(series, 0, std::max(1, points - 1), columns);
    if (expected >= 0)
        QCOMPARE(out.size(), expected);
    else
        QVERIFY(out.size() <= 2 * columns && out.size() >= columns);
    QVERIFY(std::is_sorted(out.cbegin(), out.cend(),
                           [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); }));
    // The extremes of the whole series are never lost.
    if (points > 0) {
        const auto byY = [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); };
        QCOMPARE(std::max_element(out.cbegin(), out.cend(), byY)->y(),
                 std::max_element(series.cbegin(), series.cend(), byY)->y());
        QCOMPARE(std::min_element(out.cbegin(), out.cend(), byY)->y(),
                 std::min_element(series.cbegin(), series.cend(), byY)->y());
    }
}

void TestTimeline::decimationKeepsSpikes()
{
    // A flat line at 100 ms with single-sample spikes (a cold nixery build) and one dip.
    QList<QPointF> series;
    for (int i = 0; i < 100'000; ++i)
        series.append({double(i), 100});
    for (const int at : {3, 12'345, 50'000, 99'998})
        series[at].setY(40'000);
    series[77'777].setY(1);
    const QList<QPointF> out = decimateMinMax(series, 0, 99'999, 640);
    QVERIFY(out.size() <= 2 * 640);
    for (const int at : {3, 12'345, 50'000, 99'998})
        QVERIFY2(out.contains(QPointF(at, 40'000)), qPrintable(QString::number(at)));
    QVERIFY(out.contains(QPointF(77'777, 1)));
    // Points outside the span are dropped, not squeezed onto its edges.
    QCOMPARE(decimateMinMax(series, 10, 19, 100).size(), 10);
}

QTEST_GUILESS_MAIN(TestTimeline)
#include "tst_timeline.moc"
