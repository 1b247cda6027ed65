#pragma once

#include "analysis/Comparison.h"

class QChart;

namespace pw {

// The Compare page's charts for one group, drawn from ComparisonData (the page only chooses the
// group): both sides' availability over time on one time axis, their failed CI pulls per bucket,
// and the verdict mix of each side's failed CI pulls.
QColor sideColor(qsizetype side);
void drawAvailabilityOverTime(QChart *chart, const ComparisonData &data, const QString &group);
void drawCiFailuresOverTime(QChart *chart, const ComparisonData &data, const QString &group);
void drawVerdictMix(QChart *chart, const ComparisonData &data, const QString &group);

} // namespace pw
