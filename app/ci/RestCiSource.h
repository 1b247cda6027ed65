#pragma once

#include "net/HttpClient.h"
#include "ci/CiSource.h"
#include "config/Config.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QList>
#include <QUrl>

#include <functional>
#include <utility>

namespace pw {

// The walk GitHub Actions and GitLab share: list the runs (pipelines) page by page, newest
// first and capped; for each run, oldest first, list its finished jobs page by page; download
// each job's log the ledger does not know yet. Rate-limit answers are waited out when the wait
// is short, 5xx and transport failures are retried twice, anything else ends the fetch with
// one line naming the source. Providers supply URLs, headers and JSON parsing.
class RestCiSource : public CiSource
{
    Q_OBJECT
public:
    // GitHub returns at most 1000 runs for a filtered listing anyway, and its default log
    // retention is 90 days; 30 days of 1000 runs bound one fetch to ~1000 job listings.
    static constexpr int DefaultMaxRuns = 1000;
    static constexpr int DefaultMaxAgeDays = 30;
    static constexpr qint64 ApiTimeoutMs = 30'000;
    static constexpr qint64 LogTimeoutMs = 120'000;
    static constexpr qint64 MaxLogBytes = 64 << 20; // longer logs are delivered cut here
    static constexpr qint64 DefaultMaxWaitMs = 60'000;
    static constexpr int MaxRateLimitRetries = 3;
    static constexpr int MaxErrorRetries = 2;

    ~RestCiSource() override;

    // Only the newest maxRuns runs, created in the last maxAgeDays days (0: no age limit).
    void setLimits(int maxRuns, int maxAgeDays);
    // A rate limit lasting longer than this ends the fetch with an error instead of waiting.
    void setMaxWaitMs(qint64 ms) { m_maxWaitMs = ms; }

    void fetch(const IngestLedger &ledger) final;
    void cancel() final;
    bool isRunning() const { return m_running; }

    // How errors and progress name the source: "github rook/rook", "gitlab group/app".
    QString name() const { return m_provider + u' ' + m_repo; }
    // CiJobLog::key: "github:OWNER/REPO:job:123", "gitlab:PROJECT:job:456".
    QString jobKey(const QString &jobId) const;

    // The target of rel="next" in a Link header (rel matched case-insensitively), or empty.
    static QUrl nextLink(QByteArrayView linkHeader);
    // JSON helpers of both APIs: ISO 8601 times (0 when absent), ids that may be numbers, and
    // the parsed answer or an error saying what arrived instead.
    static qint64 isoMs(const QJsonValue &value);
    static QString idString(const QJsonValue &value);
    static Result<QJsonDocument> parseJson(const QByteArray &json);
    // base + an already percent-encoded path + query items (values encoded here), built from
    // bytes so that an encoded "/" (%2F) in the path survives.
    static QUrl buildUrl(const QUrl &base, QByteArrayView encodedPath,
                         const QList<std::pair<QByteArray, QString>> &query);

protected:
    struct Run
    {
        QString id;
        qint64 createdAtMs = 0;
    };
    struct Job
    {
        QString id;
        QString runId;
        QString name;
        QString url; // the page a person opens
        qint64 finishedAtMs = 0;
    };
    // A refused request that is worth repeating later.
    struct Throttle
    {
        bool limited = false;
        qint64 untilMs = 0; // epoch ms; 0: unknown, back off (60 s, doubling)
    };

    RestCiSource(HttpClient *http, QString provider, QString repo, QObject *parent);

    // An error when the configuration cannot work (checked when a fetch starts).
    virtual Status checkConfig() const = 0;
    virtual QUrl runsUrl(qint64 createdAfterMs) const = 0;
    // listed: the items on the page before any filtering (an empty page ends the paging).
    virtual Result<QList<Run>> parseRuns(const QByteArray &json, qsizetype &listed) const = 0;
    virtual QUrl jobsUrl(const Run &run) const = 0;
    // Only the finished jobs.
    virtual Result<QList<Job>> parseJobs(const QByteArray &json, const Run &run,
                                         qsizetype &listed) const = 0;
    virtual QUrl logUrl(const Job &job) const = 0;
    // A GET of url with the provider's headers and credentials.
    virtual HttpRequest request(const QUrl &url) const = 0;
    virtual Throttle throttle(const HttpResponse &response) const = 0;
    // After a 401/403: where the credential came from ("token from $GITHUB_TOKEN").
    virtual QString credentialHint() const = 0;
    // Default: the Link header's rel="next".
    virtual QUrl nextPage(const HttpResponse &response, const QUrl &current) const;
    // A credential sent in a header of its own (GitLab's PRIVATE-TOKEN). HttpClient keeps only
    // `authorization` on its origin, so requests carrying this one follow redirects here.
    virtual QByteArray credentialHeader() const { return {}; }

    // The error body's "message" (or "error"), else the reason phrase; one line.
    static QString errorMessage(const HttpResponse &response);

private:
    struct Call;
    void send(std::shared_ptr<Call> call);
    void received(const std::shared_ptr<Call> &call, HttpResponse response);
    void retryLater(std::shared_ptr<Call> call, qint64 delayMs);
    enum class Fetching
    {
        Listing,
        Log // longer deadline, larger body, 404/410 are an answer (the log is gone)
    };
    void get(const QUrl &url, Fetching kind, QString what,
             std::function<void(const HttpResponse &)> done);
    void fail(const QString &what, const QString &problem);
    void finish(Status status);

    void listRuns(const QUrl &url, int page);
    void nextRun();
    void listJobs(const QUrl &url);
    void nextJob();

    HttpClient *m_http;
    QString m_provider;
    QString m_repo;
    int m_maxRuns = DefaultMaxRuns;
    int m_maxAgeDays = DefaultMaxAgeDays;
    qint64 m_maxWaitMs = DefaultMaxWaitMs;

    const IngestLedger *m_ledger = nullptr;
    bool m_running = false;
    quint64 m_generation = 0; // answers of an earlier (cancelled) fetch are dropped
    qint64 m_createdAfterMs = 0;
    QList<Run> m_runs;
    qsizetype m_runIndex = -1;
    QList<Job> m_jobs;
    qsizetype m_jobIndex = -1;
};

// The API source for a "github" or "gitlab" entry of the config (`ingest --github/--gitlab`
// and serve's polling both make theirs here).
std::unique_ptr<RestCiSource> makeRestCiSource(const CiSourceConfig &config, HttpClient *http);

} // namespace pw
