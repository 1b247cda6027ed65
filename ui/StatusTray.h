#pragma once

#include "analysis/Overview.h"

#include <QHash>
#include <QIcon>
#include <QObject>

class QSystemTrayIcon;

namespace pw {

// The tray icon (its colour and shape follow the worst current status) and a desktop
// notification when an image becomes unavailable or recovers. Where the desktop has no tray,
// the changes still arrive through changed(), which the window shows in its status bar.
class StatusTray : public QObject
{
    Q_OBJECT
public:
    explicit StatusTray(QObject *parent = nullptr);

    // The worst status of the rows right now: down before no data before up.
    static BucketState worst(const QList<OverviewRow> &rows);
    // A status shape in its colour, for the tray and the window icon.
    static QIcon icon(BucketState state);

    BucketState state() const { return m_state; }
    QString toolTip() const { return m_toolTip; }

public slots:
    // The Overview's rows as they arrive; the first call only learns the current states.
    void update(const QList<pw::OverviewRow> &rows);

signals:
    // "nixery.dev/shell/jq is unavailable: Timeout" / "… recovered"; down is true when it failed.
    void changed(const QString &message, bool down);
    void activated(); // the tray icon was clicked

private:
    QSystemTrayIcon *m_tray = nullptr; // null without a system tray
    QHash<QString, BucketState> m_last;
    bool m_primed = false;
    BucketState m_state = BucketState::NoData;
    QString m_toolTip;
};

} // namespace pw
