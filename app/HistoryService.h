#pragma once

#include "DashboardData.h"

#include <QThread>

#include <atomic>

namespace pw {

// DashboardData on a history file: a worker thread with its own connection to the history
// computes the answers; each kind of request carries a generation number and answers to older
// generations are dropped, so a quick series of range changes shows only the last one.
class HistoryService : public DashboardData
{
    Q_OBJECT
public:
    explicit HistoryService(QString path, QObject *parent = nullptr);
    ~HistoryService() override;

    void requestOverview(const EventFilter &filter) override;
    void requestFailures(const EventFilter &filter, const TimeRange &range,
                         qint64 bucketMs) override;
    void requestEvents(const EventPageQuery &query) override;
    void requestCompare(const EventFilter &filter, const TimeRange &range) override;

private:
    class Worker;
    template<class Compute, class Deliver>
    void submit(std::atomic<quint64> &latest, Compute compute, Deliver deliver);

    QThread m_thread;
    Worker *m_worker = nullptr;
    std::atomic<quint64> m_overviewGeneration{0};
    std::atomic<quint64> m_failuresGeneration{0};
    std::atomic<quint64> m_eventsGeneration{0};
    std::atomic<quint64> m_compareGeneration{0};
};

} // namespace pw
