#pragma once

#include "history/HistoryStore.h"

#include <QChartView>

class QRubberBand;

namespace pw {

// A chart on a time axis that one can drag across to choose a time range (the dashboard then
// shows that range on every page) or click at a time. It does not zoom itself: the range comes
// back as new data.
class ZoomChartView : public QChartView
{
    Q_OBJECT
public:
    explicit ZoomChartView(QWidget *parent = nullptr);

    // The time (epoch ms) under a point of the view, from the bottom date-time axis; -1 when
    // the chart has none or the point is outside its plot area.
    qint64 timeAt(QPoint position) const;

signals:
    void rangeSelected(const pw::TimeRange &range);
    void timeClicked(qint64 ms);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QRubberBand *m_band = nullptr;
    QPoint m_origin;
    bool m_dragging = false;
};

} // namespace pw
