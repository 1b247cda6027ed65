// LogScan and CiIngester: exact line numbers and timestamps across chunk boundaries, gzip and
// plain input alike, and files ingested once (unchanged: nothing; grown: only the new lines).
#include "history/sqlite/SqliteHistoryStore.h"
#include "ci/CiIngester.h"
#include "ci/LogScan.h"
#include "testutil.h"

#include <QTest>

#include <zlib.h>

using namespace Qt::StringLiterals;
using namespace pw;

class TestLogScan : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void linesAcrossChunks();
    void continuationTimestamps();
    void gzipEqualsPlain();
    void missingFile();
    void ingestFileOnce();
    void ingestJobOnce();

private:
    std::optional<LogClassifier> m_classifier;
};

namespace {
const TimeRange Always{0, 4'102'444'800'000}; // until 2100

const char Rules[] = R"json({"family": "test", "rules": [
 {"id": "fail.rate", "kind": "fail", "category": "rate_limit", "pattern": "^Error response from daemon: toomanyrequests(?:.* limit for (?<image>\\S+))?"},
 {"id": "ok.docker", "kind": "ok", "pattern": "Status: Downloaded newer image for (?<image>\\S+)"}
]})json";

// GitHub-style lines; every `every`-th line is a pull failure, every line but the pull lines
// carries a timestamp (pull lines are continuation lines).
QByteArray makeLog(qint64 lines, qint64 every, QList<qint64> *pullLines)
{
    QByteArray log;
    for (qint64 n = 1; n <= lines; ++n) {
        if (n % every == 0) {
            log += "Error response from daemon: toomanyrequests: You have reached your pull rate "
                   "limit for busybox\n";
            pullLines->append(n);
        } else {
            log += "2025-05-18T08:42:15.1234567Z compiling unit " + QByteArray::number(n) +
                   " of the project with a line long enough to matter\n";
        }
    }
    return log;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}
} // namespace

void TestLogScan::initTestCase()
{
    Result<RuleSet> rules = RuleSet::fromJson(QByteArray(Rules), u"test.json"_s);
    QVERIFY(rules.ok());
    Result<LogClassifier> classifier = LogClassifier::create(*rules);
    QVERIFY(classifier.ok());
    m_classifier.emplace(std::move(*classifier));
}

void TestLogScan::linesAcrossChunks()
{
    // ~30 MB: several 4 MiB chunks on several threads; every match keeps its exact line.
    QList<qint64> expected;
    const QByteArray log = makeLog(300'000, 997, &expected);
    TestDir dir;
    QVERIFY(writeFile(dir.path(u"big.log"_s), log));
    QList<qint64> found;
    QList<qint64> timestamps;
    const Result<LogScanStats> stats =
        LogScan(*m_classifier).scanFile(dir.path(u"big.log"_s), [&](const LogLineMatch &line) {
            found.append(line.line);
            timestamps.append(line.tsMs);
        });
    QVERIFY(stats.ok());
    QCOMPARE(stats->lines, 300'000);
    QCOMPARE(stats->bytes, log.size());
    QCOMPARE(found, expected);
    // A pull line has no timestamp of its own: it takes the one of the line before it.
    const qint64 ts =
        QDateTime(QDate(2025, 5, 18), QTime(8, 42, 15, 123), Qt::UTC).toMSecsSinceEpoch();
    QVERIFY(std::all_of(timestamps.cbegin(), timestamps.cend(), [&](qint64 t) { return t == ts; }));
}

void TestLogScan::continuationTimestamps()
{
    // Timestamps now and then, long lines, many pull lines without a timestamp of their own: each
    // takes the nearest earlier timestamp whose line reaches into the lookback (none otherwise).
    QByteArray log;
    QList<qint64> expected;
    qsizetype stampedEnd = -1; // where the last line with a timestamp ended
    qint64 stampedTs = -1;
    const qint64 day = QDateTime(QDate(2025, 5, 18), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    quint32 seed = 12345;
    const auto next = [&seed](quint32 below) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 8) % below;
    };
    for (int n = 0; n < 20'000; ++n) {
        const qsizetype start = log.size();
        const quint32 kind = next(100);
        QByteArray line;
        qint64 ts = -1;
        if (kind < 3 && (n / 2000) % 2 == 0) { // stretches with timestamps and without
            ts = day + qint64(next(86'400)) * 1000 + next(1000);
            line = QDateTime::fromMSecsSinceEpoch(ts, Qt::UTC)
                       .toString(u"yyyy-MM-dd'T'HH:mm:ss.zzz'0000Z '"_s)
                       .toUtf8();
        }
        if (kind % 3 == 0) {
            line += "Status: Downloaded newer image for busybox:latest";
        } else {
            line += QByteArray(kind == 1 ? qsizetype(next(40'000)) : qsizetype(next(300)), 'x');
        }
        log += line + '\n';
        if (ts >= 0) {
            stampedEnd = log.size() - 1;
            stampedTs = ts;
        }
        if (kind % 3 == 0) {
            const bool inReach = stampedEnd >= start - LogScan::TimestampLookback;
            expected.append(ts >= 0 ? ts : (inReach ? stampedTs : -1));
        }
    }
    QList<qint64> found;
    const LogScanStats stats = LogScan(*m_classifier).scanBytes(log, [&](const LogLineMatch &line) {
        found.append(line.tsMs);
    });
    QCOMPARE(stats.matches, expected.size());
    QVERIFY(expected.contains(-1) && expected.count(-1) < expected.size() / 2); // both kinds
    QCOMPARE(found, expected);
}

void TestLogScan::gzipEqualsPlain()
{
    QList<qint64> expected;
    const QByteArray log = makeLog(50'000, 101, &expected);
    TestDir dir;
    const QString path = dir.path(u"job.log.gz"_s);
    gzFile out = gzopen(QFile::encodeName(path).constData(), "wb");
    QVERIFY(out);
    QCOMPARE(gzwrite(out, log.constData(), static_cast<unsigned>(log.size())), int(log.size()));
    gzclose(out);
    QList<qint64> found;
    const Result<LogScanStats> stats =
        LogScan(*m_classifier).scanFile(path, [&](const LogLineMatch &line) {
            found.append(line.line);
        });
    QVERIFY(stats.ok());
    QCOMPARE(stats->bytes, log.size()); // uncompressed bytes
    QCOMPARE(found, expected);
}

void TestLogScan::missingFile()
{
    const Result<LogScanStats> stats =
        LogScan(*m_classifier).scanFile(u"/nonexistent/job.log"_s, [](const LogLineMatch &) {});
    QVERIFY(!stats.ok());
    QVERIFY2(stats.error().startsWith(u"/nonexistent/job.log: cannot read"_s),
             qPrintable(stats.error()));
}

void TestLogScan::ingestFileOnce()
{
    TestDir dir;
    auto store = SqliteHistoryStore::open(dir.path(u"h.db"_s));
    QVERIFY(store.ok());
    CiIngester ingester(store->get(), *m_classifier);
    const QString logs = dir.path(u"logs"_s);
    QVERIFY(QDir().mkpath(logs));
    QList<qint64> pulls;
    QByteArray log = makeLog(1000, 100, &pulls);
    QVERIFY(writeFile(logs + u"/job.log"_s, log));

    IngestTotals first;
    const Status ingested = ingester.ingestPath(logs, first);
    QVERIFY2(ingested.ok(), qPrintable(ingested.error()));
    QCOMPARE(first.events, 10);
    QCOMPARE((*store)->eventCount(), 10);

    IngestTotals again;
    QVERIFY(ingester.ingestPath(logs, again).ok());
    QCOMPARE(again.events, 0);
    QCOMPARE(again.skipped, 1);

    // The job wrote on: only the new pull is added, with its line number.
    log += "Status: Downloaded newer image for busybox:latest\n";
    QVERIFY(writeFile(logs + u"/job.log"_s, log));
    IngestTotals grown;
    QVERIFY(ingester.ingestPath(logs, grown).ok());
    QCOMPARE(grown.events, 1);
    QCOMPARE(grown.ok, 1);
    QCOMPARE((*store)->eventCount(), 11);
    QList<PullEvent> events;
    QVERIFY((*store)
                ->scanEvents({}, Always,
                             [&](const PullEvent &event) {
                                 events.append(event);
                                 return true;
                             })
                .ok());
    const auto last = std::find_if(events.cbegin(), events.cend(),
                                   [](const PullEvent &event) { return event.ok; });
    QVERIFY(last != events.cend());
    QCOMPARE(last->ciLine, 1001);
    QCOMPARE(last->ci.provider, u"files"_s);
    QCOMPARE(last->ci.jobName, u"job.log"_s);
    QVERIFY(last->ci.jobUrl.startsWith(u"file:///"_s));

    // Replaced by another file of the same name: read again from the start.
    QList<qint64> other;
    QVERIFY(writeFile(logs + u"/job.log"_s, "unrelated\n" + makeLog(200, 100, &other)));
    IngestTotals replaced;
    QVERIFY(ingester.ingestPath(logs, replaced).ok());
    QCOMPARE(replaced.events, 2);
}

void TestLogScan::ingestJobOnce()
{
    TestDir dir;
    auto store = SqliteHistoryStore::open(dir.path(u"h.db"_s));
    QVERIFY(store.ok());
    CiIngester ingester(store->get(), *m_classifier);
    CiJobLog job;
    job.key = u"github:o/r:job:22"_s;
    job.context =
        CiContext{u"github"_s, u"o/r"_s,   u"11"_s,
                  u"22"_s,     u"build"_s, u"https://github.com/o/r/actions/runs/11/job/22"_s};
    job.finishedAtMs = 1'700'000'000'000;
    job.log = "Error response from daemon: toomanyrequests: rate limit for nginx:1.25\n"
              "Error response from daemon: toomanyrequests: rate limit for busybox\n"
              "Error response from daemon: toomanyrequests: a pull that names no image\n";
    QVERIFY(!ingester.ledger().contains(job.key));
    IngestTotals totals;
    QVERIFY(ingester.ingestJob(job, totals).ok());
    // Three failures, each with its cause: three pulls (DESIGN.md "Attempts"). The third names
    // no image, and the outcome of the pull before it is known: that image is not the third's,
    // so the third is counted, not stored.
    QCOMPARE(totals.events, 2);
    QCOMPARE(totals.withoutImage, 1);
    QVERIFY(ingester.ledger().contains(job.key));
    // The mark lives in the history file: a new ingester (a later run) sees it too.
    CiIngester later(store->get(), *m_classifier);
    QVERIFY(later.ledger().contains(job.key));
    QList<PullEvent> events;
    QVERIFY((*store)
                ->scanEvents({}, Always,
                             [&](const PullEvent &event) {
                                 events.append(event);
                                 return true;
                             })
                .ok());
    QCOMPARE(events.size(), 2);
    for (const PullEvent &event : events) {
        QCOMPARE(event.ts, job.finishedAtMs); // the log has no timestamps
        QCOMPARE(event.ci, job.context);
        QCOMPARE(event.category, Category::RateLimit);
    }
}

QTEST_GUILESS_MAIN(TestLogScan)
#include "tst_logscan.moc"
