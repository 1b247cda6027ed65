#include "services/HistoryService.h"

#include "history/OpenHistory.h"

#include <QDateTime>

namespace pw {

// Lives on the worker thread: its own connection to the history, opened there on first use,
// and the last overview (see overview()).
class HistoryService::Worker : public QObject
{
public:
    explicit Worker(QString path) : m_history(std::move(path)) {}

    Result<HistoryStore *> store() { return m_history.store(); }

    struct Overview
    {
        QList<OverviewRow> rows;
        qint64 nowMs = 0;
        qint64 events = 0;
        qint64 images = 0;
    };

    // The periodic refresh costs next to nothing while the history is unchanged: the last
    // answer is sent again. Ages and windows still move, so at least once a minute it is
    // computed anew.
    Result<Overview> overview(HistoryStore &store, const EventFilter &filter)
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 events = store.eventCount();
        if (m_last && filter == m_lastFilter && events == m_last->events &&
            now - m_last->nowMs < 60'000)
            return *m_last;
        Result<QList<OverviewRow>> rows = computeOverview(store, filter, now);
        if (!rows)
            return Error{rows.error()};
        m_last = Overview{*rows, now, events, store.images().size()};
        m_lastFilter = filter;
        return *m_last;
    }

    struct Size
    {
        qint64 events = 0;
        qsizetype imageCount = 0;
        QList<ImageInfo> images; // set at first and when images, groups or labels changed
        bool changed = false;
    };

    // Cheap: the store reloads its counters only when the file's data version moved.
    Size size(HistoryStore &store)
    {
        Size now{store.eventCount(), 0, store.images(), false};
        now.imageCount = now.images.size();
        QStringList names;
        for (const ImageInfo &info : std::as_const(now.images))
            names << info.image + u'\n' + info.group + u'\n' + info.label;
        now.changed = m_lastSize && (now.events != m_lastSize->events || names != m_imageNames);
        if (m_lastSize && names == m_imageNames)
            now.images.clear();
        m_imageNames = names;
        m_lastSize = now;
        return now;
    }

private:
    HistoryConnection m_history;
    std::optional<Size> m_lastSize;
    QStringList m_imageNames;
    std::optional<Overview> m_last;
    EventFilter m_lastFilter;
};

HistoryService::HistoryService(QString path, QObject *parent) : DashboardData(parent)
{
    for (int lane = 0; lane < LaneCount; ++lane) {
        m_workers[lane] = new Worker(path);
        m_workers[lane]->moveToThread(&m_threads[lane]);
        connect(&m_threads[lane], &QThread::finished, m_workers[lane], &QObject::deleteLater);
        m_threads[lane].setObjectName(QStringLiteral("history-%1").arg(lane));
        m_threads[lane].start();
    }
    connect(&m_watch, &QTimer::timeout, this, &HistoryService::checkForChanges);
    m_watch.start(WatchMs);
    QTimer::singleShot(0, this, &HistoryService::checkForChanges); // the filter's choices
}

HistoryService::~HistoryService()
{
    for (QThread &thread : m_threads) {
        thread.quit();
        thread.wait();
    }
}

// Runs compute(store) on the lane's worker thread, unless a newer request of the same kind is
// already queued, and deliver(value) here, unless one was made meanwhile. Errors go to failed().
template<class Compute, class Deliver>
void HistoryService::submit(Lane lane, std::atomic<quint64> &latest, Compute compute,
                            Deliver deliver)
{
    const quint64 generation = ++latest;
    Worker *worker = m_workers[lane];
    QMetaObject::invokeMethod(worker, [this, worker, &latest, generation, compute, deliver] {
        if (generation != latest.load())
            return;
        Result<HistoryStore *> store = worker->store();
        auto result = store ? compute(**store) : decltype(compute(**store))(Error{store.error()});
        QMetaObject::invokeMethod(this, [this, &latest, generation, result, deliver] {
            if (!result)
                emit failed(result.error());
            else if (generation == latest.load())
                deliver(*result);
        });
    });
}

template<class Compute, class Deliver>
void HistoryService::submitTwice(Lane quickLane, std::atomic<quint64> &quick,
                                 std::atomic<quint64> &judged, quint64 &judgedShown,
                                 Compute compute, Deliver deliver)
{
    const quint64 judgedGeneration = judged.load() + 1; // the one submitted just below
    VerdictSettings withoutVerdicts = m_verdictSettings;
    withoutVerdicts.judge = false;
    submit(quickLane, quick,
           [compute, withoutVerdicts](HistoryStore &store) { return compute(store, withoutVerdicts); },
           [deliver, judgedGeneration, &judgedShown](const auto &answer) {
               if (judgedShown != judgedGeneration)
                   deliver(answer);
           });
    submit(Judging, judged,
           [compute, settings = m_verdictSettings](HistoryStore &store) {
               return compute(store, settings);
           },
           [deliver, judgedGeneration, &judgedShown](const auto &answer) {
               judgedShown = judgedGeneration;
               deliver(answer);
           });
}

void HistoryService::checkForChanges()
{
    submit(
        Breakdown, m_watchGeneration,
        [worker = m_workers[Breakdown]](HistoryStore &store) {
            return Result(worker->size(store));
        },
        [this](const Worker::Size &size) {
            emit historySize(size.events, size.imageCount);
            if (!size.images.isEmpty())
                emit imagesChanged(size.images);
            if (size.changed)
                emit historyChanged();
            if (size.changed || QDateTime::currentMSecsSinceEpoch() - m_statusAtMs >= 60'000)
                requestStatus();
        });
}

// On the breakdown lane: its worker keeps its own last overview (unfiltered), so the Overview
// page's (filtered) one stays cached on the grids lane.
void HistoryService::requestStatus()
{
    m_statusAtMs = QDateTime::currentMSecsSinceEpoch();
    submit(
        Breakdown, m_statusGeneration,
        [worker = m_workers[Breakdown]](HistoryStore &store) {
            return worker->overview(store, EventFilter());
        },
        [this](const Worker::Overview &answer) { emit statusNow(answer.rows, answer.nowMs); });
}

void HistoryService::requestOverview(const EventFilter &filter)
{
    submit(
        Grids, m_overviewGeneration,
        [worker = m_workers[Grids], filter](HistoryStore &store) {
            return worker->overview(store, filter);
        },
        [this](const Worker::Overview &answer) {
            emit overviewReady(answer.rows, answer.nowMs);
            emit historySize(answer.events, answer.images);
        });
}

void HistoryService::requestFailures(const EventFilter &filter, const TimeRange &range,
                                     qint64 bucketMs)
{
    submitTwice(
        Breakdown, m_failuresGeneration, m_failuresJudgedGeneration, m_failuresJudgedShown,
        [filter, range, bucketMs](HistoryStore &store, const VerdictSettings &settings) {
            return computeFailures(store, filter, range, bucketMs, settings);
        },
        [this](const FailureSummary &summary) { emit failuresReady(summary); });
}

void HistoryService::requestEvents(const EventPageQuery &query)
{
    submit(
        Grids,
        query.afterId > 0 && !query.oldestFirst ? m_newerEventsGeneration : m_eventsGeneration,
        [query](HistoryStore &store) { return store.eventPage(query); },
        [this, query](const QList<StoredEvent> &page) { emit eventsReady(query, page); });
}

void HistoryService::requestCompare(const EventFilter &filter, const TimeRange &range)
{
    submitTwice(
        Comparison, m_compareGeneration, m_compareJudgedGeneration, m_compareJudgedShown,
        [filter, range](HistoryStore &store, const VerdictSettings &settings) {
            return computeComparison(store, filter, range, settings);
        },
        [this](const ComparisonData &comparison) { emit compareReady(comparison); });
}

void HistoryService::requestTimeline(const EventFilter &filter, const TimeRange &range,
                                     qint64 bucketMs)
{
    submitTwice(
        Grids, m_timelineGeneration, m_timelineJudgedGeneration, m_timelineJudgedShown,
        [filter, range, bucketMs](HistoryStore &store, const VerdictSettings &settings) {
            return computeTimeline(store, filter, range, bucketMs, settings);
        },
        [this](const TimelineData &timeline) { emit timelineReady(timeline); });
}

void HistoryService::requestVerdict(const StoredEvent &stored)
{
    submit(
        Comparison, m_verdictGeneration,
        [stored, settings = m_verdictSettings](HistoryStore &store) -> Result<CiVerdict> {
            EventFilter filter;
            filter.images = {stored.event.image};
            const TimeRange at{stored.event.ts, stored.event.ts + 1};
            Result<QList<CiVerdict>> verdicts = VerdictEngine(store, settings).explain(filter, at);
            if (!verdicts)
                return Error{verdicts.error()};
            for (const CiVerdict &v : *verdicts)
                if (v.event.ciLine == stored.event.ciLine && v.event.ci == stored.event.ci)
                    return v;
            return Error{QStringLiteral("no failed CI pull at %1 in the history")
                             .arg(stored.event.ts)};
        },
        [this, id = stored.id](const CiVerdict &verdict) { emit verdictReady(id, verdict); });
}

} // namespace pw
