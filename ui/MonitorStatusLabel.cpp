#include "MonitorStatusLabel.h"

#include <QDateTime>

namespace pw {

MonitorStatusLabel::MonitorStatusLabel(PullMonitor *monitor, QWidget *parent) : QLabel(parent)
{
    setObjectName(QStringLiteral("monitorStatus"));
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &MonitorStatusLabel::render);
    connect(monitor, &PullMonitor::stateChanged, this, &MonitorStatusLabel::follow);
    follow(monitor->state());
}

void MonitorStatusLabel::follow(const MonitorState &state)
{
    m_state = state;
    setToolTip(state.lastError);
    if (state.nextProbeAtMs >= 0)
        m_countdown.start();
    else
        m_countdown.stop();
    render();
}

void MonitorStatusLabel::render()
{
    setText(describeMonitorState(m_state, QDateTime::currentMSecsSinceEpoch()));
}

} // namespace pw
