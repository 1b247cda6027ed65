#pragma once

#include "config/Config.h"
#include "ci/RestCiSource.h"

#include <QProcessEnvironment>

namespace pw {

// Job logs of GitLab CI through the REST API v4: finished pipelines, their finished jobs
// (success, failed, canceled) and each job's trace. The project is a numeric id or a full path
// (group/sub/project), sent with its slashes encoded as %2F as the API requires.
class GitLabSource : public RestCiSource
{
    Q_OBJECT
public:
    GitLabSource(const CiSourceConfig &config, HttpClient *http,
                 QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                 QObject *parent = nullptr);

    // The API root: config.apiUrl, or https://gitlab.com/api/v4.
    QUrl apiBase() const { return m_base; }
    // apiBase()/projects/<encoded project><encodedTail>, e.g. tail "/pipelines".
    QUrl projectUrl(QByteArrayView encodedTail,
                    const QList<std::pair<QByteArray, QString>> &query = {}) const;

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
    QUrl nextPage(const HttpResponse &response, const QUrl &current) const override;
    QByteArray credentialHeader() const override { return "PRIVATE-TOKEN"; }

private:
    CiSourceConfig m_config;
    QUrl m_base;
    QString m_tokenEnv;
    QByteArray m_token;
};

} // namespace pw
