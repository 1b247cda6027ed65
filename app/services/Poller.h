#pragma once

#include "config/Config.h"
#include "registry/ProbeResult.h"
#include "services/RetentionTimer.h"

#include <QObject>
#include <QProcessEnvironment>
#include <QThread>

#include <memory>

namespace pw {

class IngestWorker;
class ProbeScheduler;
class ProbeWriter;
class RegistryClient;

// Keeps one history current: probes the config's images on their schedules, polls its CI
// sources and applies its retention at start and hourly. `pullwatch serve` runs one, and the
// dashboard runs one while it is open (LiveMonitor), so the two cannot drift apart.
//
// Probes run on this thread's event loop (the network is asynchronous). Their results are
// written on a writer thread, and CI rounds and log imports run on an ingest thread
// (IngestWorker), each thread with its own connection to the history: a slow disk or a long CI
// round never delays a probe or a window. Destroying it abandons running probes, writes every
// result already handed over, and cancels a running CI round or import.
class Poller : public QObject
{
    Q_OBJECT
public:
    enum class Mode
    {
        Live, // probe the config's images, poll its CI sources, record its groups and labels
        Idle, // neither (a demo history): retention and imports only
    };

    // env supplies credential variables and DOCKER_CONFIG (tests pass an isolated one).
    Poller(Config config, QString historyLocation, Mode mode,
           QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
           QObject *parent = nullptr);
    ~Poller() override;

    // Opens (creating or migrating) the history here, before the threads open theirs — two
    // connections creating one file at once can fail with "database is locked" — and starts
    // probing, CI polling and retention. An error names the history; the rest starts anyway.
    Status start();
    // Applies a changed config: probing restarts with the new images, CI polling with the new
    // sources, groups and labels are copied into the history, retention follows.
    void reload(const Config &config);
    // No new probes or CI rounds. idle() follows once none runs and every result is written.
    void stop();

    const Config &config() const { return m_config; }
    Mode mode() const { return m_mode; }
    // Null while nothing is probed (idle mode, no images).
    ProbeScheduler *scheduler() const { return m_scheduler.get(); }
    // For probes outside the schedule; null while nothing is probed.
    RegistryClient *client() const { return m_client.get(); }
    // Log imports; it lives on the ingest thread (call it through QMetaObject::invokeMethod).
    IngestWorker *ingest() const { return m_ingest; }
    RetentionTimer &retention() { return m_retention; }
    bool ciRunning() const { return !m_ciIdle; } // after stop(): a CI round has yet to end

    // Writes a result (marked cold when it is the first after a digest change); recorded()
    // follows. Scheduled probes' results are written without being handed in.
    void record(const ProbeResult &result);

signals:
    // A scheduled probe finished (before it is written).
    void probed(const pw::ProbeResult &result);
    // A probe's result as written, or the error that kept it from the history.
    void recorded(const pw::ProbeResult &result, const QString &error);
    // Events were added or dropped (probe results, CI rounds, imports, retention).
    void historyWritten();
    // Retention or the copy of the config's groups and labels failed.
    void historyError(const QString &error);
    // One line per finished CI round (CiPoller::roundFinished).
    void ciRoundFinished(const QString &summary, bool ok);
    void idle();

private:
    void startProbing();
    void becomeIdleIfDone();

    Config m_config;
    QString m_location;
    Mode m_mode;
    QProcessEnvironment m_env;

    std::unique_ptr<RegistryClient> m_client;
    std::unique_ptr<ProbeScheduler> m_scheduler;
    RetentionTimer m_retention;
    bool m_stopped = false;
    bool m_probesIdle = false;
    bool m_ciIdle = false;
    bool m_draining = false;

    QThread m_writerThread;
    ProbeWriter *m_writer = nullptr; // lives on m_writerThread
    QThread m_ingestThread;
    IngestWorker *m_ingest = nullptr; // lives on m_ingestThread
};

} // namespace pw
