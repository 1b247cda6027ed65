#pragma once

#include "config/Config.h"
#include "ci/RestCiSource.h"

#include <QProcessEnvironment>

namespace pw {

// Job logs of GitHub Actions (or GitHub Enterprise Server, apiUrl https://HOST/api/v3) through
// the REST API: workflow runs (all workflows, or config.workflow), their latest-attempt jobs,
// and each job's log, which the API answers with a redirect to pre-signed blob storage that
// gets no token (HttpRequest::authorization stays on the API's origin).
class GitHubSource : public RestCiSource
{
    Q_OBJECT
public:
    GitHubSource(const CiSourceConfig &config, HttpClient *http,
                 QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                 QObject *parent = nullptr);

    // The API root: config.apiUrl, or https://api.github.com.
    QUrl apiBase() const { return m_base; }

protected:
    Status checkConfig() const override;
    QUrl runsUrl(qint64 createdAfterMs) const override;
    Result<QList<Run>> parseRuns(const QByteArray &json, qsizetype &listed) const override;
    QUrl jobsUrl(const Run &run) const override;
    Result<QList<Job>> parseJobs(const QByteArray &json, const Run &run,
                                 qsizetype &listed) const override;
    QUrl logUrl(const Job &job) const override;
    HttpRequest request(const QUrl &url) const override;
    Throttle throttle(const HttpResponse &response) const override;
    QString credentialHint() const override;

private:
    QByteArray repoPath() const; // "/repos/OWNER/REPO", encoded

    CiSourceConfig m_config;
    QUrl m_base;
    QString m_tokenEnv;
    QByteArray m_token;
};

} // namespace pw
