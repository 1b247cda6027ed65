#pragma once

#include "config/Config.h"
#include "ports/PullMonitor.h"
#include "registry/ProbeResult.h"
#include "services/RetentionTimer.h"

#include <QHash>
#include <QProcessEnvironment>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <memory>

namespace pw {

class IngestWorker;
class ProbeScheduler;
class ProbeWriter;
class RegistryClient;

// PullMonitor on a history file: what `pullwatch serve` does, while the dashboard is open.
// Probes run on this (the GUI) thread's event loop, since the network is asynchronous; their
// results are written to the history on a writer thread, and log imports and CI polling run on
// an ingest thread (IngestWorker), each with its own connection, so a busy history never
// stalls the window. Destroying it abandons running probes and cancels a running import.
class LiveMonitor : public PullMonitor
{
    Q_OBJECT
public:
    enum class Mode
    {
        Live, // probe the config's images and poll its CI sources
        Demo, // a demo history: no probing, no polling; imports still work
    };

    // env supplies credential variables and DOCKER_CONFIG (tests pass an isolated one).
    LiveMonitor(Config config, QString historyPath, Mode mode = Mode::Live,
                QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                QObject *parent = nullptr);
    ~LiveMonitor() override;

    MonitorState state() const override;
    void probeNow() override;
    void importLogs(const QStringList &paths) override;
    void cancelImport() override;

    // Applies a changed config: the scheduler restarts with the new images, CI polling with the
    // new sources, groups and labels are copied into the history, retention follows.
    void reload(const Config &config);

    // The config's retention, applied to the history at start and hourly, as `serve` does.
    RetentionTimer &retention() { return m_retention; }

private:
    void startProbing();
    void onProbed(const ProbeResult &result, bool onDemand);
    void setLastError(const QString &message);
    void publishState();

    Config m_config;
    QString m_path;
    Mode m_mode;
    QProcessEnvironment m_env;

    std::unique_ptr<RegistryClient> m_client;
    std::unique_ptr<ProbeScheduler> m_scheduler;
    QHash<QString, qint64> m_nextDueMs; // image → estimated next scheduled probe (epoch ms)
    QSet<QString> m_onDemand;           // images probeNow() is probing
    QString m_lastError;
    bool m_importing = false;
    std::shared_ptr<std::atomic_bool> m_cancel;

    RetentionTimer m_retention;
    QTimer m_tick;          // the countdown in the status sentence moves every second
    QTimer m_historyChange; // coalesces historyChanged()
    MonitorState m_published;

    QThread m_writerThread;
    ProbeWriter *m_writer = nullptr; // lives on m_writerThread
    QThread m_ingestThread;
    IngestWorker *m_ingest = nullptr; // lives on m_ingestThread
};

} // namespace pw
