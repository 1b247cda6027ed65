#pragma once

#include <QStyledItemDelegate>
#include <QTableView>

namespace pw {

// TimelineModel's cells as coloured bars, TestGrid-style: down full height, degraded and up
// inset, no data as a hatched outline, so no state depends on colour alone.
class TimelineCellDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

// The grid of images against buckets. A click on a cell activates its bucket; a drag across
// columns selects their time span.
class TimelineGrid : public QTableView
{
    Q_OBJECT
public:
    explicit TimelineGrid(QWidget *parent = nullptr);
    // As tall as its rows, so the latency chart below gets the rest of the page.
    QSize sizeHint() const override;
    void setModel(QAbstractItemModel *model) override;

signals:
    void bucketActivated(const QModelIndex &index);
    void columnsDragged(int first, int last);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QPersistentModelIndex m_pressed;
};

// The grid's legend: each state's bar and name, the chart's marks.
class TimelineLegend : public QWidget
{
    Q_OBJECT
public:
    explicit TimelineLegend(QWidget *parent = nullptr);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
};

} // namespace pw
