#include "ci/GitLabSource.h"

#include "net/HttpFailure.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace pw {

namespace {

Result<QJsonArray> topArray(const QByteArray &json)
{
    const Result<QJsonDocument> parsed = RestCiSource::parseJson(json);
    if (!parsed)
        return Error{parsed.error()};
    const QJsonDocument &document = *parsed;
    if (!document.isArray())
        return Error{u"the answer is not a JSON array"_s};
    return document.array();
}

} // namespace

GitLabSource::GitLabSource(const CiSourceConfig &config, HttpClient *http, QProcessEnvironment env,
                           QObject *parent)
    : RestCiSource(http, u"gitlab"_s, config.project, parent), m_config(config),
      m_base(config.apiUrl.isEmpty() ? u"https://gitlab.com/api/v4"_s : config.apiUrl,
             QUrl::StrictMode),
      m_tokenEnv(config.tokenEnv.isEmpty() ? u"GITLAB_TOKEN"_s : config.tokenEnv),
      m_token(env.value(m_tokenEnv).trimmed().toUtf8())
{
    http->addSecret(m_token);
}

QUrl GitLabSource::projectUrl(QByteArrayView encodedTail,
                              const QList<std::pair<QByteArray, QString>> &query) const
{
    // toPercentEncoding turns "/" into %2F; buildUrl assembles bytes, so QUrl never sees a
    // decoded slash it could take for a path separator.
    return buildUrl(
        m_base, QByteArray("/projects/" + QUrl::toPercentEncoding(m_config.project) + encodedTail),
        query);
}

Status GitLabSource::checkConfig() const
{
    if (m_config.project.isEmpty() || m_config.project.startsWith(u'/') ||
        m_config.project.endsWith(u'/'))
        return Error{u"gitlab: \"%1\" is not a project path or id"_s.arg(m_config.project)};
    if (!m_base.isValid() || (m_base.scheme() != u"https" && m_base.scheme() != u"http"))
        return Error{u"gitlab %1: API URL \"%2\" is not an http(s) URL"_s.arg(m_config.project,
                                                                              m_config.apiUrl)};
    // A line break would end the credential header and start another one.
    if (m_token.contains('\r') || m_token.contains('\n') || m_token.contains('\0'))
        return Error{u"%1 %2: $%3 contains a line break or NUL"_s.arg(
            u"gitlab"_s, m_config.project, m_tokenEnv)};
    return {};
}

QUrl GitLabSource::runsUrl(qint64 createdAfterMs) const
{
    QList<std::pair<QByteArray, QString>> query{{"scope", u"finished"_s}};
    if (!m_config.branch.isEmpty())
        query.append({"ref", m_config.branch});
    if (createdAfterMs > 0)
        query.append(
            {"created_after",
             QDateTime::fromMSecsSinceEpoch(createdAfterMs, Qt::UTC).toString(Qt::ISODate)});
    query.append({"per_page", u"100"_s});
    return projectUrl("/pipelines", query);
}

Result<QList<RestCiSource::Run>> GitLabSource::parseRuns(const QByteArray &json,
                                                         qsizetype &listed) const
{
    Result<QJsonArray> array = topArray(json);
    if (!array)
        return Error{array.error()};
    listed = array->size();
    QList<Run> runs;
    for (const QJsonValue &value : std::as_const(*array)) {
        const QJsonObject object = value.toObject();
        const QString id = idString(object.value(u"id"_s));
        if (!id.isEmpty())
            runs.append(Run{id, isoMs(object.value(u"created_at"_s))});
    }
    return runs;
}

QUrl GitLabSource::jobsUrl(const Run &run) const
{
    return projectUrl(QByteArray("/pipelines/" + run.id.toUtf8() + "/jobs"),
                      {{"per_page", u"100"_s}});
}

Result<QList<RestCiSource::Job>> GitLabSource::parseJobs(const QByteArray &json, const Run &run,
                                                         qsizetype &listed) const
{
    Result<QJsonArray> array = topArray(json);
    if (!array)
        return Error{array.error()};
    listed = array->size();
    QList<Job> jobs;
    for (const QJsonValue &value : std::as_const(*array)) {
        const QJsonObject object = value.toObject();
        const QString status = object.value(u"status"_s).toString();
        // Skipped and manual jobs never ran: they have no log worth reading.
        if (status != u"success" && status != u"failed" && status != u"canceled")
            continue;
        Job job;
        job.id = idString(object.value(u"id"_s));
        const QJsonValue pipeline = object.value(u"pipeline"_s).toObject().value(u"id"_s);
        job.runId = pipeline.isUndefined() ? run.id : idString(pipeline);
        job.name = object.value(u"name"_s).toString();
        job.url = object.value(u"web_url"_s).toString();
        job.finishedAtMs = isoMs(object.value(u"finished_at"_s));
        if (!job.id.isEmpty())
            jobs.append(job);
    }
    return jobs;
}

QUrl GitLabSource::logUrl(const Job &job) const
{
    return projectUrl(QByteArray("/jobs/" + job.id.toUtf8() + "/trace"));
}

HttpRequest GitLabSource::request(const QUrl &url) const
{
    HttpRequest request;
    request.url = url;
    if (!m_token.isEmpty()) {
        request.headers.append({"PRIVATE-TOKEN", m_token});
        request.secrets.append(m_token);
    }
    return request;
}

QUrl GitLabSource::nextPage(const HttpResponse &response, const QUrl &current) const
{
    // An empty x-next-page is the last page; without the header at all, try Link.
    const QList<QByteArray> next = response.headerValues("x-next-page");
    if (next.isEmpty())
        return RestCiSource::nextPage(response, current);
    bool ok = false;
    const int page = next.first().trimmed().toInt(&ok);
    if (!ok || page <= 0)
        return {};
    QUrlQuery query(current);
    query.removeAllQueryItems(u"page"_s);
    query.addQueryItem(u"page"_s, QString::number(page));
    QUrl url = current;
    url.setQuery(query);
    return url;
}

RestCiSource::Throttle GitLabSource::throttle(const HttpResponse &response) const
{
    if (response.status != 429)
        return {};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (const qint64 after = http::parseRetryAfter(response.header("Retry-After"), now);
        after >= 0)
        return {true, now + after};
    bool ok = false;
    const qint64 reset = response.header("RateLimit-Reset").trimmed().toLongLong(&ok);
    return {true, ok ? std::max(now, reset * 1000) : 0};
}

QString GitLabSource::credentialHint() const
{
    return m_token.isEmpty() ? u"no token: $%1 is not set"_s.arg(m_tokenEnv)
                             : u"token from $%1"_s.arg(m_tokenEnv);
}

} // namespace pw
