#pragma once

#include "config/Config.h"
#include "ports/PullMonitor.h"
#include "registry/ProbeResult.h"
#include "services/Poller.h"

#include <QHash>
#include <QProcessEnvironment>
#include <QSet>
#include <QTimer>

#include <atomic>
#include <memory>

namespace pw {

// PullMonitor on a history: the Poller that `pullwatch serve` runs, while the dashboard is
// open, plus what only a window asks for: probes on demand, log imports with progress, and the
// state the status bar shows. Destroying it abandons running probes and cancels a running import.
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

    // Applies a changed config (Poller::reload).
    void reload(const Config &config);

    // The config's retention, applied to the history at start and hourly, as `serve` does.
    RetentionTimer &retention() { return m_poller.retention(); }

private:
    void scheduleEstimates();
    void onProbed(const ProbeResult &result, bool onDemand);
    void setLastError(const QString &message);
    void publishState();

    Poller m_poller;
    QHash<QString, qint64> m_nextDueMs; // image → estimated next scheduled probe (epoch ms)
    QSet<QString> m_onDemand;           // images probeNow() is probing
    QString m_lastError;
    bool m_importing = false;
    std::shared_ptr<std::atomic_bool> m_cancel;

    QTimer m_tick;          // the countdown in the status sentence moves every second
    QTimer m_historyChange; // coalesces historyChanged()
    MonitorState m_published;
};

} // namespace pw
