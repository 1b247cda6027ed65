#include "net/HttpClient.h"
#include "ci/GitHubSource.h"
#include "ci/GitLabSource.h"

#include "testutil.h"
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pw;

// Declared before any string that holds a URL: moc must see the test class.
class TstCiSources : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void nextLink_data();
    void nextLink();
    void gitlabProjectKeepsEncodedSlashes();

    void deliversEveryFinishedJobOnce_data();
    void deliversEveryFinishedJobOnce();
    void ledgerSkipsKnownJobs_data();
    void ledgerSkipsKnownJobs();
    void wrongToken_data();
    void wrongToken();
    void rateLimitWaitsThenSucceeds_data();
    void rateLimitWaitsThenSucceeds();
    void rateLimitTooLongFails_data();
    void rateLimitTooLongFails();
    void serverErrorIsRetried_data();
    void serverErrorIsRetried();
    void unknownRepository_data();
    void unknownRepository();
    void githubWorkflowFilter();
    void maxRunsKeepsNewest();
    void cancelInsideReceiver();
    void destroyedDuringFetch();
    void badConfigFails_data();
    void badConfigFails();

private:
    QUrl emulatorUrl(const QString &server, const QString &path) const;
    // The emulator's repository or project on branch main; apiPath "default": none for GitHub,
    // /api/v4 for GitLab.
    CiSourceConfig emulatorConfig(const QString &provider,
                                  const QString &apiPath = u"default"_s) const;
    // token: the token variable's value (empty: unset); nullopt: the one the emulator expects.
    std::unique_ptr<RestCiSource> makeSource(const CiSourceConfig &config,
                                             std::optional<QString> token = std::nullopt);
    QJsonObject control(const QString &path, const QJsonObject &body = {});
    QJsonArray recorded(const QString &server);

    QProcess m_emulator;
    QTemporaryDir m_logs;
    QJsonObject m_ports;
    HttpClient *m_http = nullptr;
};

namespace {

const QString GitHubToken = u"ghp_emulatorTokenForTests0123456789"_s;
const QString GitLabToken = u"glpat-emulatorTokenForTests"_s;
const QString TokenEnv = u"PW_TEST_CI_TOKEN"_s;
const QString GitHubRepo = u"octo-org/octo-repo"_s;
const QString GitLabProject = u"group/sub/project"_s;

// Logs the test decides (the emulator serves them for these job ids).
const QByteArray GitHubLog1002 = "\xEF\xBB\xBF"
                                 "2025-05-18T08:42:15.1234567Z ##[group]Run docker pull busybox\n"
                                 "2025-05-18T08:42:16.2345678Z Error response from daemon: "
                                 "toomanyrequests: You have reached your pull rate limit.\n";
const QByteArray GitLabLog2001 = "\x1b[0Ksection_start:1747557735:prepare_executor\r\x1b[0K"
                                 "Pulling docker image busybox ...\r\nJob succeeded\r\n";
const QByteArray GitLabLog2002 = "ERROR: Job failed: failed to pull image \"busybox\"\n";

struct Expected
{
    QString provider;
    QString repo;
    QStringList jobs; // in delivery order
    QStringList runs; // run of each job
    QStringList names;
    QStringList missing;
};

Expected expected(const QString &provider)
{
    if (provider == u"github")
        return {u"github"_s,
                GitHubRepo,
                {u"1001"_s, u"1002"_s, u"1003"_s, u"1004"_s, u"1005"_s, u"1007"_s, u"1008"_s},
                {u"101"_s, u"101"_s, u"102"_s, u"102"_s, u"102"_s, u"103"_s, u"104"_s},
                {u"build"_s, u"test"_s, u"build"_s, u"lint"_s, u"deploy"_s, u"build"_s, u"e2e"_s},
                {u"1004"_s, u"1005"_s, u"1008"_s}};
    return {u"gitlab"_s,
            GitLabProject,
            {u"2001"_s, u"2002"_s, u"2003"_s, u"2004"_s, u"2007"_s},
            {u"501"_s, u"501"_s, u"502"_s, u"502"_s, u"503"_s},
            {u"build"_s, u"test"_s, u"lint"_s, u"test"_s, u"build"_s},
            {u"2004"_s}};
}

QString jobUrl(const QString &provider, const QString &run, const QString &job)
{
    if (provider == u"github")
        return u"https:"_s + u"//github.com/"_s + GitHubRepo + u"/actions/runs/"_s + run +
               u"/job/"_s + job;
    return u"https:"_s + u"//gitlab.example.com/"_s + GitLabProject + u"/-/jobs/"_s + job;
}

QString keyOf(const QString &provider, const QString &job)
{
    return provider + u':' + (provider == u"github" ? GitHubRepo : GitLabProject) + u":job:"_s +
           job;
}

struct SetLedger : IngestLedger
{
    QSet<QString> keys;
    bool contains(const QString &key) const override { return keys.contains(key); }
};

struct Outcome
{
    QList<CiJobLog> jobs;
    std::optional<Status> status;
    QStringList progress;
    qint64 elapsedMs = 0;
    int finishedCount = 0;

    QStringList ids() const
    {
        QStringList ids;
        for (const CiJobLog &job : jobs)
            ids.append(job.context.jobId);
        return ids;
    }
};

// Fetches like the lead's ingest will: the receiver stores the job and marks the ledger.
Outcome runFetch(RestCiSource &source, SetLedger &ledger, qint64 timeoutMs = 30'000)
{
    Outcome outcome;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    auto jobs = QObject::connect(&source, &CiSource::jobLog, [&](const CiJobLog &job) {
        outcome.jobs.append(job);
        ledger.keys.insert(job.key);
    });
    auto progress = QObject::connect(&source, &CiSource::progress,
                                     [&](const QString &text) { outcome.progress.append(text); });
    auto finished = QObject::connect(&source, &CiSource::finished, [&](const Status &status) {
        outcome.status = status;
        ++outcome.finishedCount;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    source.fetch(ledger);
    if (!outcome.status)
        loop.exec();
    outcome.elapsedMs = clock.elapsed();
    QObject::disconnect(jobs);
    QObject::disconnect(progress);
    QObject::disconnect(finished);
    return outcome;
}

CiSourceConfig configFor(const QString &provider, const QString &apiUrl)
{
    CiSourceConfig config;
    config.provider = provider;
    config.repo = provider == u"github" ? GitHubRepo : QString();
    config.project = provider == u"gitlab" ? GitLabProject : QString();
    config.branch = u"main"_s;
    config.apiUrl = apiUrl;
    config.tokenEnv = TokenEnv;
    return config;
}

} // namespace

QUrl TstCiSources::emulatorUrl(const QString &server, const QString &path) const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(m_ports.value(server).toInt());
    url.setPath(path);
    return url;
}

CiSourceConfig TstCiSources::emulatorConfig(const QString &provider, const QString &apiPath) const
{
    const QString path =
        apiPath != u"default" ? apiPath : (provider == u"github" ? QString() : u"/api/v4"_s);
    return configFor(provider, emulatorUrl(provider, path).toString());
}

std::unique_ptr<RestCiSource> TstCiSources::makeSource(const CiSourceConfig &config,
                                                       std::optional<QString> token)
{
    const bool github = config.provider == u"github";
    QProcessEnvironment env;
    if (!token)
        token = github ? GitHubToken : GitLabToken;
    if (!token->isEmpty())
        env.insert(TokenEnv, *token);
    if (github)
        return std::make_unique<GitHubSource>(config, m_http, env);
    return std::make_unique<GitLabSource>(config, m_http, env);
}

QJsonObject TstCiSources::control(const QString &path, const QJsonObject &body)
{
    HttpRequest request;
    request.url = emulatorUrl(u"github"_s, path);
    if (!body.isEmpty() || path != u"/_emulator/requests") {
        request.method = "POST";
        request.contentType = "application/json";
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    QEventLoop loop;
    HttpResponse response;
    m_http->send(request, [&](HttpResponse answer) {
        response = std::move(answer);
        loop.quit();
    });
    loop.exec();
    return QJsonDocument::fromJson(response.body).object();
}

QJsonArray TstCiSources::recorded(const QString &server)
{
    QJsonArray requests;
    for (const QJsonValue &value : control(u"/_emulator/requests"_s).value(u"requests"_s).toArray())
        if (value.toObject().value(u"server"_s).toString() == server)
            requests.append(value);
    return requests;
}

void TstCiSources::initTestCase()
{
    const QString python = QStandardPaths::findExecutable(u"python3"_s);
    if (python.isEmpty())
        QSKIP("python3 is not installed; the CI API emulator needs it");
    const QString script = QFINDTESTDATA("../integration/ciemulator.py");
    QVERIFY2(!script.isEmpty(), "tests/integration/ciemulator.py not found");
    QVERIFY(m_logs.isValid());
    const QList<std::pair<QString, QByteArray>> logs{{u"1002.log"_s, GitHubLog1002},
                                                     {u"2001.log"_s, GitLabLog2001},
                                                     {u"2002.log"_s, GitLabLog2002}};
    for (const auto &[name, text] : logs) {
        QFile file(m_logs.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text);
    }
    m_emulator.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_emulator.start(python, {script, u"--github-token"_s, GitHubToken, u"--gitlab-token"_s,
                              GitLabToken, u"--logs"_s, m_logs.path()});
    QVERIFY2(m_emulator.waitForStarted(10'000), "cannot start python3");
    QElapsedTimer clock;
    clock.start();
    while (!m_emulator.canReadLine() && clock.elapsed() < 15'000)
        m_emulator.waitForReadyRead(500);
    const QByteArray line = m_emulator.readLine();
    m_ports = QJsonDocument::fromJson(line).object();
    QVERIFY2(m_ports.value(u"storage"_s).toInt() > 0, line.constData());
    m_http = new HttpClient(this);
}

void TstCiSources::cleanupTestCase()
{
    if (m_emulator.state() != QProcess::NotRunning) {
        m_emulator.terminate();
        if (!m_emulator.waitForFinished(5'000))
            m_emulator.kill();
        m_emulator.waitForFinished(5'000);
    }
}

void TstCiSources::init()
{
    if (m_http)
        control(u"/_emulator/reset"_s);
}

void TstCiSources::nextLink_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("next");
    const QByteArray a = "https://api.github.com/repositories/1/actions/runs?per_page=100&page=2";
    const QByteArray b = "https://api.github.com/repositories/1/actions/runs?per_page=100&page=9";
    QTest::newRow("github order") << "<" + a + ">; rel=\"next\", <" + b + ">; rel=\"last\"" << a;
    QTest::newRow("next second") << "<" + b + ">; rel=\"prev\", <" + a + ">; rel=\"next\"" << a;
    QTest::newRow("case-insensitive") << "<" + a + ">; rel=\"Next\"" << a;
    QTest::newRow("unquoted") << "<" + a + ">;rel=next" << a;
    QTest::newRow("several rels") << "<" + a + ">; rel=\"last next\"" << a;
    QTest::newRow("comma in url") << QByteArray("<" + a + ",x>; rel=\"next\"") << a + ",x";
    QTest::newRow("last page") << "<" + b + ">; rel=\"prev\", <" + b + ">; rel=\"first\""
                               << QByteArray();
    QTest::newRow("empty") << QByteArray() << QByteArray();
}

void TstCiSources::nextLink()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, next);
    QCOMPARE(RestCiSource::nextLink(header).toEncoded(), next);
}

void TstCiSources::gitlabProjectKeepsEncodedSlashes()
{
    CiSourceConfig config = configFor(u"gitlab"_s, u"https:"_s + u"//gitlab.example.com/api/v4"_s);
    GitLabSource source(config, m_http, QProcessEnvironment());
    const QUrl url = source.projectUrl("/pipelines", {{"ref", u"release/1.2"_s}});
    const QByteArray expected =
        "https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fproject/pipelines"
        "?ref=release%2F1.2";
    QCOMPARE(url.toEncoded(), expected);
    // What QNetworkAccessManager sends is the request's URL, encoded again.
    QCOMPARE(QNetworkRequest(url).url().toEncoded(), expected);
    QCOMPARE(url.toString(QUrl::FullyEncoded).toUtf8(), expected);
}

void TstCiSources::deliversEveryFinishedJobOnce_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("apiPath"); // "" or GHES's "/api/v3"
    QTest::newRow("github") << u"github"_s << QString();
    QTest::newRow("github enterprise") << u"github"_s << u"/api/v3"_s;
    QTest::newRow("gitlab") << u"gitlab"_s << u"/api/v4"_s;
}

void TstCiSources::deliversEveryFinishedJobOnce()
{
    QFETCH(QString, provider);
    QFETCH(QString, apiPath);
    const bool github = provider == u"github";
    const auto source = makeSource(emulatorConfig(provider, apiPath));

    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status.has_value());
    QVERIFY2(outcome.status->ok(), qPrintable(outcome.status->error()));
    QCOMPARE(outcome.finishedCount, 1);

    // Exactly once, oldest first; in-progress, other-branch, 30-day-old, skipped-before-start
    // and superseded-attempt jobs are not there.
    const Expected want = expected(provider);
    QCOMPARE(outcome.ids(), want.jobs);
    qint64 previous = 0;
    for (qsizetype i = 0; i < outcome.jobs.size(); ++i) {
        const CiJobLog &job = outcome.jobs.at(i);
        QCOMPARE(job.key, keyOf(provider, want.jobs.at(i)));
        QCOMPARE(job.context.provider, provider);
        QCOMPARE(job.context.repo, want.repo);
        QCOMPARE(job.context.runId, want.runs.at(i));
        QCOMPARE(job.context.jobName, want.names.at(i));
        QCOMPARE(job.context.jobUrl, jobUrl(provider, want.runs.at(i), want.jobs.at(i)));
        QVERIFY(job.finishedAtMs >= previous);
        QVERIFY(job.finishedAtMs > QDateTime::currentMSecsSinceEpoch() - 30LL * 86'400'000);
        previous = job.finishedAtMs;
        const bool missing = want.missing.contains(job.context.jobId);
        QCOMPARE(job.logMissing, missing);
        QCOMPARE(job.log.isEmpty(), missing);
    }

    // The logs are the bytes the server sent: the test's own, or the emulator's realistic ones.
    if (github) {
        QCOMPARE(outcome.jobs.at(1).log, GitHubLog1002);
        const QByteArray generated = outcome.jobs.at(0).log;
        QVERIFY(generated.startsWith("\xEF\xBB\xBF"));
        static const QRegularExpression stamp(
            u"^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z "_s);
        QVERIFY(stamp.match(QString::fromUtf8(generated.sliced(3))).hasMatch());
    } else {
        QCOMPARE(outcome.jobs.at(0).log, GitLabLog2001);
        QCOMPARE(outcome.jobs.at(1).log, GitLabLog2002); // through the storage redirect
        QVERIFY(outcome.jobs.at(2).log.contains("section_start:"));
    }

    // Paging was followed for runs and for jobs (the emulator serves two items a page).
    const QJsonArray api = recorded(provider);
    QStringList paths;
    for (const QJsonValue &value : api)
        paths.append(value.toObject().value(u"path"_s).toString());
    const QString runsPath = github ? u"/actions/runs?"_s : u"/pipelines?"_s;
    const QString bigJobsPath = github ? u"/actions/runs/102/jobs?"_s : u"/pipelines/502/jobs?"_s;
    auto pagesOf = [&paths](const QString &part) {
        QSet<QString> pages;
        for (const QString &path : paths) {
            if (path.contains(part))
                pages.insert(path.contains(u"page=2"_s) ? u"2"_s : u"1"_s);
        }
        return pages;
    };
    QCOMPARE(pagesOf(runsPath), (QSet<QString>{u"1"_s, u"2"_s}));
    QCOMPARE(pagesOf(bigJobsPath), (QSet<QString>{u"1"_s, u"2"_s}));
    for (const QString &path : std::as_const(paths)) {
        QVERIFY2(path.startsWith(apiPath + u'/'), qPrintable(path));
        if (!github)
            QVERIFY2(path.startsWith(u"/api/v4/projects/group%2Fsub%2Fproject/"_s),
                     qPrintable(path));
    }
    QVERIFY(!paths.filter(github ? u"filter=latest"_s : u"scope=finished"_s).isEmpty());
    QVERIFY(!paths.filter(github ? u"created=%3E%3D"_s : u"created_after="_s).isEmpty());

    // Every API request carried the token; the storage host never saw it.
    for (const QJsonValue &value : api) {
        const QJsonObject headers = value.toObject().value(u"headers"_s).toObject();
        if (github) {
            QCOMPARE(headers.value(u"authorization"_s).toString(), u"Bearer "_s + GitHubToken);
            QCOMPARE(headers.value(u"x-github-api-version"_s).toString(), u"2022-11-28"_s);
            QCOMPARE(headers.value(u"accept"_s).toString(), u"application/vnd.github+json"_s);
        } else {
            QCOMPARE(headers.value(u"private-token"_s).toString(), GitLabToken);
        }
    }
    const QJsonArray storage = recorded(u"storage"_s);
    QCOMPARE(storage.size(), github ? 5 : 1); // 1001, 1002, 1003, 1007, 1008 / 2002
    for (const QJsonValue &value : storage) {
        const QJsonObject headers = value.toObject().value(u"headers"_s).toObject();
        QVERIFY(!headers.contains(u"authorization"_s));
        QVERIFY(!headers.contains(u"private-token"_s));
    }

    QVERIFY(outcome.progress.contains(source->name() + u": run 2 of 4, job 3 of 3"_s) ||
            outcome.progress.contains(source->name() + u": run 2 of 3, job 2 of 2"_s));
}

void TstCiSources::ledgerSkipsKnownJobs_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QStringList>("known");
    QTest::newRow("github") << u"github"_s << QStringList{u"1002"_s, u"1007"_s};
    QTest::newRow("gitlab") << u"gitlab"_s << QStringList{u"2001"_s, u"2004"_s};
}

void TstCiSources::ledgerSkipsKnownJobs()
{
    QFETCH(QString, provider);
    QFETCH(QStringList, known);
    const bool github = provider == u"github";
    const auto source = makeSource(emulatorConfig(provider));

    SetLedger ledger;
    for (const QString &job : known)
        ledger.keys.insert(keyOf(provider, job));
    Outcome first = runFetch(*source, ledger);
    QVERIFY(first.status && first.status->ok());
    QStringList want = expected(provider).jobs;
    for (const QString &job : known)
        want.removeAll(job);
    QCOMPARE(first.ids(), want);
    const QString logPart = github ? u"/logs"_s : u"/trace"_s;
    for (const QJsonValue &value : recorded(provider)) {
        const QString path = value.toObject().value(u"path"_s).toString();
        for (const QString &job : known)
            QVERIFY2(!path.contains(u"/jobs/"_s + job + logPart), qPrintable(path));
    }

    // Everything is known now: nothing is downloaded or delivered again.
    control(u"/_emulator/reset"_s);
    const Outcome second = runFetch(*source, ledger);
    QVERIFY(second.status && second.status->ok());
    QCOMPARE(second.jobs.size(), 0);
    QVERIFY(recorded(u"storage"_s).isEmpty());
    for (const QJsonValue &value : recorded(provider))
        QVERIFY(!value.toObject().value(u"path"_s).toString().contains(logPart));
}

void TstCiSources::wrongToken_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("token"); // empty: the variable is not set
    QTest::addColumn<QString>("message");
    QTest::newRow("github wrong") << u"github"_s << u"ghp_wrongToken999"_s << u"Bad credentials"_s;
    QTest::newRow("github missing") << u"github"_s << QString() << u"Requires authentication"_s;
    QTest::newRow("gitlab wrong") << u"gitlab"_s << u"glpat-wrongToken999"_s << u"Unauthorized"_s;
    QTest::newRow("gitlab missing") << u"gitlab"_s << QString() << u"Unauthorized"_s;
}

void TstCiSources::wrongToken()
{
    QFETCH(QString, provider);
    QFETCH(QString, token);
    QFETCH(QString, message);
    const bool github = provider == u"github";
    const auto source = makeSource(emulatorConfig(provider), token);
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && !outcome.status->ok());
    const QString error = outcome.status->error();
    QVERIFY2(error.startsWith(provider + u' ' + (github ? GitHubRepo : GitLabProject) +
                              u": HTTP 401 "_s + message),
             qPrintable(error));
    QVERIFY2(error.contains(TokenEnv), qPrintable(error)); // where the token came from
    QVERIFY(!error.contains(u'\n'));
    if (!token.isEmpty())
        QVERIFY2(!error.contains(token), qPrintable(error));
    QVERIFY(outcome.jobs.isEmpty());
    QCOMPARE(recorded(provider).size(), 1); // a 401 is not retried
}

void TstCiSources::rateLimitWaitsThenSucceeds_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QJsonObject>("settings");
    QTest::newRow("github primary 403")
        << u"github"_s << u"github_ratelimit"_s << QJsonObject{{u"count"_s, 1}, {u"reset_in"_s, 2}};
    QTest::newRow("github secondary retry-after")
        << u"github"_s << u"github_secondary"_s
        << QJsonObject{{u"count"_s, 1}, {u"retry_after"_s, 1}};
    QTest::newRow("gitlab 429 retry-after") << u"gitlab"_s << u"gitlab_ratelimit"_s
                                            << QJsonObject{{u"count"_s, 1}, {u"retry_after"_s, 2}};
}

void TstCiSources::rateLimitWaitsThenSucceeds()
{
    QFETCH(QString, provider);
    QFETCH(QString, mode);
    QFETCH(QJsonObject, settings);
    const auto source = makeSource(emulatorConfig(provider));
    control(u"/_emulator/mode"_s, {{mode, settings}});

    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status.has_value());
    QVERIFY2(outcome.status->ok(), qPrintable(outcome.status->error()));
    QCOMPARE(outcome.ids(), expected(provider).jobs);
    QVERIFY2(outcome.elapsedMs >= 900, qPrintable(QString::number(outcome.elapsedMs)));
    QVERIFY(!outcome.progress.filter(u"rate limited, waiting"_s).isEmpty());
    // The refused first request was asked again.
    const QJsonArray api = recorded(provider);
    QVERIFY(api.size() >= 2);
    QCOMPARE(api.at(0).toObject().value(u"path"_s), api.at(1).toObject().value(u"path"_s));
}

void TstCiSources::rateLimitTooLongFails_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QJsonObject>("settings");
    QTest::newRow("github reset in an hour") << u"github"_s << u"github_ratelimit"_s
                                             << QJsonObject{{u"count"_s, 1}, {u"reset_in"_s, 3600}};
    QTest::newRow("gitlab retry after an hour")
        << u"gitlab"_s << u"gitlab_ratelimit"_s
        << QJsonObject{{u"count"_s, 1}, {u"retry_after"_s, 3600}};
}

void TstCiSources::rateLimitTooLongFails()
{
    QFETCH(QString, provider);
    QFETCH(QString, mode);
    QFETCH(QJsonObject, settings);
    const bool github = provider == u"github";
    const auto source = makeSource(emulatorConfig(provider));
    control(u"/_emulator/mode"_s, {{mode, settings}});

    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && !outcome.status->ok());
    const QString error = outcome.status->error();
    QVERIFY2(error.startsWith(source->name() + u": HTTP "_s), qPrintable(error));
    QVERIFY2(error.contains(u"rate limit exceeded until "_s), qPrintable(error));
    // The reset time, about an hour from now, in ISO 8601 UTC.
    static const QRegularExpression until(u"until (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)"_s);
    const QRegularExpressionMatch match = until.match(error);
    QVERIFY2(match.hasMatch(), qPrintable(error));
    const qint64 resetMs =
        QDateTime::fromString(match.captured(1), Qt::ISODate).toMSecsSinceEpoch();
    QVERIFY(qAbs(resetMs - QDateTime::currentMSecsSinceEpoch() - 3'600'000) < 10'000);
    QVERIFY(outcome.elapsedMs < 5'000);
    QVERIFY(!error.contains(github ? GitHubToken : GitLabToken));
}

void TstCiSources::serverErrorIsRetried_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<int>("failures");
    QTest::addColumn<bool>("succeeds");
    QTest::newRow("github once") << u"github"_s << 1 << true;
    QTest::newRow("gitlab once") << u"gitlab"_s << 1 << true;
    QTest::newRow("github three times") << u"github"_s << 3 << false;
}

void TstCiSources::serverErrorIsRetried()
{
    QFETCH(QString, provider);
    QFETCH(int, failures);
    QFETCH(bool, succeeds);
    const auto source = makeSource(emulatorConfig(provider));
    control(u"/_emulator/mode"_s,
            {{u"server_error"_s, QJsonObject{{u"count"_s, failures}, {u"status"_s, 502}}}});
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status.has_value());
    QCOMPARE(outcome.status->ok(), succeeds);
    if (succeeds) {
        QCOMPARE(outcome.ids(), expected(provider).jobs);
    } else {
        QCOMPARE(outcome.status->error(),
                 source->name() + u": HTTP 502 Bad Gateway (listing runs)"_s);
        QCOMPARE(recorded(provider).size(), 1 + RestCiSource::MaxErrorRetries);
    }
}

void TstCiSources::unknownRepository_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("error");
    QTest::newRow("github") << u"github"_s << u"octo-org/nope"_s
                            << u"github octo-org/nope: HTTP 404 Not Found (listing runs)"_s;
    QTest::newRow("gitlab") << u"gitlab"_s << u"group/nope"_s
                            << u"gitlab group/nope: HTTP 404 Project Not Found (listing runs)"_s;
}

void TstCiSources::unknownRepository()
{
    QFETCH(QString, provider);
    QFETCH(QString, name);
    QFETCH(QString, error);
    const bool github = provider == u"github";
    CiSourceConfig config = emulatorConfig(provider);
    (github ? config.repo : config.project) = name;
    const auto source = makeSource(config);
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && !outcome.status->ok());
    QCOMPARE(outcome.status->error(), error);
}

void TstCiSources::githubWorkflowFilter()
{
    CiSourceConfig config = emulatorConfig(u"github"_s);
    config.workflow = u"nightly.yml"_s;
    const auto source = makeSource(config);
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && outcome.status->ok());
    QCOMPARE(outcome.ids(), QStringList{u"1008"_s});
    const QString first = recorded(u"github"_s).at(0).toObject().value(u"path"_s).toString();
    QVERIFY2(first.startsWith(u"/repos/octo-org/octo-repo/actions/workflows/nightly.yml/runs?"_s),
             qPrintable(first));
}

void TstCiSources::maxRunsKeepsNewest()
{
    const auto source = makeSource(emulatorConfig(u"github"_s));
    source->setLimits(2, 30);
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && outcome.status->ok());
    QCOMPARE(outcome.ids(), (QStringList{u"1007"_s, u"1008"_s}));
    // One page of runs was enough.
    for (const QJsonValue &value : recorded(u"github"_s))
        QVERIFY(!value.toObject().value(u"path"_s).toString().contains(u"runs?"_s) ||
                !value.toObject().value(u"path"_s).toString().contains(u"page=2"_s));
}

void TstCiSources::cancelInsideReceiver()
{
    const auto owned = makeSource(emulatorConfig(u"gitlab"_s));
    RestCiSource &source = *owned;
    int delivered = 0;
    connect(&source, &CiSource::jobLog, &source, [&] {
        ++delivered;
        source.cancel();
    });
    SetLedger ledger;
    const Outcome outcome = runFetch(source, ledger);
    QVERIFY(outcome.status && !outcome.status->ok());
    QCOMPARE(outcome.status->error(), u"gitlab group/sub/project: cancelled"_s);
    QCOMPARE(delivered, 1);
    QTest::qWait(300); // nothing arrives after finished
    QCOMPARE(delivered, 1);
    QVERIFY(!source.isRunning());
}

void TstCiSources::destroyedDuringFetch()
{
    // The HttpClient is shared and outlives sources; a late answer must find the source gone
    // rather than a dangling pointer (the sanitizer build catches the latter).
    auto source = makeSource(emulatorConfig(u"github"_s));
    SetLedger ledger;
    source->fetch(ledger);
    QCOMPARE(m_http->pending(), 1);
    source.reset();
    QTRY_COMPARE(m_http->pending(), 0);
    QCOMPARE(recorded(u"github"_s).size(), 1);
}

void TstCiSources::badConfigFails_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("error");
    QTest::newRow("github repo") << u"github"_s << u"octo-org"_s
                                 << u"github: \"octo-org\" is not OWNER/REPO"_s;
    QTest::newRow("gitlab project")
        << u"gitlab"_s << u"/group/"_s << u"gitlab: \"/group/\" is not a project path or id"_s;
}

void TstCiSources::badConfigFails()
{
    QFETCH(QString, provider);
    QFETCH(QString, name);
    QFETCH(QString, error);
    CiSourceConfig config = emulatorConfig(provider);
    (provider == u"github" ? config.repo : config.project) = name;
    const auto source = makeSource(config, QString());
    SetLedger ledger;
    const Outcome outcome = runFetch(*source, ledger);
    QVERIFY(outcome.status && !outcome.status->ok());
    QCOMPARE(outcome.status->error(), error);
    QVERIFY(recorded(provider).isEmpty());
}

QTEST_GUILESS_MAIN(TstCiSources)
#include "tst_cisources.moc"
