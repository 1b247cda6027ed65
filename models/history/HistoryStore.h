#pragma once

#include "Category.h"
#include "LatencyHistogram.h"
#include "PullEvent.h"
#include "Result.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <array>
#include <functional>
#include <optional>
#include <span>

namespace pw {

// A half-open UTC interval [from, to) in epoch milliseconds.
struct TimeRange
{
    qint64 from = 0;
    qint64 to = 0;

    bool contains(qint64 ts) const { return ts >= from && ts < to; }
    bool isEmpty() const { return to <= from; }
    qint64 length() const { return to - from; }
    friend bool operator==(const TimeRange &, const TimeRange &) = default;
};

// Which events a query looks at. Empty lists mean "all".
struct EventFilter
{
    QStringList images;     // canonical references
    QStringList registries; // normalized domains
    QStringList groups;     // config groups ("" is not a group)
    std::optional<Source> source;
    // Event-level refinements (raw events only; rollups ignore them).
    std::optional<bool> ok;
    std::optional<Category> category;

    friend bool operator==(const EventFilter &, const EventFilter &) = default;
};

// The image dimension: one row per canonical reference.
struct ImageInfo
{
    int id = 0;
    QString image;
    QString registry;
    QString group;
    QString label;
    qint64 firstTs = 0; // first and last event seen (0 when none)
    qint64 lastTs = 0;
    qint64 events = 0; // raw events currently stored
};

enum class Granularity
{
    Hour,
    Day
};
qint64 granularityMs(Granularity g);

// Per image, source and bucket: the counts and latency histogram of the raw events in it.
struct RollupRow
{
    int imageId = 0;
    Source source = Source::Probe;
    qint64 bucketStart = 0;
    qint64 total = 0;
    qint64 ok = 0;
    std::array<qint64, CategoryCount> failures{}; // indexed by Category
    LatencyHistogram latency;
    LatencyHistogram coldLatency; // the cold pulls among them (warm = latency - coldLatency)
};

// The numeric part of a raw event: what aggregation needs, without any strings.
struct Outcome
{
    qint64 ts = 0;
    int imageId = 0;
    Source source = Source::Probe;
    Category category = Category::None; // None when ok
    qint64 latencyMs = -1;
    bool cold = false;

    bool ok() const { return category == Category::None; }
};

// A run of consecutive failures of one image, ended by its next successful pull.
struct Incident
{
    int imageId = 0;
    qint64 start = 0;        // first failure
    qint64 lastFailure = 0;  // last failure of the run
    qint64 recoveredAt = -1; // first success after the run, -1 while still failing
    qint64 failures = 0;
    Category dominant = Category::Unknown; // most frequent category (ties: the more specific)

    bool isOpen() const { return recoveredAt < 0; }
    friend bool operator==(const Incident &, const Incident &) = default;
};

// An image's incidents that started in a range (what the compare report counts).
struct IncidentSummary
{
    int imageId = 0;
    qint64 incidents = 0;
    qint64 recovered = 0; // recovered before the range's end
    qint64 ttrSumMs = 0;  // their times to recover, summed
};

// A probed image's digest changed: the registry began serving another image.
struct DigestChange
{
    int imageId = 0;
    qint64 ts = 0; // the first successful probe that saw the new digest
    QString digest;
    QString previous;
    friend bool operator==(const DigestChange &, const DigestChange &) = default;
};

// One page of the events table: the newest first, after a cursor (keyset paging, so page N
// costs what page 1 does on any history size).
struct EventPageQuery
{
    EventFilter filter;
    TimeRange range;
    QString search;           // case-insensitive substring of the image or the message; "" for all
    qint64 beforeId = 0;      // cursor: only events older than this id; 0 starts at the newest
    qint64 afterId = 0;       // only events newer than this id (what arrived since); 0 for all
    bool oldestFirst = false; // ascending: the next page continues after afterId
    int limit = 500;
};

struct StoredEvent
{
    qint64 id = 0; // the store's id: the cursor for the next page
    PullEvent event;
};

// A compare-and-set of one metadata key, made with the events it guards: how a file's or a
// job's events are stored exactly once when two ingests of it run at once.
struct MetadataClaim
{
    QString key;
    QString expected; // what the key must still hold ("" when absent)
    QString value;    // what it holds after the events are stored
};

enum class HistoryAccess
{
    ReadWrite, // creates and migrates as needed
    ReadOnly,  // for commands that only read: the history must exist and be current
};

// The pull history. SQLite today (history/sqlite/), opened through openHistory(); PostgreSQL can
// implement the same interface later without touching callers. Implementations are used from
// one thread at a time.
class HistoryStore
{
public:
    virtual ~HistoryStore() = default;

    // Stores events in one transaction: all or nothing. Rollups and incidents follow.
    virtual Status append(std::span<const PullEvent> events) = 0;
    // Stores events (maybe none) and moves claim.key from claim.expected to claim.value in one
    // transaction. False, storing nothing, when the key no longer holds claim.expected: another
    // writer got there first.
    virtual Result<bool> appendClaiming(std::span<const PullEvent> events,
                                        const MetadataClaim &claim) = 0;
    // Records the group and label an image belongs to (from the config or the demo).
    virtual Status setImageInfo(const QString &image, const QString &group,
                                const QString &label) = 0;
    virtual QList<ImageInfo> images() const = 0;
    virtual qint64 eventCount() const = 0;
    // First and last event timestamps; an empty range when there are none.
    virtual TimeRange span() const = 0;

    // Raw events in the range, oldest first; the callback returns false to stop.
    virtual Status scanEvents(const EventFilter &filter, const TimeRange &range,
                              const std::function<bool(const PullEvent &)> &visit) const = 0;
    // The same events as scanEvents, reduced to their numbers (cheaper: no string lookups).
    virtual Status scanOutcomes(const EventFilter &filter, const TimeRange &range,
                                const std::function<void(const Outcome &)> &visit) const = 0;
    // Rollup rows whose bucket starts inside the range (aligned to the granularity).
    // Without latencies the histograms stay empty and are not read: counts cost much less.
    virtual Status scanRollups(Granularity granularity, const EventFilter &filter,
                               const TimeRange &range,
                               const std::function<void(const RollupRow &)> &visit,
                               bool latencies) const = 0;
    // A page of raw events, newest first (see EventPageQuery).
    virtual Result<QList<StoredEvent>> eventPage(const EventPageQuery &query) const = 0;
    // Incidents that overlap the range, oldest first.
    virtual Result<QList<Incident>> incidents(const EventFilter &filter,
                                              const TimeRange &range) const = 0;

    // Per image, the incidents that started inside the range (an index answers it: no incident
    // rows are read).
    virtual Result<QList<IncidentSummary>> incidentSummary(const EventFilter &filter,
                                                           const TimeRange &range) const = 0;
    // Digest changes inside the range, oldest first (kept beyond the raw events' retention).
    virtual Result<QList<DigestChange>> digestChanges(const EventFilter &filter,
                                                      const TimeRange &range) const = 0;

    // Drops raw events older than the cutoff and says how many; rollups and incidents stay.
    virtual Result<qint64> applyRetention(qint64 cutoffMs) = 0;
    // Recomputes rollups and incidents from the raw events still stored (after retention the
    // long view before the horizon is lost: used when a migration adds derived tables).
    virtual Status rebuildDerived() = 0;
    // Small facts about the history itself ("origin" = "demo" for a generated one).
    virtual QString metadata(const QString &key) const = 0;
    virtual Status setMetadata(const QString &key, const QString &value) = 0;
    // Where the history lives (a file path or a connection string without secrets).
    virtual QString location() const = 0;
};

// The image ids a filter selects (empty filter lists select every image).
QList<int> selectImages(const QList<ImageInfo> &images, const EventFilter &filter);
// The store's images by id, to name the ids aggregation works with.
QHash<int, ImageInfo> imagesById(const HistoryStore &store);

} // namespace pw
