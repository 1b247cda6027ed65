#pragma once

#include "ports/PullMonitor.h"

#include <QLabel>
#include <QTimer>

namespace pw {

// The status bar's account of the live monitor in one sentence ("Probing 4 images · 2 running
// · next in 43 s · CI: 1 source"); the full last error in its tooltip. The countdown moves
// every second.
class MonitorStatusLabel : public QLabel
{
    Q_OBJECT
public:
    explicit MonitorStatusLabel(PullMonitor *monitor, QWidget *parent = nullptr);

private:
    void follow(const MonitorState &state);
    void render();

    MonitorState m_state;
    QTimer m_countdown;
};

} // namespace pw
