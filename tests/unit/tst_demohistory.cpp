// The demo history must tell the story pullwatch exists for: nixery slow on cold builds and
// failing in bursts, self-hosted steady, Docker Hub rate-limited; and exercise CSV quoting.
#include "analysis/Aggregator.h"
#include "demo/DemoHistory.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "testutil.h"

#include <QTest>

using namespace pw;
using namespace Qt::StringLiterals;

namespace {
constexpr qint64 End = 1764000000000; // 2025-11-24T16:00:00Z
constexpr qint64 Span = qint64(30) * 86400000;

std::unique_ptr<SqliteHistoryStore> demoStore(const QString &path, qint64 events, quint32 seed)
{
    auto store = SqliteHistoryStore::open(path);
    if (!store)
        return nullptr;
    if (!DemoHistory::write(**store, DemoOptions{events, End, Span, seed}))
        return nullptr;
    return std::move(*store);
}

const CompareRow *rowOf(const QList<CompareRow> &rows, const QString &group, const QString &label)
{
    for (const CompareRow &row : rows) {
        if (row.group == group && row.label == label)
            return &row;
    }
    return nullptr;
}
} // namespace

class TstDemoHistory : public QObject
{
    Q_OBJECT

private slots:
    void tellsTheNixeryStory()
    {
        TestDir dir;
        auto store = demoStore(dir.path(u"demo.db"_s), 60000, 7);
        QVERIFY(store);
        QCOMPARE(store->eventCount(), qint64(60000));
        const TimeRange all{End - Span, End};
        QVERIFY(store->span().from >= all.from && store->span().to <= all.to);

        const Result<QList<CompareRow>> rows = Aggregator(*store).compare({}, all);
        QVERIFY(rows.ok());
        for (const QString &group : {u"keystone-tools"_s, u"kube-tools"_s}) {
            const CompareRow *nixery = rowOf(*rows, group, u"nixery"_s);
            const CompareRow *selfHosted = rowOf(*rows, group, u"self-hosted"_s);
            QVERIFY(nixery && selfHosted);
            QVERIFY(nixery->image.startsWith(u"nixery.dev/"_s));
            QVERIFY2(nixery->stats.availabilityPct() < selfHosted->stats.availabilityPct(),
                     qPrintable(group));
            QVERIFY(selfHosted->stats.availabilityPct() > 99.0);
            // Cold builds take tens of seconds, warm pulls a couple.
            QVERIFY(nixery->coldP50 > 10 * nixery->warmP50);
            QVERIFY(nixery->stats.latency.percentile(95) >
                    selfHosted->stats.latency.percentile(95));
            QVERIFY(nixery->stats.failures[int(Category::Timeout)] > 0);
            QVERIFY(nixery->stats.failures[int(Category::ServerError)] > 0);
        }
        const auto hub = std::find_if(rows->begin(), rows->end(), [](const CompareRow &r) {
            return r.image == u"docker.io/library/busybox:latest"_s;
        });
        QVERIFY(hub != rows->end());
        QCOMPARE(hub->stats.topCategory(), Category::RateLimit);
        QVERIFY(hub->group.isEmpty()); // ungrouped images are compared on their own
    }

    void hasCiContextAndAwkwardMessages()
    {
        TestDir dir;
        auto store = demoStore(dir.path(u"demo.db"_s), 60000, 7);
        QVERIFY(store);
        qint64 ci = 0, withJob = 0, newline = 0, formula = 0, comma = 0, quote = 0;
        QVERIFY(store->scanEvents({}, {End - Span, End}, [&](const PullEvent &e) {
            if (e.source == Source::Ci) {
                ++ci;
                withJob += !e.ci.jobUrl.isEmpty() && !e.ci.jobId.isEmpty() && e.ciLine > 0;
            }
            newline += e.message.contains(u'\n');
            formula += e.message.startsWith(u'=');
            comma += e.message.contains(u',');
            quote += e.message.contains(u'"');
            return true;
        }));
        QVERIFY(ci > 10000);
        QCOMPARE(withJob, ci);
        QVERIFY(newline > 0 && formula > 0 && comma > 0 && quote > 0);
    }

    void sameSeedSameHistory()
    {
        TestDir dir;
        auto a = demoStore(dir.path(u"a.db"_s), 5000, 42);
        auto b = demoStore(dir.path(u"b.db"_s), 5000, 42);
        QVERIFY(a && b);
        QList<PullEvent> first, second;
        QVERIFY(a->scanEvents({}, {End - Span, End}, [&](const PullEvent &e) {
            first.append(e);
            return true;
        }));
        QVERIFY(b->scanEvents({}, {End - Span, End}, [&](const PullEvent &e) {
            second.append(e);
            return true;
        }));
        QCOMPARE(first.size(), 5000);
        QVERIFY(first == second);
    }
};

QTEST_GUILESS_MAIN(TstDemoHistory)
#include "tst_demohistory.moc"
