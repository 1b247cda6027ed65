#pragma once

#include <QList>
#include <QPointF>

namespace pw {

// Min/max decimation for line charts: the x span [xFrom, xTo] is cut into `columns` slices
// (one per pixel, say) and each slice keeps only its lowest and highest point, in x order, so
// a chart gets at most two points per column and a one-sample spike still reaches its height.
// Points must be sorted by x; points outside the span are dropped. Fewer points than
// 2 × columns come back unchanged.
QList<QPointF> decimateMinMax(const QList<QPointF> &points, double xFrom, double xTo, int columns);

} // namespace pw
