#pragma once

#include "config/Config.h"
#include "net/HttpClient.h"
#include "history/OpenHistory.h"
#include "ci/CiIngester.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace pw {

class CiPoller;

// The poller's CPU- and disk-heavy half, on a thread of its own: log imports and the
// config's CI sources (CiPoller), through one connection to the history and one classifier,
// built on first need (about a second). Imports and CI rounds take turns, so a file is never
// ingested twice at once.
class IngestWorker : public QObject
{
    Q_OBJECT
public:
    // pollCi false: CI sources are not polled (demo history); imports still work.
    IngestWorker(QString historyPath, bool pollCi);
    ~IngestWorker() override;

    // Applies the config's CI sources and rules: the poller restarts, the classifier is rebuilt
    // when the rules changed.
    void configure(const Config &config);
    // Ingests files and directories of logs; cancel (set from any thread) stops it soon, between
    // chunks of a file. A canceled file stores nothing.
    void importLogs(const QStringList &paths, std::shared_ptr<const std::atomic_bool> cancel);
    // No new CI rounds, a running one canceled; ciIdle() once none runs. Imports still work.
    void stopPolling();

signals:
    void importProgress(qint64 bytesDone, qint64 bytesTotal);
    void importFinished(const QString &summary, bool ok);
    void ciRoundFinished(const QString &summary, bool ok);
    void ciIdle(); // after stopPolling()
    void stored(); // events were written

private:
    Result<CiIngester *> ingester();
    void startPolling();

    HistoryConnection m_history; // first: the ingester below points into it
    bool m_pollCi; // false once stopped
    Config m_config;
    std::optional<LogClassifier> m_classifier;
    std::unique_ptr<CiIngester> m_ingester;
    HttpClient *m_http = nullptr; // a child: lives and dies on this thread
    std::unique_ptr<CiPoller> m_poller;
};

} // namespace pw
