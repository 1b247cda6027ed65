#include "HistoryService.h"

#include "SqliteHistoryStore.h"

#include <QDateTime>

namespace pw {

class HistoryService::Worker : public QObject
{
    Q_OBJECT
public:
    explicit Worker(QString path) : m_path(std::move(path)) {}

    // Runs on the worker thread; the store is opened there, on first use.
    void overview(const EventFilter &filter, quint64 generation, const std::atomic<quint64> *latest)
    {
        if (generation != latest->load())
            return; // a newer request is queued behind this one
        if (!open())
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // The periodic refresh costs next to nothing while the history is unchanged: the last
        // answer is sent again. Ages and windows still move, so at least once a minute it is
        // computed anew.
        const qint64 events = m_store->eventCount();
        if (m_overviewShown && filter == m_overviewFilter && events == m_overviewEvents &&
            now - m_overviewAt < 60'000) {
            emit overviewReady(generation, m_overviewRows, m_overviewAt);
            return;
        }
        Result<QList<OverviewRow>> rows = computeOverview(*m_store, filter, now);
        if (!rows) {
            emit failed(rows.error());
            return;
        }
        m_overviewShown = true;
        m_overviewFilter = filter;
        m_overviewEvents = events;
        m_overviewAt = now;
        m_overviewRows = *rows;
        emit overviewReady(generation, *rows, now);
        emit historySize(events, m_store->images().size());
    }

    void failures(const EventFilter &filter, const TimeRange &range, qint64 bucketMs,
                  quint64 generation, const std::atomic<quint64> *latest)
    {
        if (generation != latest->load() || !open())
            return;
        Result<FailureSummary> summary = computeFailures(*m_store, filter, range, bucketMs);
        if (!summary) {
            emit failed(summary.error());
            return;
        }
        emit failuresReady(generation, *summary);
    }

    void events(const EventPageQuery &query, quint64 generation, const std::atomic<quint64> *latest)
    {
        if (generation != latest->load() || !open())
            return;
        Result<QList<StoredEvent>> page = m_store->eventPage(query);
        if (!page) {
            emit failed(page.error());
            return;
        }
        emit eventsReady(generation, query, *page);
    }

    void compare(const EventFilter &filter, const TimeRange &range, quint64 generation,
                 const std::atomic<quint64> *latest)
    {
        if (generation != latest->load() || !open())
            return;
        Result<QList<CompareRow>> rows = Aggregator(*m_store).compare(filter, range);
        if (!rows) {
            emit failed(rows.error());
            return;
        }
        emit compareReady(generation, *rows, range);
    }

signals:
    void overviewReady(quint64 generation, const QList<pw::OverviewRow> &rows, qint64 nowMs);
    void failuresReady(quint64 generation, const pw::FailureSummary &summary);
    void compareReady(quint64 generation, const QList<pw::CompareRow> &rows,
                      const pw::TimeRange &range);
    void eventsReady(quint64 generation, const pw::EventPageQuery &query,
                     const QList<pw::StoredEvent> &page);
    void historySize(qint64 events, qint64 images);
    void failed(const QString &message);

private:
    bool open()
    {
        if (m_store)
            return true;
        auto store = SqliteHistoryStore::open(m_path);
        if (!store) {
            emit failed(store.error());
            return false;
        }
        m_store = std::move(*store);
        return true;
    }

    QString m_path;
    std::unique_ptr<SqliteHistoryStore> m_store;
    // What the last overview answer was computed from.
    bool m_overviewShown = false;
    EventFilter m_overviewFilter;
    qint64 m_overviewEvents = 0;
    qint64 m_overviewAt = 0;
    QList<OverviewRow> m_overviewRows;
};

HistoryService::HistoryService(QString path, QObject *parent)
    : DashboardData(parent), m_worker(new Worker(std::move(path)))
{
    qRegisterMetaType<QList<pw::OverviewRow>>();
    qRegisterMetaType<pw::FailureSummary>();
    qRegisterMetaType<pw::EventPageQuery>();
    qRegisterMetaType<QList<pw::CompareRow>>();
    qRegisterMetaType<pw::TimeRange>();
    qRegisterMetaType<QList<pw::StoredEvent>>();
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &Worker::overviewReady, this,
            [this](quint64 generation, const QList<OverviewRow> &rows, qint64 now) {
                if (generation == m_overviewGeneration.load())
                    emit overviewReady(rows, now);
            });
    connect(m_worker, &Worker::failuresReady, this,
            [this](quint64 generation, const FailureSummary &summary) {
                if (generation == m_failuresGeneration.load())
                    emit failuresReady(summary);
            });
    connect(
        m_worker, &Worker::eventsReady, this,
        [this](quint64 generation, const EventPageQuery &query, const QList<StoredEvent> &page) {
            if (generation == m_eventsGeneration.load())
                emit eventsReady(query, page);
        });
    connect(m_worker, &Worker::compareReady, this,
            [this](quint64 generation, const QList<CompareRow> &rows, const TimeRange &range) {
                if (generation == m_compareGeneration.load())
                    emit compareReady(rows, range);
            });
    connect(m_worker, &Worker::historySize, this, &DashboardData::historySize);
    connect(m_worker, &Worker::failed, this, &DashboardData::failed);
    m_thread.setObjectName(QStringLiteral("history"));
    m_thread.start();
}

HistoryService::~HistoryService()
{
    m_thread.quit();
    m_thread.wait();
}

void HistoryService::requestOverview(const EventFilter &filter)
{
    const quint64 generation = ++m_overviewGeneration;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, filter, generation, this] {
        worker->overview(filter, generation, &m_overviewGeneration);
    });
}

void HistoryService::requestFailures(const EventFilter &filter, const TimeRange &range,
                                     qint64 bucketMs)
{
    const quint64 generation = ++m_failuresGeneration;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, filter, range, bucketMs, generation, this] {
            worker->failures(filter, range, bucketMs, generation, &m_failuresGeneration);
        });
}

void HistoryService::requestEvents(const EventPageQuery &query)
{
    const quint64 generation = ++m_eventsGeneration;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, query, generation, this] {
        worker->events(query, generation, &m_eventsGeneration);
    });
}

void HistoryService::requestCompare(const EventFilter &filter, const TimeRange &range)
{
    const quint64 generation = ++m_compareGeneration;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, filter, range, generation, this] {
        worker->compare(filter, range, generation, &m_compareGeneration);
    });
}

} // namespace pw

#include "HistoryService.moc"
