#pragma once

#include "analysis/Aggregator.h"
#include "history/HistoryStore.h"

#include <QList>
#include <QString>

namespace pw {

// One image as the Overview page shows it (DESIGN.md "The dashboard").
struct OverviewRow
{
    static constexpr int HeartbeatBuckets = 48; // hourly, the last two days

    int imageId = 0;
    QString image;
    QString registry;
    QString group;
    QString label;
    BucketState statusNow = BucketState::NoData; // the latest event in the last 24 h
    qint64 lastEventTs = -1;
    QList<BucketState> heartbeat; // HeartbeatBuckets hourly states, oldest first
    double availability24h = -1;  // percent; -1 without events
    double availability7d = -1;
    double availability30d = -1;
    qint64 latencyP95Ms = -1;   // last 24 h
    QString digest;             // latest digest seen in the last 24 h
    bool digestChanged = false; // more than one digest in the last 24 h
    Category lastFailure = Category::None;
    qint64 lastFailureTs = -1;

    friend bool operator==(const OverviewRow &, const OverviewRow &) = default;
};

// Everything the Overview page shows, for the images the filter selects, as of nowMs. Ordered by
// group (grouped first), label, image. Costs a few rollup queries plus the raw events of the last
// day, whatever the history's length.
Result<QList<OverviewRow>> computeOverview(const HistoryStore &store, const EventFilter &filter,
                                           qint64 nowMs);

} // namespace pw
