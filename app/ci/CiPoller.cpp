#include "ci/CiPoller.h"

#include "net/HttpClient.h"
#include "ci/RestCiSource.h"

using namespace Qt::StringLiterals;

namespace pw {

struct CiPoller::Source
{
    CiSourceConfig config;
    QTimer timer;
    std::unique_ptr<CiSource> api; // while an API round runs
    IngestTotals totals;
    Status status;

    QString name() const
    {
        if (config.provider == u"github"_s)
            return u"github "_s + config.repo;
        if (config.provider == u"gitlab"_s)
            return u"gitlab "_s + config.project;
        return u"files "_s + config.path;
    }
};

CiPoller::CiPoller(QList<CiSourceConfig> sources, CiIngester *ingester, HttpClient *http,
                   QObject *parent)
    : QObject(parent), m_ingester(ingester), m_http(http)
{
    for (CiSourceConfig &config : sources) {
        auto source = std::make_unique<Source>();
        source->config = std::move(config);
        source->timer.setInterval(
            static_cast<int>(std::min<qint64>(source->config.intervalMs, INT_MAX)));
        Source *raw = source.get();
        connect(&source->timer, &QTimer::timeout, this, [this, raw] { poll(*raw); });
        m_sources.push_back(std::move(source));
    }
}

CiPoller::~CiPoller() = default;

int CiPoller::running() const
{
    return static_cast<int>(
        std::count_if(m_sources.cbegin(), m_sources.cend(),
                      [](const auto &source) { return source->api != nullptr; }));
}

void CiPoller::start()
{
    m_stopped = false;
    for (auto &source : m_sources) {
        source->timer.start();
        // The first round right away, after the event loop has started.
        QTimer::singleShot(0, this, [this, raw = source.get()] { poll(*raw); });
    }
}

void CiPoller::stop()
{
    m_stopped = true;
    m_stopping = true; // cancel() reports finished at once: idle() is emitted here, once
    for (auto &source : m_sources) {
        source->timer.stop();
        if (source->api)
            source->api->cancel();
    }
    m_stopping = false;
    if (running() == 0)
        emit idle();
}

void CiPoller::poll(Source &source)
{
    if (m_stopped || source.api)
        return; // the previous round still runs: skip this turn
    source.totals = {};
    source.status = {};
    if (source.config.provider == u"files"_s) {
        const Status status = m_ingester->ingestPath(source.config.path, source.totals);
        return finishRound(source, status, source.totals);
    }
    std::unique_ptr<RestCiSource> api = makeRestCiSource(source.config, m_http);
    // Each round lists every run in its window; polling needs only the recent ones (an
    // `ingest` reads further back), which keeps a round within GITHUB_TOKEN's hourly budget.
    api->setLimits(PollRuns, PollDays);
    source.api = std::move(api);
    CiSource *raw = source.api.get();
    connect(raw, &CiSource::jobLog, this, [this, &source](const CiJobLog &job) {
        if (Status stored = m_ingester->ingestJob(job, source.totals); !stored) {
            source.status = stored;
            source.api->cancel();
        }
    });
    connect(raw, &CiSource::finished, this, [this, &source](const Status &status) {
        // Delete the source later: this runs inside its signal.
        source.api.release()->deleteLater();
        finishRound(source, source.status ? status : source.status, source.totals);
        if (m_stopped && !m_stopping && running() == 0)
            emit idle();
    });
    raw->fetch(m_ingester->ledger());
}

void CiPoller::finishRound(Source &source, const Status &status, const IngestTotals &totals)
{
    if (!status) {
        emit roundFinished(source.name() + u": "_s + status.error(), false);
        return;
    }
    const qint64 units = source.config.provider == u"files"_s ? totals.files : totals.jobs;
    QString line = u"%1: %2 new %3, %4 pulls (%5 failed)"_s.arg(source.name())
                       .arg(units)
                       .arg(source.config.provider == u"files"_s ? u"files"_s : u"jobs"_s)
                       .arg(totals.events)
                       .arg(totals.failed);
    for (const QString &cut : totals.incomplete)
        line += u"; read in part: "_s + cut;
    emit roundFinished(line, totals.incomplete.isEmpty());
}

} // namespace pw
