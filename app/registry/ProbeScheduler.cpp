#include "registry/ProbeScheduler.h"

#include "registry/RegistryClient.h"

#include <QDateTime>

namespace pw {

ProbeScheduler::ProbeScheduler(QList<ImageConfig> images, RegistryClient *client, int maxPerHost,
                               QObject *parent)
    : QObject(parent), m_client(client), m_maxPerHost(std::max(1, maxPerHost))
{
    for (ImageConfig &image : images) {
        Result<ImageReference> reference = ImageReference::parse(image.ref);
        if (reference) // Config has validated every ref
            m_entries.append({std::move(image), std::move(*reference)});
    }
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ProbeScheduler::schedule);
}

qint64 ProbeScheduler::jittered(qint64 intervalMs)
{
    const qint64 spread = intervalMs / 10;
    return intervalMs - spread + static_cast<qint64>(m_random.bounded(2 * spread + 1.0));
}

void ProbeScheduler::start()
{
    m_stopped = false;
    // The first round spreads over a tenth of each interval (at most 5 s), not all at once.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (Entry &entry : m_entries)
        entry.dueMs = now + static_cast<qint64>(m_random.bounded(
                                std::min<qint64>(entry.config.intervalMs / 10, 5000) + 1.0));
    schedule();
}

void ProbeScheduler::stop()
{
    m_stopped = true;
    m_timer.stop();
    if (m_running == 0)
        emit idle();
}

void ProbeScheduler::schedule()
{
    if (m_stopped)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 next = now + 60'000;
    for (Entry &entry : m_entries) {
        if (entry.dueMs <= now) {
            const QString &registry = entry.reference.registry;
            if (entry.running) {
                entry.dueMs = now + jittered(entry.config.intervalMs); // skip this turn
            } else if (const qint64 until = m_client->backoffUntilMs(registry); until > now) {
                entry.dueMs = until;
            } else if (m_client->running(registry) < m_maxPerHost) {
                launch(entry, now);
            } else {
                continue; // a slot frees when a probe of this host finishes: schedule() again
            }
        }
        next = std::min(next, entry.dueMs);
    }
    m_timer.start(static_cast<int>(std::clamp<qint64>(next - now, 0, 60'000)));
}

void ProbeScheduler::launch(Entry &entry, qint64 nowMs)
{
    entry.running = true;
    entry.dueMs = nowMs + jittered(entry.config.intervalMs);
    ++m_running;
    const ProbeOptions options = ProbeOptions::of(entry.config);
    const QString canonical = entry.config.canonical;
    m_client->probe(entry.reference, options, [this, canonical](const ProbeResult &result) {
        for (Entry &e : m_entries) {
            if (e.config.canonical == canonical)
                e.running = false;
        }
        --m_running;
        emit probed(result);
        if (m_stopped) {
            if (m_running == 0)
                emit idle();
            return;
        }
        // Queued: a probe that fails at once reports from inside schedule().
        QMetaObject::invokeMethod(this, &ProbeScheduler::schedule, Qt::QueuedConnection);
    });
}

} // namespace pw
