#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

namespace pw {

// The config's retention, applied the same way by `serve` and the dashboard: once at start and
// then every hour. due() carries the cutoff (now − retention); the owner applies it on the
// thread that holds its history connection.
class RetentionTimer : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>; // epoch ms
    static constexpr int IntervalMs = 3600'000;

    explicit RetentionTimer(qint64 retentionMs, QObject *parent = nullptr);

    void setRetention(qint64 retentionMs) { m_retentionMs = retentionMs; }
    // Tests: a clock of their own, a shorter hour.
    void setClock(Clock clock) { m_clock = std::move(clock); }
    void setInterval(int intervalMs) { m_timer.setInterval(intervalMs); }

    // due() now, then every interval.
    void start();

signals:
    void due(qint64 cutoffMs);

private:
    void fire();

    qint64 m_retentionMs;
    Clock m_clock;
    QTimer m_timer;
};

} // namespace pw
