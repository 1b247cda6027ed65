// The Overview page's data: computeOverview against a small history whose answers are known,
// and OverviewModel's merge (rows keep their identity across refreshes), under
// QAbstractItemModelTester.
#include "items/OverviewModel.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

class TestOverviewModel : public QObject
{
    Q_OBJECT

private slots:
    void computesTheFigures();
    void mergeKeepsRows();
    void formats();
};

namespace {
const QString Nixery = u"nixery.dev/shell/jq:latest"_s;
const QString SelfHosted = u"ghcr.io/acme/tools:latest"_s;
const QString Hub = u"docker.io/library/busybox:latest"_s;
// "Now" is 72 h after T0, on the hour.
constexpr qint64 Now = T0 + 72 * Hour;
const QString DigestA = u"sha256:"_s + QString(64, u'a');
const QString DigestB = u"sha256:"_s + QString(64, u'b');

// Hourly probes over three days. Nixery: the last day has 2 timeouts (hours 50 and 60) and its
// digest changes at hour 60. Self-hosted: always ok. Busybox (ungrouped): rate-limited at the
// last probe (hour 71), ok before.
std::unique_ptr<SqliteHistoryStore> makeHistory(const TestDir &dir)
{
    auto store = openStore(dir.path(u"h.db"_s));
    if (!store)
        return nullptr;
    QList<PullEvent> events;
    for (int h = 0; h < 72; ++h) {
        const qint64 ts = T0 + h * Hour + 5 * Minute;
        PullEvent n =
            makeEvent(ts, Nixery, (h == 50 || h == 60) ? Category::Timeout : Category::None,
                      (h == 50 || h == 60) ? 300'000 : 1000 + h);
        n.digest = n.ok ? (h > 60 ? DigestB : DigestA) : QString();
        PullEvent s = makeEvent(ts, SelfHosted, Category::None, 100);
        s.digest = DigestA;
        events << n << s << makeEvent(ts, Hub, h == 71 ? Category::RateLimit : Category::None, 50);
    }
    if (!store->append(events) || !store->setImageInfo(Nixery, u"tools"_s, u"nixery"_s) ||
        !store->setImageInfo(SelfHosted, u"tools"_s, u"self-hosted"_s))
        return nullptr;
    return store;
}
} // namespace

void TestOverviewModel::computesTheFigures()
{
    TestDir dir;
    auto store = makeHistory(dir);
    QVERIFY(store);
    const auto rows = computeOverview(*store, {}, Now);
    QVERIFY2(rows.ok(), rows.ok() ? "" : qPrintable(rows.error()));
    QCOMPARE(rows->size(), 3);
    // Grouped first (by label), then the rest.
    QCOMPARE((*rows)[0].image, Nixery);
    QCOMPARE((*rows)[1].image, SelfHosted);
    QCOMPARE((*rows)[2].image, Hub);

    const OverviewRow &nixery = (*rows)[0];
    QCOMPARE(nixery.group, u"tools"_s);
    QCOMPARE(nixery.label, u"nixery"_s);
    QCOMPARE(nixery.statusNow, BucketState::Up);
    QCOMPARE(nixery.availability24h, 100.0 * 22 / 24); // hours 48..71, two timeouts
    QCOMPARE(nixery.availability7d, 100.0 * 70 / 72);
    QCOMPARE(nixery.availability30d, 100.0 * 70 / 72);
    QVERIFY(nixery.latencyP95Ms >= 299'000); // the timeouts are in the top 5 %
    QCOMPARE(nixery.digest, DigestB);
    QVERIFY(nixery.digestChanged);
    QCOMPARE(nixery.lastFailure, Category::Timeout);
    QCOMPARE(nixery.lastFailureTs, T0 + 60 * Hour + 5 * Minute);
    QCOMPARE(nixery.heartbeat.size(), OverviewRow::HeartbeatBuckets);
    // The heartbeat covers hours 25..72 (the current hour included): hour 50 is bucket 25.
    QCOMPARE(nixery.heartbeat[25], BucketState::Down);
    QCOMPARE(nixery.heartbeat[24], BucketState::Up);
    QCOMPARE(nixery.heartbeat.last(), BucketState::NoData); // hour 72 has no probe yet

    const OverviewRow &selfHosted = (*rows)[1];
    QCOMPARE(selfHosted.availability24h, 100.0);
    QCOMPARE(selfHosted.latencyP95Ms, 100);
    QVERIFY(!selfHosted.digestChanged);
    QCOMPARE(selfHosted.lastFailureTs, -1);

    const OverviewRow &hub = (*rows)[2];
    QCOMPARE(hub.group, QString());
    QCOMPARE(hub.statusNow, BucketState::Down);
    QCOMPARE(hub.lastFailure, Category::RateLimit);
    QVERIFY(hub.digest.isEmpty());

    // The filter narrows the rows.
    EventFilter filter;
    filter.groups = {u"tools"_s};
    const auto grouped = computeOverview(*store, filter, Now);
    QVERIFY(grouped.ok());
    QCOMPARE(grouped->size(), 2);
}

void TestOverviewModel::mergeKeepsRows()
{
    TestDir dir;
    auto store = makeHistory(dir);
    QVERIFY(store);
    const auto rows = computeOverview(*store, {}, Now);
    QVERIFY(rows.ok());

    OverviewModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows(*rows, Now);
    QCOMPARE(model.rowCount(), 3);
    QPersistentModelIndex hub = model.index(2, OverviewModel::ImageColumn);
    QCOMPARE(hub.data(OverviewModel::RawRole).toString(), Hub);

    // A refresh where the nixery image disappeared and the hub image moved to the top.
    QList<OverviewRow> next = *rows;
    next.removeFirst();
    next.move(1, 0);
    next[0].availability24h = 50.0;
    model.setRows(next, Now + Hour);
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(hub.isValid());
    QCOMPARE(hub.row(), 0);
    QCOMPARE(hub.data(OverviewModel::RawRole).toString(), Hub);
    QCOMPARE(model.index(0, OverviewModel::Availability24hColumn).data().toString(), u"50.0 %"_s);

    // Roles for the delegate and for sorting.
    const QList<int> heartbeat = model.index(0, OverviewModel::HeartbeatColumn)
                                     .data(OverviewModel::HeartbeatRole)
                                     .value<QList<int>>();
    QCOMPARE(heartbeat.size(), OverviewRow::HeartbeatBuckets);
    QCOMPARE(model.index(0, OverviewModel::StatusColumn).data().toString(), u"Down"_s);
    QCOMPARE(model.index(0, OverviewModel::LastFailureColumn).data().toString(),
             u"Rate limit, 1 h ago"_s);
    model.setRows({}, Now);
    QCOMPARE(model.rowCount(), 0);
}

void TestOverviewModel::formats()
{
    QCOMPARE(formatPercent(99.9712), u"99.97 %"_s);
    QCOMPARE(formatPercent(100), u"100 %"_s);
    QCOMPARE(formatPercent(97.14), u"97.1 %"_s);
    QCOMPARE(formatPercent(-1), u"—"_s);
    QCOMPARE(formatLatency(420), u"420 ms"_s);
    QCOMPARE(formatLatency(38'200), u"38.2 s"_s);
    QCOMPARE(formatLatency(1'500), u"1.50 s"_s);
    QCOMPARE(formatAge(90 * 1000), u"1 min ago"_s);
    QCOMPARE(formatAge(3 * 86400 * 1000LL), u"3 d ago"_s);
}

QTEST_GUILESS_MAIN(TestOverviewModel)
#include "tst_overviewmodel.moc"
