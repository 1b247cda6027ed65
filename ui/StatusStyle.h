#pragma once

#include "analysis/Aggregator.h"

#include <QColor>
#include <QPainter>
#include <QRectF>
#include <QString>

namespace pw {

// Status colours from the Okabe-Ito palette (safe for the common colour-vision deficiencies),
// always paired with a shape, so no state is told by colour alone.
struct StatusStyle
{
    static QColor color(BucketState state)
    {
        switch (state) {
        case BucketState::Up:
            return QColor(0x00, 0x9E, 0x73); // bluish green
        case BucketState::Degraded:
            return QColor(0xE6, 0x9F, 0x00); // orange
        case BucketState::Down:
            return QColor(0xD5, 0x5E, 0x00); // vermillion
        case BucketState::NoData:
            break;
        }
        return QColor(0x99, 0x99, 0x99);
    }

    // Up ●, degraded ▲, down ■, no data ○ — drawn, so they do not depend on fonts.
    static void paintShape(QPainter *painter, const QRectF &rect, BucketState state)
    {
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QColor c = color(state);
        painter->setPen(QPen(c.darker(130), 1));
        painter->setBrush(state == BucketState::NoData ? Qt::NoBrush : QBrush(c));
        const qreal side = std::min(rect.width(), rect.height()) * 0.7;
        const QRectF box(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side);
        switch (state) {
        case BucketState::Degraded: {
            const QPointF points[] = {
                {box.center().x(), box.top()}, box.bottomRight(), box.bottomLeft()};
            painter->drawPolygon(points, 3);
            break;
        }
        case BucketState::Down:
            painter->drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5));
            break;
        default:
            painter->drawEllipse(box);
        }
        painter->restore();
    }
};

} // namespace pw
