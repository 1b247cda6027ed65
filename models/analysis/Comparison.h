#pragma once

#include "analysis/Timeline.h"
#include "analysis/Verdicts.h"

namespace pw {

// Everything the Compare page shows for a range: the compare report's figures per image, each
// image's verdict mix and summary sentence, and the grouped images over time (availability and
// failed CI pulls per bucket), so both sides of a group can be drawn on one time axis.
struct ComparisonData
{
    TimeRange range;
    QList<CompareRow> rows;
    QList<ImageVerdicts> verdicts; // grouped images first, like rows
    TimelineData timeline;         // the grouped images only
    bool judged = false;           // verdicts were filled in
};

// About a hundred buckets over the range, in whole hours.
qint64 comparisonBucketMs(const TimeRange &range);

Result<ComparisonData> computeComparison(const HistoryStore &store, const EventFilter &filter,
                                         const TimeRange &range,
                                         const VerdictSettings &verdicts = {});

} // namespace pw
