// PullExtractor: from the lines rules won to pull attempts (retries, merged causes, image
// context, kubelet's back-off carrying the cause), with a small rule set of its own.
#include "ci/LogScan.h"
#include "ci/PullExtractor.h"
#include "testutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestPullExtractor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void extract_data();
    void extract();
    void timestampsAndContext();
    void absurdDurationIsUnknown();

private:
    std::optional<LogClassifier> m_classifier;
};

namespace {
// Rules shaped like the built-in ones, kept here so these tests do not move with them.
const char Rules[] = R"json({"family": "test", "rules": [
 {"id": "start.docker-pull", "kind": "start", "pattern": "docker pull (?<image>\\S+)"},
 {"id": "start.kubelet", "kind": "start", "pattern": "Pulling image \"(?<image>[^\"]+)\""},
 {"id": "fail.rate", "kind": "fail", "category": "rate_limit", "pattern": "toomanyrequests"},
 {"id": "fail.timeout", "kind": "fail", "category": "timeout", "pattern": "TLS handshake timeout"},
 {"id": "fail.kubelet", "kind": "fail", "category": "unknown", "pattern": "Failed to pull image \"(?<image>[^\"]+)\""},
 {"id": "fail.kubelet-rate", "kind": "fail", "category": "rate_limit", "pattern": "Failed to pull image \"(?<image>[^\"]+)\".*429 Too Many Requests"},
 {"id": "fail.runner", "kind": "fail", "category": "unknown", "pattern": "Docker pull failed with exit code"},
 {"id": "retry.gha", "kind": "retry", "failure": true, "pattern": "back off [\\d.]+ seconds before retry"},
 {"id": "retry.layer", "kind": "retry", "pattern": "^[0-9a-f]{12}: Retrying in \\d+ seconds?$"},
 {"id": "abandon.kubectl-wait", "kind": "abandon", "category": "timeout", "pattern": "error: timed out waiting for the condition"},
 {"id": "abandon.canceled", "kind": "abandon", "category": "canceled", "pattern": "^The operation was canceled"},
 {"id": "backoff.kubelet", "kind": "backoff", "pattern": "Back-off pulling image \"(?<image>[^\"]+)\""},
 {"id": "ok.docker", "kind": "ok", "pattern": "Status: (?:Downloaded newer image|Image is up to date) for (?<image>\\S+)"},
 {"id": "ok.kubelet", "kind": "ok", "pattern": "Successfully pulled image \"(?<image>[^\"]+)\""}
]})json";

struct Expected
{
    int line;
    QString image;
    QString outcome; // "ok" / "fail"
    QString category;
    int attempts = 1;
};
} // namespace

Q_DECLARE_METATYPE(QList<Expected>)

void TestPullExtractor::initTestCase()
{
    Result<RuleSet> rules = RuleSet::fromJson(QByteArray(Rules), u"test.json"_s);
    QVERIFY2(rules.ok(), rules.ok() ? "" : qPrintable(rules.error()));
    Result<LogClassifier> classifier = LogClassifier::create(*rules);
    QVERIFY2(classifier.ok(), classifier.ok() ? "" : qPrintable(classifier.error()));
    m_classifier.emplace(std::move(*classifier));
}

void TestPullExtractor::extract_data()
{
    QTest::addColumn<QString>("log");
    QTest::addColumn<QList<Expected>>("expected");
    const QString nginx = u"docker.io/library/nginx:1.25"_s;
    const QString busybox = u"docker.io/library/busybox:latest"_s;

    QTest::newRow("three tries, then ok: one ok pull")
        << u"docker pull nginx:1.25\n"
           "net/http: TLS handshake timeout\n"
           "Warning: Docker pull failed with exit code 1, back off 4.5 seconds before retry.\n"
           "docker pull nginx:1.25\n"
           "net/http: TLS handshake timeout\n"
           "Warning: Docker pull failed with exit code 1, back off 8.1 seconds before retry.\n"
           "docker pull nginx:1.25\n"
           "Status: Downloaded newer image for nginx:1.25\n"_s
        << QList<Expected>{{8, nginx, u"ok"_s, QString(), 3}};
    QTest::newRow("three failed tries: one failed pull, the specific cause")
        << u"docker pull nginx:1.25\n"
           "toomanyrequests: You have reached your pull rate limit\n"
           "Warning: Docker pull failed with exit code 1, back off 4.5 seconds before retry.\n"
           "docker pull nginx:1.25\n"
           "toomanyrequests: You have reached your pull rate limit\n"
           "Warning: Docker pull failed with exit code 1, back off 8.1 seconds before retry.\n"
           "docker pull nginx:1.25\n"
           "toomanyrequests: You have reached your pull rate limit\n"
           "##[error]Docker pull failed with exit code 1\n"_s
        << QList<Expected>{{2, nginx, u"fail"_s, u"rate_limit"_s, 3}};
    QTest::newRow("runner's generic line does not hide the cause")
        << u"docker pull busybox\nDocker pull failed with exit code 1\ntoomanyrequests\n"_s
        << QList<Expected>{{3, busybox, u"fail"_s, u"rate_limit"_s}}; // the line with the cause
    QTest::newRow("two images, two pulls")
        << u"docker pull busybox\ntoomanyrequests\ndocker pull nginx:1.25\n"
           "Status: Image is up to date for nginx:1.25\n"_s
        << QList<Expected>{{2, busybox, u"fail"_s, u"rate_limit"_s},
                           {4, nginx, u"ok"_s, QString()}};
    QTest::newRow("kubelet: the back-off carries the cause")
        << u"Pulling image \"nginx:1.25\"\n"
           "Failed to pull image \"nginx:1.25\": rpc error: 429 Too Many Requests\n"
           "Error: ErrImagePull\n"
           "Back-off pulling image \"nginx:1.25\"\n"
           "Back-off pulling image \"busybox\"\n"_s
        << QList<Expected>{{2, nginx, u"fail"_s, u"rate_limit"_s},
                           {4, nginx, u"fail"_s, u"rate_limit"_s},
                           {5, busybox, u"fail"_s, u"backoff"_s}};
    QTest::newRow("kubelet success")
        << u"Successfully pulled image \"nginx:1.25\" in 2.104s (2.104s including waiting)\n"_s
        << QList<Expected>{{1, nginx, u"ok"_s, QString()}};
    QTest::newRow("a retry notice alone is a failed try")
        << u"docker pull busybox\n"
           "Warning: Docker pull failed with exit code 1, back off 4.5 seconds before retry.\n"_s
        << QList<Expected>{{2, busybox, u"fail"_s, u"backoff"_s, 2}};
    QTest::newRow("a layer's retry alone is progress, not a failure")
        << u"docker pull busybox\n"
           "a603fa5e3b41: Retrying in 5 seconds\n"
           "Status: Downloaded newer image for busybox:latest\n"_s
        << QList<Expected>{{3, busybox, u"ok"_s, QString()}};
    QTest::newRow("a retry notice long after a failure is another pull's")
        << (u"Error: toomanyrequests: slow down\n"_s + QString(u"step output\n"_s).repeated(12) +
            u"Warning: Docker pull failed with exit code 1, back off 4.5 seconds before retry.\n"_s)
        << QList<Expected>{{1, QString(), u"fail"_s, u"rate_limit"_s},
                           {14, QString(), u"fail"_s, u"backoff"_s, 2}};
    QTest::newRow("after a pull's outcome, a line naming no image is about no known image")
        << (u"docker pull nginx:1.25\n"
            "TLS handshake timeout\n"_s +
            QString(u"step output\n"_s).repeated(12) +
            u"toomanyrequests\n"
            "docker pull busybox\n"
            "Status: Downloaded newer image for busybox:latest\n"
            "toomanyrequests\n"_s)
        << QList<Expected>{{2, nginx, u"fail"_s, u"timeout"_s},
                           {15, QString(), u"fail"_s, u"rate_limit"_s},
                           {17, busybox, u"ok"_s, QString()},
                           {18, QString(), u"fail"_s, u"rate_limit"_s}};
    QTest::newRow("the job gave up while the image was still being pulled: the seed case")
        << u"Pulling image \"nginx:1.25\"\n"
           "step output\n"
           "error: timed out waiting for the condition on pods/tools-6b4889fdfd-h7pq2\n"_s
        << QList<Expected>{{3, nginx, u"fail"_s, u"timeout"_s}};
    QTest::newRow("a job canceled during a docker pull canceled that pull")
        << u"docker pull busybox\n"
           "a603fa5e3b41: Downloading\n"
           "##[error]The operation was canceled.\n"_s
        << QList<Expected>{{3, busybox, u"fail"_s, u"canceled"_s}};
    QTest::newRow("a wait that times out after the pull succeeded is not about the pull")
        << u"Pulling image \"nginx:1.25\"\n"
           "Successfully pulled image \"nginx:1.25\" in 1.2s\n"
           "error: timed out waiting for the condition on pods/tools-6b4889fdfd-h7pq2\n"_s
        << QList<Expected>{{2, nginx, u"ok"_s, QString()}};
    QTest::newRow("a wait that times out with no pull in view is no pull")
        << u"step output\nerror: timed out waiting for the condition on jobs/seed\n"_s
        << QList<Expected>{};
    QTest::newRow("a wait that times out after a failed pull adds nothing")
        << u"Pulling image \"nginx:1.25\"\n"
           "Failed to pull image \"nginx:1.25\": rpc error: 429 Too Many Requests\n"
           "error: timed out waiting for the condition on pods/tools-6b4889fdfd-h7pq2\n"_s
        << QList<Expected>{{2, nginx, u"fail"_s, u"rate_limit"_s}};
    QTest::newRow("nothing about pulls")
        << u"npm ERR! 404 Not Found\ncurl: (6) Could not resolve host\nTLS\n"_s
        << QList<Expected>{};
}

void TestPullExtractor::extract()
{
    QFETCH(QString, log);
    QFETCH(QList<Expected>, expected);
    PullExtractor extractor;
    LogScan(*m_classifier).scanBytes(log.toUtf8(), [&](const LogLineMatch &line) {
        extractor.add(line);
    });
    const QList<CiPull> pulls = extractor.finish();
    QCOMPARE(pulls.size(), expected.size());
    for (qsizetype i = 0; i < pulls.size(); ++i) {
        const PullEvent &event = pulls[i].event;
        QCOMPARE(event.ciLine, expected[i].line);
        QCOMPARE(event.image, expected[i].image);
        QCOMPARE(event.ok ? u"ok"_s : u"fail"_s, expected[i].outcome);
        QCOMPARE(categoryId(event.category), expected[i].category);
        QCOMPARE(pulls[i].attempts, expected[i].attempts);
        QCOMPARE(event.source, Source::Ci);
    }
}

void TestPullExtractor::timestampsAndContext()
{
    // Continuation lines take the timestamp of the line they continue; the job context and
    // the fallback time reach every event.
    const QByteArray log = "2025-05-18T08:42:15.1234567Z docker pull busybox\n"
                           "2025-05-18T08:42:16.5000000Z Error response from daemon:\n"
                           "toomanyrequests: You have reached your pull rate limit\n"
                           "Successfully pulled image \"nginx:1.25\" in 1.5s\n";
    CiContext context{u"github"_s, u"o/r"_s,   u"11"_s,
                      u"22"_s,     u"build"_s, u"https://github.com/o/r/actions/runs/11/job/22"_s};
    PullExtractor extractor(context, 1'000);
    LogScan(*m_classifier).scanBytes(log, [&](const LogLineMatch &line) { extractor.add(line); });
    const QList<CiPull> pulls = extractor.finish();
    QCOMPARE(pulls.size(), 2);
    QCOMPARE(pulls[0].event.ts,
             QDateTime(QDate(2025, 5, 18), QTime(8, 42, 16, 500), Qt::UTC).toMSecsSinceEpoch());
    QVERIFY(pulls[0].timestampFromLog);
    QCOMPARE(pulls[0].event.ci, context);
    QCOMPARE(pulls[0].event.ciLine, 3);
    QCOMPARE(pulls[0].event.rule, u"fail.rate"_s);
    QCOMPARE(pulls[1].event.latencyMs, 1500);
    QCOMPARE(pulls[1].event.registry, u"docker.io"_s);
    // The timestamp of the last stamped line holds for the unstamped lines after it.
    QVERIFY(pulls[1].timestampFromLog);
}

void TestPullExtractor::absurdDurationIsUnknown()
{
    // Found by fuzz_log: a duration beyond qint64 milliseconds was converted from double
    // regardless (undefined behaviour; in practice a huge negative latency).
    const QByteArray log = "Successfully pulled image \"nginx:1.25\" in 99999999999999999999999s\n"
                           "Successfully pulled image \"busybox:1.36\" in 9223372036854775808ms\n"
                           "Successfully pulled image \"alpine:3.20\" in 2500ms\n";
    PullExtractor extractor;
    LogScan(*m_classifier).scanBytes(log, [&](const LogLineMatch &line) { extractor.add(line); });
    const QList<CiPull> pulls = extractor.finish();
    QCOMPARE(pulls.size(), 3);
    QCOMPARE(pulls[0].event.latencyMs, -1);
    QCOMPARE(pulls[1].event.latencyMs, -1);
    QCOMPARE(pulls[2].event.latencyMs, 2500);
}

QTEST_GUILESS_MAIN(TestPullExtractor)
#include "tst_pullextractor.moc"
