// HistoryService: answers come from a worker thread, only the latest request of a kind is
// answered, and an unchanged history is answered again without recomputing a stale view.
#include "services/HistoryService.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

class TestHistoryService : public QObject
{
    Q_OBJECT

private slots:
    void answersTheLatestRequest();
    void watchesTheHistory();
};

void TestHistoryService::answersTheLatestRequest()
{
    TestDir dir;
    const QString path = dir.path(u"h.db"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        auto store = openStore(path);
        QVERIFY(store);
        QList<PullEvent> events;
        for (int i = 0; i < 50; ++i)
            events << makeEvent(now - i * Minute, u"ghcr.io/a/b:1"_s);
        QVERIFY(store->append(events).ok());
    }
    HistoryService service(path);
    QSignalSpy overview(&service, &DashboardData::overviewReady);
    QSignalSpy sizes(&service, &DashboardData::historySize);
    QSignalSpy failed(&service, &DashboardData::failed);

    // Three quick requests: the last one's answer arrives, the others are dropped.
    EventFilter none;
    none.images = {u"no/such:image"_s};
    service.requestOverview(none);
    service.requestOverview(none);
    service.requestOverview({});
    QTRY_COMPARE(overview.size(), 1);
    QTest::qWait(200);
    QCOMPARE(overview.size(), 1);
    auto rows = overview.last().first().value<QList<OverviewRow>>();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().availability24h, 100.0);
    QCOMPARE(sizes.last().first().toLongLong(), 50);

    // A new event written by another process shows up on the next request.
    {
        auto writer = openStore(path);
        QVERIFY(writer);
        const PullEvent failure = makeEvent(now, u"ghcr.io/a/b:1"_s, Category::Timeout);
        QVERIFY(writer->append({&failure, 1}).ok());
    }
    service.requestOverview({});
    QTRY_COMPARE(overview.size(), 2);
    rows = overview.last().first().value<QList<OverviewRow>>();
    QCOMPARE(rows.first().availability24h, 100.0 * 50 / 51);
    QCOMPARE(rows.first().lastFailure, Category::Timeout);

    // Unchanged: answered again, same rows.
    service.requestOverview({});
    QTRY_COMPARE(overview.size(), 3);
    QCOMPARE(overview.last().first().value<QList<OverviewRow>>(), rows);

    // Pages of events and the comparison come the same way.
    QSignalSpy events(&service, &DashboardData::eventsReady);
    EventPageQuery page;
    page.range = {now - Day, now + 1};
    page.limit = 10;
    service.requestEvents(page);
    QTRY_COMPARE(events.size(), 1);
    QCOMPARE(events.last().at(1).value<QList<StoredEvent>>().size(), 10);
    QSignalSpy compare(&service, &DashboardData::compareReady);
    service.requestCompare({}, {now - Day, now + 1});
    // The quick answer, then the same with the verdicts (the quick one is dropped when the
    // judged one came first); never more.
    QTRY_VERIFY(!compare.isEmpty() && compare.last().first().value<ComparisonData>().judged);
    QTest::qWait(200);
    QVERIFY(compare.size() <= 2);
    QCOMPARE(compare.last().first().value<ComparisonData>().rows.first().stats.total, 51);
    QCOMPARE(failed.size(), 0);
}

void TestHistoryService::watchesTheHistory()
{
    TestDir dir;
    const QString path = dir.path(u"h.db"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        auto store = openStore(path);
        QVERIFY(store);
        const PullEvent ok = makeEvent(now - Minute, u"ghcr.io/a/b:1"_s);
        QVERIFY(store->append({&ok, 1}).ok());
    }
    HistoryService service(path);
    QSignalSpy changed(&service, &DashboardData::historyChanged);
    QSignalSpy images(&service, &DashboardData::imagesChanged);
    QSignalSpy status(&service, &DashboardData::statusNow);

    // At first: the filter's choices and every image's status, without a "changed".
    QTRY_COMPARE(images.size(), 1);
    QTRY_COMPARE(status.size(), 1);
    QCOMPARE(images.last().first().value<QList<ImageInfo>>().size(), 1);
    QCOMPARE(status.last().first().value<QList<OverviewRow>>().first().statusNow, BucketState::Up);
    QCOMPARE(changed.size(), 0);

    // Another process writes: a failure and a new image. Within a watch tick or two the
    // pages hear of it, the new image joins the choices and the status follows.
    {
        auto writer = openStore(path);
        QVERIFY(writer);
        const QList<PullEvent> more{makeEvent(now, u"ghcr.io/a/b:1"_s, Category::Timeout),
                                    makeEvent(now, u"quay.io/c/d:2"_s)};
        QVERIFY(writer->append(more).ok());
    }
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 3 * HistoryService::WatchMs);
    QTRY_COMPARE(images.size(), 2);
    QCOMPARE(images.last().first().value<QList<ImageInfo>>().size(), 2);
    QTRY_COMPARE(status.size(), 2);
    const auto rows = status.last().first().value<QList<OverviewRow>>();
    QCOMPARE(rows.size(), 2);
    for (const OverviewRow &row : rows)
        QCOMPARE(row.statusNow,
                 row.image == u"ghcr.io/a/b:1"_s ? BucketState::Down : BucketState::Up);
    // Quiet again: no more announcements.
    QTest::qWait(HistoryService::WatchMs + 500);
    QCOMPARE(changed.size(), 1);
}

QTEST_GUILESS_MAIN(TestHistoryService)
#include "tst_historyservice.moc"
