#pragma once

#include "analysis/Aggregator.h"

namespace pw {

// A share of the failures in a range: one category, registry or image.
struct FailureCount
{
    QString key;                        // category id, registry or image
    Category category = Category::None; // for category rows
    qint64 failures = 0;
    double sharePct = 0;

    friend bool operator==(const FailureCount &, const FailureCount &) = default;
};

// Everything the Failures page shows for a range and filter.
struct FailureSummary
{
    qint64 failures = 0;
    QList<FailureCount> byCategory; // DESIGN.md's category order, categories with failures only
    QList<FailureCount> byRegistry; // most failures first
    QList<FailureCount> byImage;    // most failures first
    QList<BucketStats> overTime;    // every bucket of the range, failures per category
};

Result<FailureSummary> computeFailures(const HistoryStore &store, const EventFilter &filter,
                                       const TimeRange &range, qint64 bucketMs);

} // namespace pw
