#include "services/RetentionTimer.h"

#include <QDateTime>

namespace pw {

RetentionTimer::RetentionTimer(qint64 retentionMs, QObject *parent)
    : QObject(parent), m_retentionMs(retentionMs),
      m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &RetentionTimer::fire);
}

void RetentionTimer::start()
{
    fire();
    m_timer.start();
}

void RetentionTimer::fire()
{
    emit due(m_clock() - m_retentionMs);
}

} // namespace pw
