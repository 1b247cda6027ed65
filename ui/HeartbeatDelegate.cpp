#include "HeartbeatDelegate.h"

#include "items/OverviewModel.h"
#include "StatusStyle.h"

#include <QApplication>
#include <QPainter>

namespace pw {

void HeartbeatDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter);

    const QList<int> states = index.data(OverviewModel::HeartbeatRole).value<QList<int>>();
    if (states.isEmpty())
        return;
    const QRectF area = QRectF(option.rect).adjusted(4, 4, -4, -4);
    const qreal cell = area.width() / states.size();
    painter->save();
    for (int i = 0; i < states.size(); ++i) {
        const auto state = static_cast<BucketState>(states[i]);
        QRectF r(area.left() + i * cell, area.top(), std::max<qreal>(cell - 1, 1), area.height());
        if (state != BucketState::Down) // down stands out by height as well as colour
            r.adjust(0, area.height() * 0.2, 0, -area.height() * 0.2);
        if (state == BucketState::NoData) {
            painter->setPen(QPen(StatusStyle::color(state), 1));
            painter->setBrush(Qt::NoBrush);
            painter->drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
        } else {
            painter->fillRect(r, StatusStyle::color(state));
        }
    }
    painter->restore();
}

QSize HeartbeatDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const
{
    const QSize base = QStyledItemDelegate::sizeHint(option, index);
    const int cells =
        static_cast<int>(index.data(OverviewModel::HeartbeatRole).value<QList<int>>().size());
    return {std::max(base.width(), cells * 5 + 8), std::max(base.height(), 22)};
}

namespace {
constexpr int ShapeWidth = 22; // the status shape, left of the state's name
}

void StatusDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                           const QModelIndex &index) const
{
    QStyleOptionViewItem text = option;
    initStyleOption(&text, index);
    text.rect.adjust(ShapeWidth, 0, 0, 0);
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &text, painter);
    const auto state = static_cast<BucketState>(index.data(OverviewModel::StateRole).toInt());
    const int side = std::min(option.rect.height(), ShapeWidth);
    StatusStyle::paintShape(
        painter, QRectF(option.rect.left() + 2, option.rect.center().y() - side / 2.0, side, side),
        state);
}

QSize StatusDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QSize text = QStyledItemDelegate::sizeHint(option, index);
    return {text.width() + ShapeWidth + 2, text.height()};
}

} // namespace pw
