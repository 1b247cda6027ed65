#pragma once

#include <QStyledItemDelegate>

namespace pw {

// Paints a row's recent buckets (OverviewModel::HeartbeatRole) as a strip of cells, one per
// bucket: coloured by state, "no data" as an empty outline (distinct from down), down cells
// also taller, so the strip reads without colour.
class HeartbeatDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

// The status column: the state's shape, then its name.
class StatusDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace pw
