#include "services/LiveMonitor.h"

#include "services/IngestWorker.h"
#include "registry/ProbeRecorder.h"
#include "registry/ProbeScheduler.h"
#include "history/OpenHistory.h"
#include "registry/RegistryClient.h"

#include <QCoreApplication>
#include <QDateTime>

#include <functional>

using namespace Qt::StringLiterals;

namespace pw {

// Writes probe results and the config's image groups on the writer thread, through its own
// connection (opened there on first use). One transaction per result costs well under a
// millisecond in WAL mode; a wait for the ingest thread's transaction happens here, not in the
// window.
class ProbeWriter : public QObject
{
public:
    using Written = std::function<void(const Status &status, bool events)>;

    ProbeWriter(QString path, Written written)
        : m_history(std::move(path)), m_written(std::move(written))
    {}

    void record(ProbeResult result)
    {
        Result<ProbeRecorder *> recorder = this->recorder();
        if (!recorder)
            return m_written(Error{recorder.error()}, false);
        (*recorder)->markCold(result);
        m_written((*recorder)->record(result), true);
    }

    void applyRetention(qint64 cutoffMs)
    {
        Result<HistoryStore *> store = m_history.store();
        m_written(store ? (*store)->applyRetention(cutoffMs) : Error{store.error()}, true);
    }

    void syncImages(const Config &config)
    {
        Result<ProbeRecorder *> recorder = this->recorder();
        const Status status = recorder ? (*recorder)->syncImages(config) : Error{recorder.error()};
        if (!status)
            m_written(status, false);
    }

private:
    Result<ProbeRecorder *> recorder()
    {
        if (!m_recorder) {
            Result<HistoryStore *> store = m_history.store();
            if (!store)
                return Error{store.error()};
            m_recorder = std::make_unique<ProbeRecorder>(*store);
        }
        return m_recorder.get();
    }

    HistoryConnection m_history;
    Written m_written;
    std::unique_ptr<ProbeRecorder> m_recorder;
};

namespace {
constexpr int HistoryChangeDelayMs = 200; // a burst of results refreshes the pages once

ProbeOptions optionsFor(const ImageConfig &image)
{
    ProbeOptions options;
    options.deep = image.deep;
    options.platform = image.platform;
    options.timeoutMs = image.timeoutMs;
    return options;
}
} // namespace

LiveMonitor::LiveMonitor(Config config, QString historyPath, Mode mode, QProcessEnvironment env,
                         QObject *parent)
    : PullMonitor(parent), m_config(std::move(config)), m_path(std::move(historyPath)),
      m_mode(mode), m_env(std::move(env)), m_retention(m_config.retentionMs)
{
    qRegisterMetaType<MonitorState>();
    // Create (and migrate) the file once, before the threads open their connections: two
    // connections creating it at once can fail with "database is locked".
    Status created;
    if (auto store = openHistory(m_path); !store)
        created = Error{store.error()};
    m_historyChange.setSingleShot(true);
    m_historyChange.setInterval(HistoryChangeDelayMs);
    connect(&m_historyChange, &QTimer::timeout, this, &PullMonitor::historyChanged);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &LiveMonitor::publishState);

    m_writer = new ProbeWriter(m_path, [this](const Status &status, bool events) {
        // Runs on the writer thread: hand over to this one.
        QMetaObject::invokeMethod(this, [this, status, events] {
            if (!status)
                return setLastError(status.error());
            if (events)
                m_historyChange.start();
            setLastError({});
        });
    });
    m_writer->moveToThread(&m_writerThread);
    connect(&m_writerThread, &QThread::finished, m_writer, &QObject::deleteLater);
    m_writerThread.setObjectName(u"probe-writer"_s);

    m_ingest = new IngestWorker(m_path, m_mode == Mode::Live);
    m_ingest->moveToThread(&m_ingestThread);
    connect(&m_ingestThread, &QThread::finished, m_ingest, &QObject::deleteLater);
    connect(m_ingest, &IngestWorker::stored, &m_historyChange, qOverload<>(&QTimer::start));
    connect(m_ingest, &IngestWorker::importProgress, this, &PullMonitor::importProgress);
    connect(m_ingest, &IngestWorker::importFinished, this, [this](const QString &summary, bool ok) {
        m_importing = false;
        if (m_historyChange.isActive()) { // the pages see the last events at once
            m_historyChange.stop();
            emit historyChanged();
        }
        publishState();
        emit importFinished(summary, ok);
    });
    connect(m_ingest, &IngestWorker::ciRoundFinished, this,
            [this](const QString &summary, bool ok) { setLastError(ok ? QString() : summary); });
    m_ingestThread.setObjectName(u"ingest"_s);

    connect(&m_retention, &RetentionTimer::due, this, [this](qint64 cutoffMs) {
        QMetaObject::invokeMethod(m_writer, [writer = m_writer, cutoffMs] {
            writer->applyRetention(cutoffMs);
        });
    });

    m_writerThread.start();
    m_ingestThread.start();
    reload(m_config);
    m_retention.start();
    if (!created)
        setLastError(created.error());
    m_tick.start();
}

LiveMonitor::~LiveMonitor()
{
    // The client first: it drops the callbacks of running probes, which point here.
    m_client.reset();
    m_scheduler.reset();
    if (m_cancel)
        m_cancel->store(true);
    m_ingestThread.quit();
    // Queued behind the results still waiting to be written, so none is lost.
    QMetaObject::invokeMethod(m_writer, [thread = &m_writerThread] { thread->quit(); });
    m_ingestThread.wait();
    m_writerThread.wait();
}

void LiveMonitor::reload(const Config &config)
{
    m_config = config;
    m_retention.setRetention(config.retentionMs);
    m_lastError.clear();
    startProbing();
    QMetaObject::invokeMethod(m_ingest, [worker = m_ingest, config] { worker->configure(config); });
    if (m_mode == Mode::Live)
        QMetaObject::invokeMethod(m_writer,
                                  [writer = m_writer, config] { writer->syncImages(config); });
    publishState();
}

void LiveMonitor::startProbing()
{
    m_client.reset();
    m_scheduler.reset();
    m_onDemand.clear();
    m_nextDueMs.clear();
    if (m_mode == Mode::Demo || m_config.images.isEmpty())
        return;
    m_client =
        std::make_unique<RegistryClient>(m_config.registries, CredentialStore({}, m_env), m_env);
    m_scheduler = std::make_unique<ProbeScheduler>(m_config.images, m_client.get(),
                                                   RegistryClient::DefaultMaxPerHost);
    connect(m_scheduler.get(), &ProbeScheduler::probed, this,
            [this](const ProbeResult &result) { onProbed(result, false); });
    // The scheduler spreads its first round over a tenth of each interval, at most 5 s.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ImageConfig &image : std::as_const(m_config.images))
        m_nextDueMs.insert(image.canonical, now + std::min<qint64>(image.intervalMs / 10, 5000));
    m_scheduler->start();
}

MonitorState LiveMonitor::state() const
{
    MonitorState state;
    state.demo = m_mode == Mode::Demo;
    state.probing = m_scheduler != nullptr;
    state.images = state.demo ? 0 : static_cast<int>(m_config.images.size());
    state.ciSources = state.demo ? 0 : static_cast<int>(m_config.ci.size());
    state.importing = m_importing;
    state.lastError = m_lastError;
    if (!m_scheduler)
        return state;
    state.probesRunning = m_scheduler->running() + static_cast<int>(m_onDemand.size());
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
    if (!m_client)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ImageConfig &image : std::as_const(m_config.images)) {
        Result<ImageReference> reference = ImageReference::parse(image.ref);
        // A registry that answered 429 is left alone until its back-off ends, as scheduled.
        if (!reference || m_onDemand.contains(image.canonical) ||
            m_client->backoffUntilMs(reference->registry) > now)
            continue;
        m_onDemand.insert(image.canonical);
        m_client->probe(*reference, optionsFor(image),
                        [this, image = image.canonical](const ProbeResult &result) {
                            m_onDemand.remove(image);
                            onProbed(result, true);
                        });
    }
    publishState();
}

void LiveMonitor::onProbed(const ProbeResult &result, bool onDemand)
{
    if (!onDemand) {
        if (const ImageConfig *image = m_config.image(result.reference.canonical()))
            m_nextDueMs.insert(image->canonical, result.startedAtMs + image->intervalMs);
    }
    emit probed(result.reference.canonical(), result.ok,
                result.ok ? QString() : categoryId(result.category));
    QMetaObject::invokeMethod(m_writer, [writer = m_writer, result] { writer->record(result); });
    publishState();
}

void LiveMonitor::importLogs(const QStringList &paths)
{
    if (m_importing || paths.isEmpty())
        return;
    m_importing = true;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    QMetaObject::invokeMethod(m_ingest, [worker = m_ingest, paths, cancel = m_cancel] {
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
