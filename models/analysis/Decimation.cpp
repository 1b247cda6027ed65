#include "analysis/Decimation.h"

#include <cmath>

namespace pw {

QList<QPointF> decimateMinMax(const QList<QPointF> &points, double xFrom, double xTo, int columns)
{
    QList<QPointF> inside;
    inside.reserve(points.size());
    for (const QPointF &p : points) {
        if (p.x() >= xFrom && p.x() <= xTo && std::isfinite(p.y()))
            inside.append(p);
    }
    if (columns < 1 || xTo <= xFrom || inside.size() <= 2 * qsizetype(columns))
        return inside;

    QList<QPointF> out;
    out.reserve(2 * columns);
    const double width = (xTo - xFrom) / columns;
    qsizetype i = 0;
    while (i < inside.size()) {
        const int column = std::min(columns - 1, int((inside[i].x() - xFrom) / width));
        qsizetype low = i;
        qsizetype high = i;
        for (++i; i < inside.size() &&
                  std::min(columns - 1, int((inside[i].x() - xFrom) / width)) == column;
             ++i) {
            if (inside[i].y() < inside[low].y())
                low = i;
            if (inside[i].y() > inside[high].y())
                high = i;
        }
        out.append(inside[std::min(low, high)]);
        if (low != high)
            out.append(inside[std::max(low, high)]);
    }
    return out;
}

} // namespace pw
