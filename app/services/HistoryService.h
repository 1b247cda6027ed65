#pragma once

#include "ports/DashboardData.h"

#include <QThread>
#include <QTimer>

#include <atomic>

namespace pw {

// DashboardData on a history file: a worker thread with its own connection to the history
// computes the answers; each kind of request carries a generation number and answers to older
// generations are dropped, so a quick series of range changes shows only the last one. Every
// WatchMs it looks whether the history changed (a probe, an import, another process) and says
// so through historyChanged().
class HistoryService : public DashboardData
{
    Q_OBJECT
public:
    static constexpr int WatchMs = 2000;

    explicit HistoryService(QString path, QObject *parent = nullptr);
    ~HistoryService() override;

    void requestOverview(const EventFilter &filter) override;
    void requestFailures(const EventFilter &filter, const TimeRange &range,
                         qint64 bucketMs) override;
    void requestEvents(const EventPageQuery &query) override;
    void requestCompare(const EventFilter &filter, const TimeRange &range) override;
    void requestTimeline(const EventFilter &filter, const TimeRange &range,
                         qint64 bucketMs) override;
    void requestVerdict(const StoredEvent &event) override;

    // How often the config probes each image, and which registries build on demand: what
    // verdicts are judged with (the config's; defaults until set).
    void setVerdictSettings(VerdictSettings settings) { m_verdictSettings = std::move(settings); }

public slots:
    // Looks now (after this process wrote, say) instead of at the next tick.
    void checkForChanges();

private:
    void requestStatus();

    class Worker;
    // A worker per lane, so a range change's answers are computed side by side: the pages
    // with time grids (Overview, Timeline, Events), the Failures page (and the watch), the
    // Compare page.
    // Verdicts read every probe of a range (seconds on a big month): the Timeline, Failures and
    // Compare answers come first without them, and again with them from the Judging lane.
    enum Lane
    {
        Grids,
        Breakdown,
        Comparison,
        Judging,
        LaneCount
    };
    // The quick answer, then the judged one; a quick one that arrives after its judged one is
    // dropped.
    template<class Compute, class Deliver>
    void submitTwice(Lane quickLane, std::atomic<quint64> &quick, std::atomic<quint64> &judged,
                     quint64 &judgedShown, Compute compute, Deliver deliver);
    template<class Compute, class Deliver>
    void submit(Lane lane, std::atomic<quint64> &latest, Compute compute, Deliver deliver);

    QThread m_threads[LaneCount];
    Worker *m_workers[LaneCount] = {};
    QTimer m_watch;
    std::atomic<quint64> m_overviewGeneration{0};
    std::atomic<quint64> m_failuresGeneration{0};
    std::atomic<quint64> m_eventsGeneration{0};
    std::atomic<quint64> m_newerEventsGeneration{0}; // live updates do not cancel paging
    std::atomic<quint64> m_compareGeneration{0};
    std::atomic<quint64> m_timelineGeneration{0};
    std::atomic<quint64> m_verdictGeneration{0};
    std::atomic<quint64> m_failuresJudgedGeneration{0};
    std::atomic<quint64> m_compareJudgedGeneration{0};
    std::atomic<quint64> m_timelineJudgedGeneration{0};
    quint64 m_failuresJudgedShown = 0; // the judged generation last delivered (GUI thread)
    quint64 m_compareJudgedShown = 0;
    quint64 m_timelineJudgedShown = 0;
    std::atomic<quint64> m_watchGeneration{0};
    std::atomic<quint64> m_statusGeneration{0};
    qint64 m_statusAtMs = 0; // when statusNow was last asked for
    VerdictSettings m_verdictSettings; // copied into each request (read on the GUI thread only)
};

} // namespace pw
