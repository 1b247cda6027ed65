#include "analysis/Verdicts.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "referencehistory.h"
#include "reports/Reports.h"
#include "testutil.h"

#include <QBuffer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

namespace {

const QString Nixery = u"nixery.dev/shell/awscli2/openstackclient/jq/busybox:latest"_s;
const QString SelfHosted = u"ghcr.io/example/keystone-tools:latest"_s;
const QString Other = u"nixery.dev/shell/git:latest"_s; // same registry as Nixery
// The failed CI pull every row explains, at noon of T0's day.
constexpr qint64 FailedAt = T0 + 12 * 60 * Minute;

// A probe `minutes` from the failure.
struct ProbeSpec
{
    double minutes = 0;
    Category category = Category::None;
    qint64 latencyMs = 500;
    bool cold = false;
    QString image = Nixery;
};

PullEvent probe(const ProbeSpec &p)
{
    PullEvent e = makeEvent(FailedAt + qint64(p.minutes * double(Minute)), p.image, p.category,
                            p.latencyMs);
    e.cold = p.cold;
    return e;
}

PullEvent ciFailure(Category category, qint64 waitedMs = -1, const QString &image = Nixery,
                    qint64 ts = FailedAt)
{
    PullEvent e = makeEvent(ts, image, category, waitedMs, Source::Ci);
    e.ci = CiContext{u"github"_s, u"rook/rook"_s, u"9"_s, u"41"_s, u"canary-integration-test"_s,
                     u"https://github.com/rook/rook/actions/runs/9/job/41"_s};
    return e;
}

QList<PullEvent> sorted(QList<PullEvent> events)
{
    std::stable_sort(events.begin(), events.end(),
                     [](const PullEvent &a, const PullEvent &b) { return a.ts < b.ts; });
    return events;
}

QList<ProbeSpec> fastAround(const QString &image = Nixery)
{
    return {{-8, Category::None, 420, false, image},
            {-3, Category::None, 510, false, image},
            {4, Category::None, 460, false, image}};
}

} // namespace

Q_DECLARE_METATYPE(pw::Verdict)
Q_DECLARE_METATYPE(QList<ProbeSpec>)

class TstVerdicts : public QObject
{
    Q_OBJECT

private slots:
    void verdict_data()
    {
        QTest::addColumn<QList<ProbeSpec>>("probes");
        QTest::addColumn<Category>("category");
        QTest::addColumn<qint64>("waitedMs");
        QTest::addColumn<qint64>("intervalMs");
        QTest::addColumn<Verdict>("verdict");
        QTest::addColumn<QString>("says");

        const qint64 fiveMin = 5 * Minute;
        QTest::newRow("the log said 429: rate limited whatever the probes saw")
            << fastAround() << Category::RateLimit << qint64(-1) << fiveMin
            << Verdict::RateLimited << u"rate limited, not an outage"_s;
        QTest::newRow("a timeout while probes got 429: rate limited")
            << QList<ProbeSpec>{{-2, Category::RateLimit}, {3, Category::None}}
            << Category::Timeout << qint64(-1) << fiveMin << Verdict::RateLimited
            << u"saw the rate limit too (1 rate_limit)"_s;
        QTest::newRow("not found, and so were the probes of the reference: the image")
            << QList<ProbeSpec>{{-6, Category::NotFound}, {-1, Category::NotFound},
                                {5, Category::NotFound}}
            << Category::NotFound << qint64(-1) << fiveMin << Verdict::ImageProblem
            << u"failed the same way (3 of 3)"_s;
        QTest::newRow("denied, and no probe of it ever succeeded: the image")
            << QList<ProbeSpec>{{-600, Category::Auth}, {-300, Category::Auth},
                                {2, Category::ServerError}}
            << Category::Auth << qint64(-1) << fiveMin << Verdict::ImageProblem
            << u"no probe of it has ever succeeded"_s;
        QTest::newRow("not found, but the same reference probed fine: the runner's reference")
            << fastAround() << Category::NotFound << qint64(-1) << fiveMin << Verdict::RunnerSide
            << u"look at the reference and platform the job pulls"_s;
        QTest::newRow("a timeout while the registry's probes failed with 5xx: an outage")
            << QList<ProbeSpec>{{-5, Category::ServerError}, {-1, Category::ServerError},
                                {4, Category::None}}
            << Category::Timeout << qint64(-1) << fiveMin << Verdict::RegistryOutage
            << u"2 of the 3 probes around it failed too (2 server_error), in an incident from "
               "2025-05-18 11:55 UTC that lasted 9 min"_s;
        QTest::newRow("no probe of the image; another on its registry could not connect")
            << QList<ProbeSpec>{{-4, Category::Connection, 500, false, Other},
                                {1, Category::Connection, 500, false, Other}}
            << Category::Transport << qint64(-1) << fiveMin << Verdict::RegistryOutage
            << u"probes of other images on its registry"_s;
        QTest::newRow("the seed case: a cold build took 71 s, the job gave up")
            << QList<ProbeSpec>{{-7, Category::None, 700}, {-2, Category::None, 71000, true},
                                {3, Category::None, 650}}
            << Category::Timeout << qint64(60000) << fiveMin << Verdict::SlowPull
            << u"the slowest took 71 s (a cold build after a digest change): a slow pull, not "
               "an outage — wait at least 90 s for this image, pre-pull it, or self-host it."_s;
        QTest::newRow("a fresh history's first probe is 'cold' but took 7 ms: no build, the runner")
            << QList<ProbeSpec>{{-6, Category::None, 7, true}, {3, Category::None, 9}}
            << Category::Dns << qint64(-1) << fiveMin << Verdict::RunnerSide
            << u"look at the runner's DNS resolver"_s;
        QTest::newRow("warm but slower than the job waited: a slow pull")
            << QList<ProbeSpec>{{-4, Category::None, 48000}, {2, Category::None, 41000}}
            << Category::Canceled << qint64(30000) << fiveMin << Verdict::SlowPull
            << u"the slowest took 48 s (nixery.dev builds images on demand): a slow pull"_s;
        QTest::newRow("the job waited longer than the registry took: not a slow pull")
            << QList<ProbeSpec>{{-4, Category::None, 48000}, {2, Category::None, 41000}}
            << Category::Timeout << qint64(120000) << fiveMin << Verdict::RunnerSide
            << u"p50 41 s: the registry answered"_s;
        QTest::newRow("a timeout while probes were quick: the runner")
            << fastAround() << Category::Timeout << qint64(-1) << fiveMin << Verdict::RunnerSide
            << u"the 3 probes around it all succeeded, p50 460 ms: the registry answered, so "
               "look at the runner's network and proxy."_s;
        QTest::newRow("a DNS failure while probes were quick: the runner's resolver")
            << fastAround() << Category::Dns << qint64(-1) << fiveMin << Verdict::RunnerSide
            << u"look at the runner's DNS resolver"_s;
        QTest::newRow("no probe within ±10 min: no evidence")
            << QList<ProbeSpec>{{-30}, {25}} << Category::Timeout << qint64(-1) << fiveMin
            << Verdict::NoEvidence
            << u"no probe of this image or its registry within ±10 min: no evidence either way — "
               "add nixery.dev/shell/awscli2/openstackclient/jq/busybox:latest to the config so "
               "it is probed."_s;
        QTest::newRow("probed every 20 min, the window is ±40 min")
            << QList<ProbeSpec>{{-30}, {25}} << Category::Timeout << qint64(-1) << 20 * Minute
            << Verdict::RunnerSide << u"the 2 probes around it all succeeded"_s;
        QTest::newRow("not found, only other images of its registry probed: undecided")
            << fastAround(Other) << Category::NotFound << qint64(-1) << fiveMin
            << Verdict::NoEvidence << u"do not settle it"_s;
    }

    void verdict()
    {
        QFETCH(QList<ProbeSpec>, probes);
        QFETCH(Category, category);
        QFETCH(qint64, waitedMs);
        QFETCH(qint64, intervalMs);
        QFETCH(Verdict, verdict);
        QFETCH(QString, says);

        TestDir dir;
        const auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store);
        QList<PullEvent> events{ciFailure(category, waitedMs)};
        for (const ProbeSpec &p : probes)
            events.push_back(probe(p));
        QVERIFY(store->append(sorted(events)).ok());
        VerdictSettings settings;
        settings.probeIntervalMs.insert(Nixery, intervalMs);

        const Result<QList<CiVerdict>> got =
            VerdictEngine(*store, settings).explain({}, TimeRange{T0, T0 + 86400000});
        QVERIFY2(got.ok(), qPrintable(got.ok() ? QString() : got.error()));
        QCOMPARE(got->size(), 1);
        const CiVerdict &v = got->constFirst();
        QVERIFY2(v.verdict == verdict, qPrintable(u"got %1: %2"_s.arg(verdictId(v.verdict),
                                                                      v.sentence)));
        QVERIFY2(v.sentence.contains(says), qPrintable(v.sentence));
        QVERIFY2(v.sentence.startsWith(u"2025-05-18 12:00 UTC, job canary-integration-test: "
                                       "pulling "_s + Nixery),
                 qPrintable(v.sentence));
        QVERIFY(v.sentence.contains(v.advice));
    }

    // The figures the sentence quotes are the evidence's own.
    void evidenceFigures()
    {
        TestDir dir;
        const auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store->append(sorted({ciFailure(Category::Timeout, 60000),
                                      probe({-9, Category::None, 800}),
                                      probe({-4, Category::None, 71000, true}),
                                      probe({-1, Category::ServerError, 3000}),
                                      probe({6, Category::None, 900}),
                                      probe({11, Category::None, 100})}))
                    .ok());
        const auto got = VerdictEngine(*store).explain({}, TimeRange{T0, T0 + 86400000});
        QVERIFY(got.ok() && got->size() == 1);
        const VerdictEvidence &e = got->constFirst().evidence;
        QCOMPARE(e.windowMs, 10 * Minute); // 11 min away is outside
        QCOMPARE(e.probes, 4);
        QCOMPARE(e.probesOk, 3);
        QCOMPARE(e.p50Ms, 900);
        QCOMPARE(e.maxMs, 71000);
        QVERIFY(e.cold);
        QCOMPARE(e.failures[size_t(Category::ServerError)], 1);
        QVERIFY(e.sameImage);
        QCOMPARE(got->constFirst().verdict, Verdict::RegistryOutage); // before slow_pull
    }

    // Per image: verdict counts, and the other side of the group in the same range.
    void summary()
    {
        TestDir dir;
        const auto store = openStore(dir.path(u"h.db"_s));
        QVERIFY(store->setImageInfo(Nixery, u"keystone-tools"_s, u"nixery"_s).ok());
        QVERIFY(store->setImageInfo(SelfHosted, u"keystone-tools"_s, u"self-hosted"_s).ok());
        QList<PullEvent> events;
        for (int hour : {2, 9, 15}) {
            const qint64 at = T0 + hour * 60 * Minute;
            events << ciFailure(Category::Timeout, 60000, Nixery, at);
            PullEvent cold = makeEvent(at - 3 * Minute, Nixery, Category::None, 80000 + hour * 1000);
            cold.cold = true;
            events << cold << makeEvent(at + 2 * Minute, Nixery, Category::None, 900);
            events << makeEvent(at - 2 * Minute, SelfHosted, Category::None, 300)
                   << makeEvent(at + 3 * Minute, SelfHosted, Category::None, 320);
        }
        events << ciFailure(Category::Dns, -1, Nixery, T0 + 20 * 60 * Minute)
               << makeEvent(T0 + 20 * 60 * Minute + Minute, Nixery, Category::None, 700)
               << makeEvent(T0 + 20 * 60 * Minute + Minute, SelfHosted, Category::None, 300);
        QVERIFY(store->append(sorted(events)).ok());

        EventFilter onlyNixery;
        onlyNixery.images = {Nixery};
        const auto rows =
            VerdictEngine(*store).summarize(onlyNixery, TimeRange{T0, T0 + 86400000});
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1); // the side asked for; the other is in its sentence
        const ImageVerdicts &row = rows->constFirst();
        QCOMPARE(row.ciFailures, 4);
        QCOMPARE(row.verdicts[size_t(Verdict::SlowPull)], 3);
        QCOMPARE(row.verdicts[size_t(Verdict::RunnerSide)], 1);
        QCOMPARE(row.slowP50Ms, 89000);
        QCOMPARE(row.avoidable, 3); // the DNS failure was the runner's: switching avoids nothing
        QCOMPARE(row.sentence,
                 u"4 failed CI pulls: 3 slow pulls (p50 of the slowest probe 89 s), 1 runner side; "
                 "in the same range the self-hosted side (%1) failed 0 times; switching to %1 "
                 "would have avoided 3 of 4 failed CI pulls in this range."_s.arg(SelfHosted));

        const auto both = VerdictEngine(*store).summarize({}, TimeRange{T0, T0 + 86400000});
        QVERIFY(both.ok());
        QCOMPARE(both->size(), 2);
        QCOMPARE(both->at(1).image, SelfHosted);
        QCOMPARE(both->at(1).ciFailures, 0);
        QVERIFY2(both->at(1).sentence.startsWith(u"No failed CI pulls; in the same range the "
                                                 "nixery side"_s),
                 qPrintable(both->at(1).sentence));
    }

    // export --report verdicts: DESIGN.md's columns, one row per failed CI pull.
    void csvReport()
    {
        TestDir dir;
        const auto store = openStore(dir.path(u"h.db"_s));
        QList<PullEvent> events{ciFailure(Category::Timeout, 60000)};
        for (const ProbeSpec &p : fastAround())
            events.push_back(probe(p));
        QVERIFY(store->append(sorted(events)).ok());
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        ReportRequest request;
        request.kind = ReportKind::Verdicts;
        request.range = TimeRange{T0, T0 + 86400000};
        const Result<qint64> rows = writeReport(*store, request, &buffer);
        QVERIFY(rows.ok());
        QCOMPARE(*rows, 1);
        const QList<QByteArray> lines = buffer.data().split('\n');
        QCOMPARE(lines.at(0), QByteArray("ts,image,registry,ci_provider,ci_repo,ci_job_name,"
                                         "ci_job_url,category,verdict,probes,probes_ok,"
                                         "probe_p50_ms,probe_max_ms,cold,advice\r"));
        QCOMPARE(lines.at(1),
                 "2025-05-18T12:00:00.000Z," + Nixery.toUtf8() +
                     ",nixery.dev,github,rook/rook,canary-integration-test,"
                     "https://github.com/rook/rook/actions/runs/9/job/41,timeout,runner_side,3,3,"
                     "460,510,false,look at the runner's network and proxy\r");
    }

    void identifiers()
    {
        for (Verdict v : AllVerdicts)
            QCOMPARE(verdictFromId(verdictId(v)), std::optional<Verdict>(v));
        QCOMPARE(verdictId(Verdict::SlowPull), u"slow_pull"_s);
        QVERIFY(!verdictFromId(u"slow"_s));
    }
};

QTEST_GUILESS_MAIN(TstVerdicts)
#include "tst_verdicts.moc"
