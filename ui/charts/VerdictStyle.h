#pragma once

#include "analysis/Verdicts.h"

#include <QColor>
#include <QScatterSeries>

namespace pw {

// A colour and a marker shape per verdict: warm colours for the registry's side (rate limited,
// outage, slow pull), cool ones for the runner's and the image's, grey for no evidence. Marks
// differ in shape too, and every series is named, so no verdict is told by colour alone.
inline QColor verdictColor(Verdict verdict)
{
    static const QColor colors[VerdictCount] = {
        QColor(0xF2, 0xB7, 0x01), // rate_limited
        QColor(0x7F, 0x3C, 0x8D), // image_problem
        QColor(0xE7, 0x3F, 0x34), // registry_outage
        QColor(0xE6, 0x83, 0x10), // slow_pull
        QColor(0x39, 0x69, 0xAC), // runner_side
        QColor(0x99, 0x99, 0x99), // no_evidence
    };
    return colors[size_t(verdict)];
}

inline QScatterSeries::MarkerShape verdictShape(Verdict verdict)
{
    static const QScatterSeries::MarkerShape shapes[VerdictCount] = {
        QScatterSeries::MarkerShapeStar,          QScatterSeries::MarkerShapePentagon,
        QScatterSeries::MarkerShapeTriangle,      QScatterSeries::MarkerShapeRotatedRectangle,
        QScatterSeries::MarkerShapeCircle,        QScatterSeries::MarkerShapeRectangle};
    return shapes[size_t(verdict)];
}

} // namespace pw
