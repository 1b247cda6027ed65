#include "ci/RestCiSource.h"

#include "ci/GitHubSource.h"
#include "ci/GitLabSource.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pw {

namespace {

constexpr qint64 DayMs = 24LL * 60 * 60 * 1000;
constexpr qint64 MaxApiBytes = 16 << 20;
constexpr int MaxManualHops = 5;
// The reset time is whole seconds; a little later is safer than a second refusal.
constexpr qint64 ResetMarginMs = 500;

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool isTransient(int status)
{
    return status == 500 || status == 502 || status == 503 || status == 504;
}

// Ids are numbers on both services; compare them as such ("9" before "10").
bool idLess(const QString &a, const QString &b)
{
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

struct RestCiSource::Call
{
    HttpRequest request;
    QUrl originalUrl; // for the origin check of redirects followed here
    QString what;     // "listing runs", for messages
    QList<int> accepted;
    std::function<void(const HttpResponse &)> done;
    quint64 generation = 0;
    int hops = 0;
    int rateLimitRetries = 0;
    int errorRetries = 0;
};

RestCiSource::RestCiSource(HttpClient *http, QString provider, QString repo, QObject *parent)
    : CiSource(parent), m_http(http), m_provider(std::move(provider)), m_repo(std::move(repo))
{}

RestCiSource::~RestCiSource() = default;

void RestCiSource::setLimits(int maxRuns, int maxAgeDays)
{
    m_maxRuns = std::max(1, maxRuns);
    m_maxAgeDays = std::max(0, maxAgeDays);
}

QUrl RestCiSource::nextLink(QByteArrayView linkHeader)
{
    // <url>; rel="next", <url>; rel="last" — a URL may itself contain commas, so walk the
    // angle brackets instead of splitting.
    qsizetype pos = 0;
    while (true) {
        const qsizetype open = linkHeader.indexOf('<', pos);
        if (open < 0)
            return {};
        const qsizetype close = linkHeader.indexOf('>', open);
        if (close < 0)
            return {};
        qsizetype end = linkHeader.indexOf('<', close);
        if (end < 0)
            end = linkHeader.size();
        const QByteArrayView target = linkHeader.sliced(open + 1, close - open - 1).trimmed();
        const QByteArray params = linkHeader.sliced(close + 1, end - close - 1).toByteArray();
        for (const QByteArray &param : params.split(';')) {
            const qsizetype eq = param.indexOf('=');
            if (eq < 0 || param.first(eq).trimmed().toLower() != "rel")
                continue;
            QByteArray value = param.sliced(eq + 1).trimmed();
            while (value.endsWith(',') || value.endsWith(' '))
                value.chop(1);
            if (value.startsWith('"') && value.endsWith('"') && value.size() >= 2)
                value = value.sliced(1, value.size() - 2);
            for (const QByteArray &rel : value.split(' ')) {
                if (rel.compare("next", Qt::CaseInsensitive) == 0)
                    return QUrl::fromEncoded(target.toByteArray(), QUrl::StrictMode);
            }
        }
        pos = end;
    }
}

QUrl RestCiSource::buildUrl(const QUrl &base, QByteArrayView encodedPath,
                            const QList<std::pair<QByteArray, QString>> &query)
{
    QByteArray text =
        base.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash)
            .toEncoded();
    text += encodedPath;
    char separator = '?';
    for (const auto &[key, value] : query) {
        text += separator + key + '=' + QUrl::toPercentEncoding(value);
        separator = '&';
    }
    return QUrl::fromEncoded(text, QUrl::StrictMode);
}

QUrl RestCiSource::nextPage(const HttpResponse &response, const QUrl &current) const
{
    Q_UNUSED(current)
    return nextLink(response.header("Link"));
}

QString RestCiSource::errorMessage(const HttpResponse &response)
{
    QString message;
    const QJsonDocument document = QJsonDocument::fromJson(response.body);
    if (document.isObject()) {
        const QJsonObject object = document.object();
        const QJsonValue value =
            object.contains(u"message"_s) ? object.value(u"message"_s) : object.value(u"error"_s);
        message =
            value.isString()
                ? value.toString()
                : QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        if (value.isUndefined() || value.isNull())
            message.clear();
    } else if (response.header("Content-Type").startsWith("text/plain")) {
        message = QString::fromUtf8(response.body.left(200)).trimmed();
    }
    // GitLab repeats the status ("401 Unauthorized"), which follows "HTTP 401" already.
    const QString status = QString::number(response.status) + u' ';
    if (message.startsWith(status))
        message = message.sliced(status.size());
    if (message.isEmpty())
        message = response.reason;
    message = message.simplified();
    if (message.size() > 200)
        message = message.left(200) + u'…';
    return message;
}

void RestCiSource::fetch(const IngestLedger &ledger)
{
    ++m_generation; // a fetch still running is abandoned without a word
    m_ledger = &ledger;
    m_running = true;
    m_runs.clear();
    m_jobs.clear();
    m_runIndex = -1;
    m_jobIndex = -1;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_createdAfterMs = m_maxAgeDays > 0 ? now - m_maxAgeDays * DayMs : 0;

    const Status config = checkConfig();
    if (!config) {
        // Reported later, as every other outcome is: callers connect, then fetch.
        QTimer::singleShot(0, this, [this, generation = m_generation, config] {
            if (generation == m_generation)
                finish(config);
        });
        return;
    }
    listRuns(runsUrl(m_createdAfterMs), 1);
}

void RestCiSource::cancel()
{
    if (!m_running)
        return;
    finish(Error{name() + u": cancelled"_s});
}

void RestCiSource::finish(Status status)
{
    ++m_generation;
    m_running = false;
    m_ledger = nullptr;
    m_runs.clear();
    m_jobs.clear();
    if (!status)
        status = Error{m_http->secrets().apply(status.error())};
    emit finished(status);
}

void RestCiSource::fail(const QString &what, const QString &problem)
{
    finish(Error{name() + u": "_s + problem + u" ("_s + what + u')'});
}

void RestCiSource::get(const QUrl &url, Fetching kind, QString what,
                       std::function<void(const HttpResponse &)> done)
{
    const bool log = kind == Fetching::Log;
    auto call = std::make_shared<Call>();
    call->request = request(url);
    call->request.timeoutMs = log ? LogTimeoutMs : ApiTimeoutMs;
    call->request.maxKeptBytes = log ? MaxLogBytes : MaxApiBytes;
    call->request.byteLimit = call->request.maxKeptBytes;
    call->accepted = log ? QList<int>{404, 410} : QList<int>{};
    call->originalUrl = url;
    call->what = std::move(what);
    call->done = std::move(done);
    call->generation = m_generation;
    const QByteArray credential = credentialHeader();
    if (!credential.isEmpty()) {
        for (const auto &header : std::as_const(call->request.headers)) {
            if (header.first.compare(credential, Qt::CaseInsensitive) == 0)
                call->request.maxRedirects = 0;
        }
    }
    send(call);
}

void RestCiSource::send(std::shared_ptr<Call> call)
{
    // The client may outlive this source (it is shared): a late answer must find it gone.
    m_http->send(call->request, [self = QPointer(this), call](HttpResponse response) {
        if (self && call->generation == self->m_generation)
            self->received(call, std::move(response));
    });
}

void RestCiSource::retryLater(std::shared_ptr<Call> call, qint64 delayMs)
{
    QTimer::singleShot(std::clamp<qint64>(delayMs, 0, INT_MAX), this, [this, call] {
        if (call->generation == m_generation)
            send(call);
    });
}

void RestCiSource::received(const std::shared_ptr<Call> &call, HttpResponse response)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (response.failed() && !response.truncated) {
        if (call->errorRetries < MaxErrorRetries) {
            retryLater(call, 1000LL << call->errorRetries++);
            return;
        }
        return fail(call->what, response.errorString);
    }

    // Only requests with a credential header of their own get here with a redirect.
    if (isRedirect(response.status) && call->request.maxRedirects == 0) {
        const QUrl target =
            call->request.url.resolved(QUrl::fromEncoded(response.header("Location")));
        if (call->hops >= MaxManualHops || !target.isValid())
            return fail(call->what, u"HTTP %1 without a usable Location"_s.arg(response.status));
        if (call->request.url.scheme() == u"https" && target.scheme() != u"https")
            return fail(call->what, u"refused to follow a redirect from https to "_s +
                                        HttpClient::displayUrl(target));
        if (!HttpClient::sameOrigin(target, call->originalUrl)) {
            const QByteArray credential = credentialHeader();
            call->request.headers.removeIf([&credential](const auto &header) {
                return header.first.compare(credential, Qt::CaseInsensitive) == 0;
            });
            call->request.authorization.clear();
        }
        ++call->hops;
        call->request.url = target;
        send(call);
        return;
    }

    if (const Throttle limit = throttle(response); limit.limited) {
        // Without a time, back off from a minute, doubling (GitHub's advice for secondary limits).
        const qint64 until =
            limit.untilMs > 0 ? limit.untilMs : now + (DefaultMaxWaitMs << call->rateLimitRetries);
        if (until - now <= m_maxWaitMs && call->rateLimitRetries < MaxRateLimitRetries) {
            ++call->rateLimitRetries;
            emit progress(name() +
                          u": rate limited, waiting %1 s"_s.arg((until - now + 999) / 1000));
            retryLater(call, until - now + ResetMarginMs);
            return;
        }
        return fail(
            call->what,
            u"HTTP %1 rate limit exceeded until %2"_s.arg(response.status).arg(isoTime(until)));
    }

    if (isTransient(response.status) && call->errorRetries < MaxErrorRetries) {
        retryLater(call, 1000LL << call->errorRetries++);
        return;
    }
    if ((response.status >= 200 && response.status < 300) ||
        call->accepted.contains(response.status)) {
        call->done(response);
        return;
    }
    QString what = call->what;
    if (response.status == 401 || response.status == 403)
        what += u"; "_s + credentialHint();
    fail(what, u"HTTP %1 %2"_s.arg(response.status).arg(errorMessage(response)));
}

void RestCiSource::listRuns(const QUrl &url, int page)
{
    emit progress(name() + u": listing runs, page %1"_s.arg(page));
    get(url, Fetching::Listing, u"listing runs"_s, [this, url, page](const HttpResponse &response) {
        qsizetype listed = 0;
        Result<QList<Run>> runs = parseRuns(response.body, listed);
        if (!runs)
            return fail(u"listing runs"_s, runs.error());
        for (const Run &run : std::as_const(*runs)) {
            // The server filters by age too; an old GHES may not, and the cap must hold.
            if (m_runs.size() < m_maxRuns && run.createdAtMs >= m_createdAfterMs)
                m_runs.append(run);
        }
        const QUrl next = nextPage(response, url);
        if (!next.isEmpty() && !HttpClient::sameOrigin(next, url))
            return fail(u"listing runs"_s,
                        u"the next page is on another host: "_s + HttpClient::displayUrl(next));
        if (!next.isEmpty() && listed > 0 && m_runs.size() < m_maxRuns)
            return listRuns(next, page + 1);

        // Pages shift while new runs start, so a run can appear twice.
        QSet<QString> seen;
        m_runs.removeIf([&seen](const Run &run) {
            const bool twice = seen.contains(run.id);
            seen.insert(run.id);
            return twice;
        });
        std::sort(m_runs.begin(), m_runs.end(), [](const Run &a, const Run &b) {
            return a.createdAtMs != b.createdAtMs ? a.createdAtMs < b.createdAtMs
                                                  : idLess(a.id, b.id);
        });
        m_runIndex = -1;
        nextRun();
    });
}

QString RestCiSource::jobKey(const QString &jobId) const
{
    return m_provider + u':' + m_repo + u":job:"_s + jobId;
}

void RestCiSource::nextRun()
{
    if (++m_runIndex >= m_runs.size())
        return finish(Status{});
    m_jobs.clear();
    listJobs(jobsUrl(m_runs.at(m_runIndex)));
}

void RestCiSource::listJobs(const QUrl &url)
{
    const Run run = m_runs.at(m_runIndex);
    const QString what = u"listing jobs of run "_s + run.id;
    get(url, Fetching::Listing, what, [this, url, run, what](const HttpResponse &response) {
        qsizetype listed = 0;
        Result<QList<Job>> jobs = parseJobs(response.body, run, listed);
        if (!jobs)
            return fail(what, jobs.error());
        for (const Job &job : std::as_const(*jobs)) {
            const bool known = std::any_of(m_jobs.cbegin(), m_jobs.cend(),
                                           [&job](const Job &other) { return other.id == job.id; });
            if (!known && !m_ledger->contains(jobKey(job.id)))
                m_jobs.append(job);
        }
        const QUrl next = nextPage(response, url);
        if (!next.isEmpty() && !HttpClient::sameOrigin(next, url))
            return fail(what,
                        u"the next page is on another host: "_s + HttpClient::displayUrl(next));
        if (!next.isEmpty() && listed > 0)
            return listJobs(next);
        std::sort(m_jobs.begin(), m_jobs.end(), [](const Job &a, const Job &b) {
            return a.finishedAtMs != b.finishedAtMs ? a.finishedAtMs < b.finishedAtMs
                                                    : idLess(a.id, b.id);
        });
        m_jobIndex = -1;
        nextJob();
    });
}

void RestCiSource::nextJob()
{
    if (++m_jobIndex >= m_jobs.size())
        return nextRun();
    const Job job = m_jobs.at(m_jobIndex);
    emit progress(name() + u": run %1 of %2, job %3 of %4"_s.arg(m_runIndex + 1)
                               .arg(m_runs.size())
                               .arg(m_jobIndex + 1)
                               .arg(m_jobs.size()));
    get(logUrl(job), Fetching::Log, u"downloading the log of job "_s + job.id,
        [this, job](const HttpResponse &response) {
            CiJobLog log;
            log.key = jobKey(job.id);
            log.context = CiContext{m_provider, m_repo, job.runId, job.id, job.name, job.url};
            log.finishedAtMs = job.finishedAtMs;
            log.logMissing = response.status == 404 || response.status == 410;
            if (!log.logMissing) // a job that printed the token must not store it
                log.log = m_http->secrets().apply(response.body);
            const quint64 generation = m_generation;
            const QPointer self(this);
            emit jobLog(log);
            if (self && generation == m_generation) // the receiver may have cancelled
                nextJob();
        });
}

qint64 RestCiSource::isoMs(const QJsonValue &value)
{
    const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : 0;
}

QString RestCiSource::idString(const QJsonValue &value)
{
    return value.isDouble() ? QString::number(value.toInteger()) : value.toString();
}

Result<QJsonDocument> RestCiSource::parseJson(const QByteArray &json)
{
    QJsonParseError error;
    QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{QStringLiteral("the answer is not JSON (%1 at offset %2)")
                         .arg(error.errorString())
                         .arg(error.offset)};
    return document;
}

std::unique_ptr<RestCiSource> makeRestCiSource(const CiSourceConfig &config, HttpClient *http)
{
    if (config.provider == u"github"_s)
        return std::make_unique<GitHubSource>(config, http);
    return std::make_unique<GitLabSource>(config, http);
}

} // namespace pw
