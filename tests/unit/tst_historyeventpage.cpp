// HistoryStore::eventPage: newest first, keyset paging without gaps or repeats (also among
// events of the same millisecond), filters and search in SQL.
#include "referencehistory.h"
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

class TstHistoryEventPage : public QObject
{
    Q_OBJECT

private slots:
    void pagesCoverEverythingOnce();
    void filterAndSearch();
};

namespace {
const QString A = u"docker.io/library/busybox:latest"_s;
const QString B = u"nixery.dev/shell/jq:latest"_s;
const TimeRange All{T0 - Day, T0 + 10 * Day};

std::unique_ptr<SqliteHistoryStore> history(const TestDir &dir)
{
    auto store = openStore(dir.path(u"h.db"_s));
    QList<PullEvent> events;
    for (int i = 0; i < 100; ++i) {
        // Three events share each millisecond.
        PullEvent e = makeEvent(T0 + (i / 3) * Minute, i % 2 ? A : B,
                                i % 5 == 0 ? Category::Timeout : Category::None, i);
        e.message = i == 42 ? u"toomanyrequests: 100% of the quota_used"_s : u"pull %1"_s.arg(i);
        events.append(e);
    }
    if (!store || !store->append(events))
        return nullptr;
    return store;
}
} // namespace

void TstHistoryEventPage::pagesCoverEverythingOnce()
{
    TestDir dir;
    auto store = history(dir);
    QVERIFY(store);
    EventPageQuery query;
    query.range = All;
    query.limit = 7;
    QList<qint64> ids;
    QList<qint64> latencies;
    while (true) {
        const auto page = store->eventPage(query);
        QVERIFY(page.ok());
        for (const StoredEvent &stored : *page) {
            ids.append(stored.id);
            latencies.append(stored.event.latencyMs);
        }
        if (page->size() < query.limit)
            break;
        query.beforeId = page->last().id;
    }
    QCOMPARE(ids.size(), 100);
    QVERIFY(std::is_sorted(ids.crbegin(), ids.crend())); // newest first
    QCOMPARE(QSet<qint64>(ids.cbegin(), ids.cend()).size(), 100);
    // The events come back whole, newest (the last appended) first.
    QCOMPARE(latencies.first(), 99);
    QCOMPARE(latencies.last(), 0);

    // Oldest first: the cursor moves the other way, and the pages cover the same events.
    QList<qint64> ascending;
    query = EventPageQuery();
    query.range = All;
    query.limit = 7;
    query.oldestFirst = true;
    while (true) {
        const auto page = store->eventPage(query);
        QVERIFY(page.ok());
        for (const StoredEvent &stored : *page)
            ascending.append(stored.id);
        if (page->size() < query.limit)
            break;
        query.afterId = page->last().id;
    }
    std::reverse(ascending.begin(), ascending.end());
    QCOMPARE(ascending, ids);

    // Live: what arrived after the newest row shown.
    query = EventPageQuery();
    query.range = All;
    query.afterId = ids[3];
    const auto newer = store->eventPage(query);
    QVERIFY(newer.ok());
    QCOMPARE(newer->size(), 3);
    QCOMPARE(newer->first().id, ids[0]);
}

void TstHistoryEventPage::filterAndSearch()
{
    TestDir dir;
    auto store = history(dir);
    QVERIFY(store);
    EventPageQuery query;
    query.range = All;
    query.filter.images = {A};
    query.filter.ok = false;
    auto page = store->eventPage(query);
    QVERIFY(page.ok());
    QCOMPARE(page->size(), 10); // odd i with i % 5 == 0: 5, 15, …, 95
    for (const StoredEvent &stored : *page) {
        QCOMPARE(stored.event.image, A);
        QCOMPARE(stored.event.category, Category::Timeout);
    }

    // Search: a substring of the message, with LIKE's wildcards taken literally.
    EventPageQuery search;
    search.range = All;
    search.search = u"100% of the QUOTA_used"_s;
    page = store->eventPage(search);
    QVERIFY(page.ok());
    QCOMPARE(page->size(), 1);
    QCOMPARE(page->first().event.latencyMs, 42);
    search.search = u"0%"_s; // no message has "0" followed by any text the wildcard would allow
    page = store->eventPage(search);
    QVERIFY(page.ok());
    QCOMPARE(page->size(), 1);
    // …or of the image.
    search.search = u"nixery.dev/shell"_s;
    page = store->eventPage(search);
    QVERIFY(page.ok());
    QCOMPARE(page->size(), 50);
}

QTEST_GUILESS_MAIN(TstHistoryEventPage)
#include "tst_historyeventpage.moc"
