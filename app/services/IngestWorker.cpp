#include "services/IngestWorker.h"

#include "ci/CiPoller.h"
#include "ci/NativePath.h"

#include <QCoreApplication>

namespace pw {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("LiveMonitor", text);
}

QString summarize(const IngestTotals &totals)
{
    QString summary = tr("%1 files read, %2 pulls stored (%3 failed)")
                          .arg(totals.files)
                          .arg(totals.events)
                          .arg(totals.failed);
    if (totals.skipped > 0)
        summary += tr(", %1 files unchanged since the last import").arg(totals.skipped);
    for (const QString &cut : totals.incomplete)
        summary += tr("; read in part: %1").arg(cut);
    return summary;
}

} // namespace

IngestWorker::IngestWorker(QString historyPath, bool pollCi)
    : m_history(std::move(historyPath)), m_pollCi(pollCi), m_http(new HttpClient(this))
{}

IngestWorker::~IngestWorker()
{
    if (m_poller)
        m_poller->stop(); // cancels a running API round before its source is deleted
}

Result<CiIngester *> IngestWorker::ingester()
{
    Result<HistoryStore *> store = m_history.store();
    if (!store)
        return Error{store.error()};
    if (!m_classifier) {
        Result<LogClassifier> classifier = LogClassifier::forConfig(m_config);
        if (!classifier)
            return Error{classifier.error()};
        m_classifier = std::move(*classifier);
    }
    if (!m_ingester)
        m_ingester = std::make_unique<CiIngester>(*store, *m_classifier);
    return m_ingester.get();
}

void IngestWorker::configure(const Config &config)
{
    const bool rulesChanged = config.rules != m_config.rules;
    const bool sourcesChanged = config.ci != m_config.ci;
    m_config = config;
    if (m_poller && (rulesChanged || sourcesChanged)) {
        m_poller->stop();
        m_poller.reset();
    }
    if (rulesChanged) {
        m_ingester.reset();
        m_classifier.reset();
    }
    if (!m_poller)
        startPolling();
}

void IngestWorker::startPolling()
{
    if (!m_pollCi || m_config.ci.isEmpty())
        return;
    Result<CiIngester *> ingester = this->ingester();
    if (!ingester) {
        emit ciRoundFinished(ingester.error(), false);
        return;
    }
    m_poller = std::make_unique<CiPoller>(m_config.ci, *ingester, m_http);
    connect(m_poller.get(), &CiPoller::roundFinished, this,
            [this](const QString &summary, bool ok) {
                emit ciRoundFinished(summary, ok);
                if (ok)
                    emit stored();
            });
    m_poller->start();
}

void IngestWorker::stopPolling()
{
    m_pollCi = false;
    if (!m_poller)
        return emit ciIdle();
    connect(m_poller.get(), &CiPoller::idle, this, &IngestWorker::ciIdle);
    m_poller->stop();
}

void IngestWorker::importLogs(const QStringList &paths,
                              std::shared_ptr<const std::atomic_bool> cancel)
{
    const Result<QStringList> files = nativepath::expand(paths);
    if (!files)
        return emit importFinished(files.error(), false);
    qint64 total = 0;
    for (const QString &file : *files)
        total += nativepath::status(file).size;
    emit importProgress(0, total);
    Result<CiIngester *> ingester = this->ingester();
    if (!ingester)
        return emit importFinished(ingester.error(), false);

    IngestTotals totals;
    qint64 done = 0;
    // LogScan reports once per chunk it reads (4 MiB): often enough for a progress bar, rare
    // enough to send each one.
    const auto progress = [&](qint64 bytesRead) {
        emit importProgress(std::min(done + bytesRead, total), total);
    };
    Status status;
    for (const QString &file : *files) {
        if (cancel->load())
            break;
        const qint64 eventsBefore = totals.events;
        status = (*ingester)->ingestPath(file, totals, progress, cancel.get());
        if (!status)
            break;
        if (totals.events > eventsBefore)
            emit stored();
        done += nativepath::status(file).size;
        emit importProgress(std::min(done, total), total);
    }
    if (cancel->load())
        return emit importFinished(tr("Import canceled: %1").arg(summarize(totals)), false);
    if (!status)
        return emit importFinished(
            tr("%1 (before that: %2)").arg(status.error(), summarize(totals)), false);
    emit importProgress(total, total);
    emit importFinished(summarize(totals), totals.incomplete.isEmpty());
}

} // namespace pw
