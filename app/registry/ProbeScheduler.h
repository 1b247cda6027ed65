#pragma once

#include "config/Config.h"
#include "ImageReference.h"
#include "registry/ProbeResult.h"

#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

namespace pw {

class RegistryClient;

// Probes every configured image at its interval (DESIGN.md "Registry probe"):
//  - each interval gets ±10 % jitter so images of one host do not stay in lock-step;
//  - an image whose previous probe still runs skips its turn;
//  - at most the client's per-host limit of probes run against one registry; the rest wait;
//  - a registry that answered 429 is left alone until its back-off ends.
// Results arrive through probed(), in completion order.
class ProbeScheduler : public QObject
{
    Q_OBJECT
public:
    ProbeScheduler(QList<ImageConfig> images, RegistryClient *client, int maxPerHost,
                   QObject *parent = nullptr);

    void start();
    // No new probes; running ones still report. idle() follows once none runs.
    void stop();
    int running() const { return m_running; }
    qsizetype imageCount() const { return m_entries.size(); }

signals:
    void probed(const pw::ProbeResult &result);
    void idle();

private:
    struct Entry
    {
        ImageConfig config;
        ImageReference reference;
        qint64 dueMs = 0; // epoch ms
        bool running = false;
    };

    void schedule();
    void launch(Entry &entry, qint64 nowMs);
    qint64 jittered(qint64 intervalMs);

    RegistryClient *m_client;
    int m_maxPerHost;
    QList<Entry> m_entries;
    QTimer m_timer;
    QRandomGenerator m_random{QRandomGenerator::securelySeeded()};
    int m_running = 0;
    bool m_stopped = true;
};

} // namespace pw
