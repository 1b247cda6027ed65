#pragma once

#include "history/HistoryStore.h"

#include <QList>

namespace pw {

// Display state of a bucket: the worst event in it wins.
enum class BucketState
{
    NoData,
    Up,
    Degraded,
    Down
};

// "Up", "Degraded", "Down", "No data" (translated).
QString bucketStateTitle(BucketState state);

// Counts of one image (or of every selected image, imageId 0) in one time bucket.
struct BucketStats
{
    int imageId = 0;
    qint64 bucketStart = 0;
    qint64 bucketEnd = 0;
    qint64 total = 0;
    qint64 ok = 0;
    std::array<qint64, CategoryCount> failures{};
    LatencyHistogram latency;
    LatencyHistogram coldLatency;

    qint64 failed() const { return total - ok; }
    double availabilityPct() const { return total ? 100.0 * double(ok) / double(total) : 0.0; }
    BucketState state() const;
    Category topCategory() const; // most frequent failure (ties: more specific); None if none
    void add(const RollupRow &row);
    void add(const Outcome &outcome);
};

struct BreakdownRow
{
    Category category = Category::Unknown;
    QString registry;
    QString image;
    qint64 failures = 0;
    double sharePct = 0; // of all failures in the range
};

// An incident seen from a query: one that started inside the range.
struct IncidentStats
{
    Incident incident;
    QString image;
    // Time to recover in ms (recovery - first failure); -1 when not recovered inside the range.
    qint64 ttrMs = -1;
};

// One image of a comparison (DESIGN.md "compare" report).
struct CompareRow
{
    QString group;
    QString label;
    QString image;
    BucketStats stats; // whole range
    qint64 incidents = 0;
    double mttrS = -1; // mean time to recover in seconds, -1 when none recovered
    qint64 coldP50 = -1;
    qint64 warmP50 = -1;
};

struct AggregateQuery
{
    EventFilter filter;
    TimeRange range;
    qint64 bucketMs = 3600 * 1000; // 0: the whole range is one bucket
    bool latencies = true;         // false: counts only (histograms stay empty), much cheaper
};

// Answers the dashboard's and the reports' questions from a HistoryStore. Whole hours and days
// come from rollups; only the ragged edges of a range are read from raw events, so a 30-day
// query costs the same on 10 M events as on 10 k. Counts are exact; percentiles come from
// mergeable histograms (exact below 256 ms, within 0.4 % above).
class Aggregator
{
public:
    explicit Aggregator(const HistoryStore &store) : m_store(store) {}

    // Per image and bucket with events, ordered by bucket start, then image.
    Result<QList<BucketStats>> availability(const AggregateQuery &query) const;
    // Per image over the whole range, ordered by image id.
    Result<QList<BucketStats>> perImage(const EventFilter &filter, const TimeRange &range,
                                        bool latencies = true) const;
    // All selected images together per bucket (imageId 0), for failures stacked over time.
    Result<QList<BucketStats>> overTime(const AggregateQuery &query) const;
    // Failures by category x registry x image, most failures first.
    Result<QList<BreakdownRow>> breakdown(const EventFilter &filter, const TimeRange &range) const;
    // Incidents that started in the range, oldest first.
    Result<QList<IncidentStats>> incidents(const EventFilter &filter, const TimeRange &range) const;
    // Each image with events in the range, grouped images first (by group, then label).
    Result<QList<CompareRow>> compare(const EventFilter &filter, const TimeRange &range) const;
    // Adds every selected event of the range into bucketFor(image, source, bucket start), from
    // rollups where whole hours/days allow, raw events elsewhere: one pass for callers that keep
    // probes and CI pulls apart (the timeline).
    using SourceBucketFor = std::function<BucketStats &(int imageId, Source source, qint64 bucket)>;
    Status collectBySource(const AggregateQuery &query, const SourceBucketFor &bucketFor) const
    {
        return collect(query, true, bucketFor);
    }

private:
    // Adds every selected event of the range into bucketFor(image, bucket start) (image 0 when
    // not per image), from rollups where whole hours/days allow, raw events elsewhere.
    Status collect(const AggregateQuery &query, bool perImage,
                   const SourceBucketFor &bucketFor) const;

    const HistoryStore &m_store;
};

qint64 floorTo(qint64 ts, qint64 step);

// Time charts never get more buckets than this, whatever range is asked.
inline constexpr qint64 MaxChartBuckets = 2000;

// A range longer than any chart needs (an absurd --from such as year 0) cut to the history's
// events, aligned to `alignMs`: nothing lies outside them. Ranges of up to MaxChartBuckets days
// stay as they are, so an ordinary range keeps its empty buckets.
TimeRange clampToHistory(const HistoryStore &store, const TimeRange &range, qint64 alignMs = 1);

// The range and bucket width a time chart is computed with: clampToHistory, then the width grown
// in whole multiples until the range holds at most MaxChartBuckets buckets.
struct ChartBuckets
{
    TimeRange range;
    qint64 bucketMs = 0;
};
ChartBuckets boundChartBuckets(const HistoryStore &store, const TimeRange &range, qint64 bucketMs);

} // namespace pw
