#include "services/LiveMonitor.h"

#include "registry/ProbeScheduler.h"
#include "registry/RegistryClient.h"
#include "services/IngestWorker.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
constexpr int HistoryChangeDelayMs = 200; // a burst of results refreshes the pages once
} // namespace

LiveMonitor::LiveMonitor(Config config, QString historyPath, Mode mode, QProcessEnvironment env,
                         QObject *parent)
    : PullMonitor(parent),
      m_poller(std::move(config), std::move(historyPath),
               mode == Mode::Live ? Poller::Mode::Live : Poller::Mode::Idle, std::move(env))
{
    qRegisterMetaType<MonitorState>();
    m_historyChange.setSingleShot(true);
    m_historyChange.setInterval(HistoryChangeDelayMs);
    connect(&m_historyChange, &QTimer::timeout, this, &PullMonitor::historyChanged);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &LiveMonitor::publishState);

    connect(&m_poller, &Poller::probed, this,
            [this](const ProbeResult &result) { onProbed(result, false); });
    connect(&m_poller, &Poller::recorded, this,
            [this](const ProbeResult &, const QString &error) { setLastError(error); });
    connect(&m_poller, &Poller::historyWritten, &m_historyChange, qOverload<>(&QTimer::start));
    connect(&m_poller, &Poller::historyError, this, &LiveMonitor::setLastError);
    connect(&m_poller, &Poller::ciRoundFinished, this,
            [this](const QString &summary, bool ok) { setLastError(ok ? QString() : summary); });

    IngestWorker *ingest = m_poller.ingest();
    connect(ingest, &IngestWorker::importProgress, this, &PullMonitor::importProgress);
    connect(ingest, &IngestWorker::importFinished, this, [this](const QString &summary, bool ok) {
        m_importing = false;
        if (m_historyChange.isActive()) { // the pages see the last events at once
            m_historyChange.stop();
            emit historyChanged();
        }
        publishState();
        emit importFinished(summary, ok);
    });

    const Status started = m_poller.start();
    scheduleEstimates();
    publishState();
    if (!started)
        setLastError(started.error());
    m_tick.start();
}

LiveMonitor::~LiveMonitor()
{
    if (m_cancel)
        m_cancel->store(true);
}

void LiveMonitor::reload(const Config &config)
{
    m_lastError.clear();
    m_poller.reload(config);
    scheduleEstimates();
    publishState();
}

void LiveMonitor::scheduleEstimates()
{
    m_onDemand.clear();
    m_nextDueMs.clear();
    if (!m_poller.scheduler())
        return;
    // The scheduler spreads its first round over a tenth of each interval, at most 5 s.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ImageConfig &image : m_poller.config().images)
        m_nextDueMs.insert(image.canonical, now + std::min<qint64>(image.intervalMs / 10, 5000));
}

MonitorState LiveMonitor::state() const
{
    MonitorState state;
    state.demo = m_poller.mode() != Poller::Mode::Live;
    state.probing = m_poller.scheduler() != nullptr;
    state.images = state.demo ? 0 : static_cast<int>(m_poller.config().images.size());
    state.ciSources = state.demo ? 0 : static_cast<int>(m_poller.config().ci.size());
    state.importing = m_importing;
    state.lastError = m_lastError;
    if (!m_poller.scheduler())
        return state;
    state.probesRunning = m_poller.scheduler()->running() + static_cast<int>(m_onDemand.size());
    // Past due times belong to probes running or waiting for a slot: the next one is ahead.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const qint64 due : m_nextDueMs) {
        if (due > now && (state.nextProbeAtMs < 0 || due < state.nextProbeAtMs))
            state.nextProbeAtMs = due;
    }
    return state;
}

void LiveMonitor::publishState()
{
    const MonitorState now = state();
    if (now == m_published)
        return;
    m_published = now;
    emit stateChanged(now);
}

void LiveMonitor::setLastError(const QString &message)
{
    m_lastError = message;
    publishState();
}

void LiveMonitor::probeNow()
{
    RegistryClient *client = m_poller.client();
    if (!client)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ImageConfig &image : m_poller.config().images) {
        Result<ImageReference> reference = ImageReference::parse(image.ref);
        // A registry that answered 429 is left alone until its back-off ends, as scheduled.
        if (!reference || m_onDemand.contains(image.canonical) ||
            client->backoffUntilMs(reference->registry) > now)
            continue;
        m_onDemand.insert(image.canonical);
        client->probe(*reference, ProbeOptions::of(image),
                      [this, image = image.canonical](const ProbeResult &result) {
                          m_onDemand.remove(image);
                          onProbed(result, true);
                          m_poller.record(result);
                      });
    }
    publishState();
}

void LiveMonitor::onProbed(const ProbeResult &result, bool onDemand)
{
    if (!onDemand) {
        if (const ImageConfig *image = m_poller.config().image(result.reference.canonical()))
            m_nextDueMs.insert(image->canonical, result.startedAtMs + image->intervalMs);
    }
    emit probed(result.reference.canonical(), result.ok,
                result.ok ? QString() : categoryId(result.category));
    publishState();
}

void LiveMonitor::importLogs(const QStringList &paths)
{
    if (m_importing || paths.isEmpty())
        return;
    m_importing = true;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    QMetaObject::invokeMethod(m_poller.ingest(), [worker = m_poller.ingest(), paths,
                                                  cancel = m_cancel] {
        worker->importLogs(paths, cancel);
    });
    publishState();
}

void LiveMonitor::cancelImport()
{
    if (m_importing && m_cancel)
        m_cancel->store(true);
}

} // namespace pw
