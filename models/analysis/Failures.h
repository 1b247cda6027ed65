#pragma once

#include "analysis/Aggregator.h"
#include "analysis/TextGroups.h"
#include "analysis/Verdicts.h"

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
    // The failures of no known cause, grouped by their text (TextGroups), largest first: what
    // a rule could be written for. From the newest UnknownSample of them in the range.
    QList<TextGroup> unknownGroups;
    qint64 unknownSampled = 0;
    // The failed CI pulls by verdict: the registry's side or the runner's.
    std::array<qint64, VerdictCount> verdicts{};
    bool judged = false; // verdicts were counted
    static constexpr int UnknownSample = 500;
    static constexpr int UnknownGroups = 5;
};

Result<FailureSummary> computeFailures(const HistoryStore &store, const EventFilter &filter,
                                       const TimeRange &range, qint64 bucketMs,
                                       const VerdictSettings &verdicts = {});

} // namespace pw
