#include "StatusTray.h"

#include "StatusStyle.h"

#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>

namespace pw {

StatusTray::StatusTray(QObject *parent) : QObject(parent)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(icon(BucketState::NoData), this);
    m_tray->setToolTip(tr("pullwatch"));
    connect(m_tray, &QSystemTrayIcon::activated, this, &StatusTray::activated);
    connect(this, &StatusTray::changed, m_tray, [this](const QString &message, bool down) {
        m_tray->showMessage(down ? tr("Image unavailable") : tr("Image recovered"), message,
                            down ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
    });
    m_tray->show();
}

BucketState StatusTray::worst(const QList<OverviewRow> &rows)
{
    const auto rank = [](BucketState s) {
        return s == BucketState::Down       ? 3
               : s == BucketState::Degraded ? 2
               : s == BucketState::NoData   ? 1
                                            : 0;
    };
    BucketState worst = rows.isEmpty() ? BucketState::NoData : BucketState::Up;
    for (const OverviewRow &row : rows) {
        if (rank(row.statusNow) > rank(worst))
            worst = row.statusNow;
    }
    return worst;
}

QIcon StatusTray::icon(BucketState state)
{
    QIcon icon;
    for (const int side : {16, 22, 32, 64}) {
        QPixmap pixmap(side, side);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        StatusStyle::paintShape(&painter, QRectF(0, 0, side, side).adjusted(1, 1, -1, -1), state);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

void StatusTray::update(const QList<OverviewRow> &rows)
{
    int down = 0;
    for (const OverviewRow &row : rows) {
        down += row.statusNow == BucketState::Down ? 1 : 0;
        const auto last = m_last.constFind(row.image);
        const bool known = last != m_last.cend();
        if (m_primed && known && *last != row.statusNow) {
            if (row.statusNow == BucketState::Down)
                emit changed(
                    tr("%1 is unavailable: %2").arg(row.image, categoryTitle(row.lastFailure)),
                    true);
            else if (*last == BucketState::Down && row.statusNow == BucketState::Up)
                emit changed(tr("%1 recovered").arg(row.image), false);
        }
        m_last.insert(row.image, row.statusNow);
    }
    m_primed = true;
    m_state = worst(rows);
    m_toolTip = down ? tr("pullwatch: %n image(s) down", nullptr, down)
                     : tr("pullwatch: %1 images, none down").arg(rows.size());
    if (!m_tray)
        return;
    m_tray->setIcon(icon(m_state));
    m_tray->setToolTip(m_toolTip);
}

} // namespace pw
