#include "ZoomChartView.h"

#include <QDateTime>
#include <QDateTimeAxis>
#include <QMouseEvent>
#include <QRubberBand>

namespace pw {

namespace {
constexpr int MinDragPixels = 6; // less is a click
}

ZoomChartView::ZoomChartView(QWidget *parent)
    : QChartView(parent), m_band(new QRubberBand(QRubberBand::Rectangle, this))
{
    setRenderHint(QPainter::Antialiasing);
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Drag across the chart to show that time range on every page"));
}

qint64 ZoomChartView::timeAt(QPoint position) const
{
    const QRectF plot = chart()->plotArea();
    const QPointF scene = mapToScene(position);
    const QPointF inChart = chart()->mapFromScene(scene);
    if (plot.width() <= 0 || inChart.x() < plot.left() || inChart.x() > plot.right())
        return -1;
    for (QAbstractAxis *axis : chart()->axes(Qt::Horizontal)) {
        if (auto *time = qobject_cast<QDateTimeAxis *>(axis)) {
            const qint64 min = time->min().toMSecsSinceEpoch();
            const qint64 max = time->max().toMSecsSinceEpoch();
            return min + qint64(double(max - min) * (inChart.x() - plot.left()) / plot.width());
        }
    }
    return -1;
}

void ZoomChartView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || timeAt(event->position().toPoint()) < 0)
        return QChartView::mousePressEvent(event);
    m_origin = event->position().toPoint();
    m_dragging = true;
    const QRectF plot = chart()->mapRectToScene(chart()->plotArea());
    m_band->setGeometry(
        QRect(m_origin.x(), mapFromScene(plot.topLeft()).y(), 0, int(plot.height())));
    m_band->show();
}

void ZoomChartView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_dragging)
        return QChartView::mouseMoveEvent(event);
    const int x = event->position().toPoint().x();
    QRect band = m_band->geometry();
    band.setLeft(std::min(m_origin.x(), x));
    band.setRight(std::max(m_origin.x(), x));
    m_band->setGeometry(band);
}

void ZoomChartView::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_dragging)
        return QChartView::mouseReleaseEvent(event);
    m_dragging = false;
    m_band->hide();
    const QPoint end = event->position().toPoint();
    const qint64 at = timeAt(end);
    const qint64 from = timeAt(m_origin);
    if (std::abs(end.x() - m_origin.x()) < MinDragPixels) {
        if (from >= 0)
            emit timeClicked(from);
        return;
    }
    // A drag that leaves the plot ends at its edge.
    const QRectF plot = chart()->mapRectToScene(chart()->plotArea());
    const qint64 to =
        at >= 0 ? at
                : timeAt(QPoint(end.x() < m_origin.x() ? mapFromScene(plot.topLeft()).x() + 1
                                                       : mapFromScene(plot.topRight()).x() - 1,
                                m_origin.y()));
    if (from >= 0 && to >= 0 && from != to)
        emit rangeSelected({std::min(from, to), std::max(from, to)});
}

} // namespace pw
