#include "services/Poller.h"

#include "history/OpenHistory.h"
#include "registry/ProbeRecorder.h"
#include "registry/ProbeScheduler.h"
#include "registry/RegistryClient.h"
#include "services/IngestWorker.h"

using namespace Qt::StringLiterals;

namespace pw {

// The writer thread's side: probe results, the config's groups and retention, through its own
// connection (opened there on first use). One transaction per result costs well under a
// millisecond in WAL mode; a wait for the ingest thread's transaction happens here, not on the
// probing thread.
class ProbeWriter : public QObject
{
public:
    explicit ProbeWriter(QString location) : m_history(std::move(location)) {}

    Status record(ProbeResult &result)
    {
        Result<ProbeRecorder *> recorder = this->recorder();
        if (!recorder)
            return Error{recorder.error()};
        (*recorder)->markCold(result);
        return (*recorder)->record(result);
    }

    Result<qint64> applyRetention(qint64 cutoffMs)
    {
        Result<HistoryStore *> store = m_history.store();
        return store ? (*store)->applyRetention(cutoffMs) : Error{store.error()};
    }

    Status syncImages(const Config &config)
    {
        Result<ProbeRecorder *> recorder = this->recorder();
        return recorder ? (*recorder)->syncImages(config) : Error{recorder.error()};
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
    std::unique_ptr<ProbeRecorder> m_recorder;
};

Poller::Poller(Config config, QString historyLocation, Mode mode, QProcessEnvironment env,
               QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_location(std::move(historyLocation)),
      m_mode(mode), m_env(std::move(env)), m_retention(m_config.retentionMs)
{
    m_writer = new ProbeWriter(m_location);
    m_writer->moveToThread(&m_writerThread);
    connect(&m_writerThread, &QThread::finished, m_writer, &QObject::deleteLater);
    m_writerThread.setObjectName(u"probe-writer"_s);

    m_ingest = new IngestWorker(m_location, m_mode == Mode::Live);
    m_ingest->moveToThread(&m_ingestThread);
    connect(&m_ingestThread, &QThread::finished, m_ingest, &QObject::deleteLater);
    connect(m_ingest, &IngestWorker::stored, this, &Poller::historyWritten);
    connect(m_ingest, &IngestWorker::ciRoundFinished, this, &Poller::ciRoundFinished);
    connect(m_ingest, &IngestWorker::ciIdle, this, [this] {
        m_ciIdle = true;
        becomeIdleIfDone();
    });
    m_ingestThread.setObjectName(u"ingest"_s);

    connect(&m_retention, &RetentionTimer::due, this, [this](qint64 cutoffMs) {
        QMetaObject::invokeMethod(m_writer, [this, writer = m_writer, cutoffMs] {
            const Result<qint64> dropped = writer->applyRetention(cutoffMs);
            QMetaObject::invokeMethod(this, [this, dropped] {
                if (!dropped)
                    emit historyError(u"retention: "_s + dropped.error());
                else if (*dropped > 0)
                    emit historyWritten();
            });
        });
    });
}

Poller::~Poller()
{
    // The client first: it drops the callbacks of running probes, which point here.
    m_client.reset();
    m_scheduler.reset();
    m_ingestThread.quit();
    // Queued behind the results still waiting to be written, so none is lost.
    QMetaObject::invokeMethod(m_writer, [thread = &m_writerThread] { thread->quit(); });
    m_ingestThread.wait();
    m_writerThread.wait();
}

Status Poller::start()
{
    Status opened;
    if (auto store = openHistory(m_location); !store)
        opened = Error{store.error()};
    m_writerThread.start();
    m_ingestThread.start();
    reload(m_config);
    m_retention.start();
    return opened;
}

void Poller::reload(const Config &config)
{
    m_config = config;
    m_retention.setRetention(config.retentionMs);
    if (m_stopped)
        return;
    startProbing();
    QMetaObject::invokeMethod(m_ingest, [worker = m_ingest, config] { worker->configure(config); });
    if (m_mode != Mode::Live)
        return;
    QMetaObject::invokeMethod(m_writer, [this, writer = m_writer, config] {
        if (const Status synced = writer->syncImages(config); !synced)
            QMetaObject::invokeMethod(this, [this, synced] { emit historyError(synced.error()); });
    });
}

void Poller::startProbing()
{
    m_client.reset();
    m_scheduler.reset();
    if (m_mode != Mode::Live || m_config.images.isEmpty())
        return;
    m_client =
        std::make_unique<RegistryClient>(m_config.registries, CredentialStore({}, m_env), m_env);
    m_scheduler = std::make_unique<ProbeScheduler>(m_config.images, m_client.get(),
                                                   RegistryClient::DefaultMaxPerHost);
    connect(m_scheduler.get(), &ProbeScheduler::probed, this, [this](const ProbeResult &result) {
        emit probed(result);
        record(result);
    });
    connect(m_scheduler.get(), &ProbeScheduler::idle, this, [this] {
        m_probesIdle = true;
        becomeIdleIfDone();
    });
    m_scheduler->start();
}

void Poller::record(const ProbeResult &result)
{
    QMetaObject::invokeMethod(m_writer, [this, writer = m_writer, result] {
        ProbeResult written = result;
        const Status status = writer->record(written);
        QMetaObject::invokeMethod(this, [this, written, status] {
            emit recorded(written, status ? QString() : status.error());
            if (status)
                emit historyWritten();
        });
    });
}

void Poller::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_probesIdle = m_scheduler == nullptr;
    if (m_scheduler)
        m_scheduler->stop(); // may report idle() at once
    QMetaObject::invokeMethod(m_ingest, [worker = m_ingest] { worker->stopPolling(); });
}

void Poller::becomeIdleIfDone()
{
    if (!m_stopped || !m_probesIdle || !m_ciIdle || m_draining)
        return;
    // Once the writer has reached this point, every result handed to it is written and its
    // recorded() is queued here ahead of idle().
    m_draining = true;
    QMetaObject::invokeMethod(m_writer, [this] {
        QMetaObject::invokeMethod(this, [this] { emit idle(); });
    });
}

} // namespace pw
