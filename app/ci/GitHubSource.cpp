#include "ci/GitHubSource.h"

#include "net/HttpFailure.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pw {

namespace {

// The named array of a JSON object, or an error that says what arrived instead.
Result<QJsonArray> arrayOf(const QByteArray &json, const QString &field)
{
    const Result<QJsonDocument> parsed = RestCiSource::parseJson(json);
    if (!parsed)
        return Error{parsed.error()};
    const QJsonDocument &document = *parsed;
    const QJsonValue array = document.object().value(field);
    if (!array.isArray())
        return Error{u"the answer has no \"%1\" array"_s.arg(field)};
    return array.toArray();
}

} // namespace

GitHubSource::GitHubSource(const CiSourceConfig &config, HttpClient *http, QProcessEnvironment env,
                           QObject *parent)
    : RestCiSource(http, u"github"_s, config.repo, parent), m_config(config),
      m_base(config.apiUrl.isEmpty() ? u"https://api.github.com"_s : config.apiUrl,
             QUrl::StrictMode),
      m_tokenEnv(config.tokenEnv.isEmpty() ? u"GITHUB_TOKEN"_s : config.tokenEnv),
      m_token(env.value(m_tokenEnv).trimmed().toUtf8())
{
    http->addSecret(m_token);
}

Status GitHubSource::checkConfig() const
{
    const QStringList parts = m_config.repo.split(u'/');
    if (parts.size() != 2 || parts.at(0).isEmpty() || parts.at(1).isEmpty())
        return Error{u"github: \"%1\" is not OWNER/REPO"_s.arg(m_config.repo)};
    if (!m_base.isValid() || (m_base.scheme() != u"https" && m_base.scheme() != u"http"))
        return Error{u"github %1: API URL \"%2\" is not an http(s) URL"_s.arg(m_config.repo,
                                                                              m_config.apiUrl)};
    // A line break would end the credential header and start another one.
    if (m_token.contains('\r') || m_token.contains('\n') || m_token.contains('\0'))
        return Error{u"%1 %2: $%3 contains a line break or NUL"_s.arg(
            u"github"_s, m_config.repo, m_tokenEnv)};
    return {};
}

QByteArray GitHubSource::repoPath() const
{
    const QStringList parts = m_config.repo.split(u'/');
    return "/repos/" + QUrl::toPercentEncoding(parts.value(0)) + '/' +
           QUrl::toPercentEncoding(parts.value(1));
}

QUrl GitHubSource::runsUrl(qint64 createdAfterMs) const
{
    QByteArray path = repoPath() + "/actions";
    if (!m_config.workflow.isEmpty())
        path += "/workflows/" + QUrl::toPercentEncoding(m_config.workflow);
    path += "/runs";
    QList<std::pair<QByteArray, QString>> query;
    if (!m_config.branch.isEmpty())
        query.append({"branch", m_config.branch});
    query.append({"status", u"completed"_s});
    if (createdAfterMs > 0)
        query.append({"created", u">="_s + QDateTime::fromMSecsSinceEpoch(createdAfterMs, Qt::UTC)
                                               .toString(Qt::ISODate)});
    query.append({"per_page", u"100"_s});
    return buildUrl(m_base, path, query);
}

Result<QList<RestCiSource::Run>> GitHubSource::parseRuns(const QByteArray &json,
                                                         qsizetype &listed) const
{
    Result<QJsonArray> array = arrayOf(json, u"workflow_runs"_s);
    if (!array)
        return Error{array.error()};
    listed = array->size();
    QList<Run> runs;
    for (const QJsonValue &value : std::as_const(*array)) {
        const QJsonObject object = value.toObject();
        if (object.value(u"status"_s).toString() != u"completed")
            continue;
        runs.append(Run{idString(object.value(u"id"_s)), isoMs(object.value(u"created_at"_s))});
    }
    return runs;
}

QUrl GitHubSource::jobsUrl(const Run &run) const
{
    // filter=latest: a re-run's earlier attempts were superseded; their logs say nothing new.
    return buildUrl(m_base, QByteArray(repoPath() + "/actions/runs/" + run.id.toUtf8() + "/jobs"),
                    {{"filter", u"latest"_s}, {"per_page", u"100"_s}});
}

Result<QList<RestCiSource::Job>> GitHubSource::parseJobs(const QByteArray &json, const Run &run,
                                                         qsizetype &listed) const
{
    Result<QJsonArray> array = arrayOf(json, u"jobs"_s);
    if (!array)
        return Error{array.error()};
    listed = array->size();
    QList<Job> jobs;
    for (const QJsonValue &value : std::as_const(*array)) {
        const QJsonObject object = value.toObject();
        if (object.value(u"status"_s).toString() != u"completed")
            continue;
        Job job;
        job.id = idString(object.value(u"id"_s));
        job.runId = object.contains(u"run_id"_s) ? idString(object.value(u"run_id"_s)) : run.id;
        job.name = object.value(u"name"_s).toString();
        job.url = object.value(u"html_url"_s).toString();
        job.finishedAtMs = isoMs(object.value(u"completed_at"_s));
        if (!job.id.isEmpty())
            jobs.append(job);
    }
    return jobs;
}

QUrl GitHubSource::logUrl(const Job &job) const
{
    return buildUrl(m_base, QByteArray(repoPath() + "/actions/jobs/" + job.id.toUtf8() + "/logs"),
                    {});
}

HttpRequest GitHubSource::request(const QUrl &url) const
{
    HttpRequest request;
    request.url = url;
    request.headers = {{"Accept", "application/vnd.github+json"},
                       {"X-GitHub-Api-Version", "2022-11-28"}};
    // As `authorization`, the token never follows the log's redirect to blob storage.
    if (!m_token.isEmpty())
        request.authorization = "Bearer " + m_token;
    return request;
}

RestCiSource::Throttle GitHubSource::throttle(const HttpResponse &response) const
{
    if (response.status != 403 && response.status != 429)
        return {};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (response.header("x-ratelimit-remaining").trimmed() == "0") {
        bool ok = false;
        const qint64 reset = response.header("x-ratelimit-reset").trimmed().toLongLong(&ok);
        return {true, ok ? std::max(now, reset * 1000) : 0};
    }
    // Secondary limits: retry-after when given, else back off from a minute.
    if (const qint64 after = http::parseRetryAfter(response.header("retry-after"), now);
        after >= 0)
        return {true, now + after};
    if (response.status == 429 ||
        errorMessage(response).contains(u"secondary rate limit"_s, Qt::CaseInsensitive))
        return {true, 0};
    return {};
}

QString GitHubSource::credentialHint() const
{
    return m_token.isEmpty() ? u"no token: $%1 is not set"_s.arg(m_tokenEnv)
                             : u"token from $%1"_s.arg(m_tokenEnv);
}

} // namespace pw
