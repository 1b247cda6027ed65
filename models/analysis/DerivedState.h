#pragma once

#include "history/HistoryStore.h"

#include <QHash>

#include <array>
#include <limits>
#include <optional>
#include <vector>

namespace pw {

// Accumulates rollup rows for events as they are ingested; backend independent.
class RollupAccumulator
{
public:
    struct Key
    {
        int imageId;
        Source source;
        qint64 bucketStart;
        friend bool operator==(const Key &, const Key &) = default;
    };

    explicit RollupAccumulator(Granularity granularity) : m_bucketMs(granularityMs(granularity)) {}

    void add(int imageId, const PullEvent &event);
    const QHash<Key, RollupRow> &rows() const { return m_rows; }

    // Adds b's counts and histograms into a (same key).
    static void mergeInto(RollupRow &a, const RollupRow &b);

private:
    struct Current
    {
        qint64 bucketStart = std::numeric_limits<qint64>::min();
        RollupRow *row = nullptr;
    };

    qint64 m_bucketMs;
    QHash<Key, RollupRow> m_rows;
    // The row each (image, source) is filling now: events come in time order, so this saves
    // the hash look-up for all but the first event of a bucket. Cleared whenever m_rows grows,
    // since that may move its values.
    std::vector<Current> m_current;
};

size_t qHash(const RollupAccumulator::Key &key, size_t seed = 0) noexcept;

// Follows one image's events in time order and cuts them into incidents.
class IncidentTracker
{
public:
    struct Open
    {
        Incident incident;
        std::array<qint64, CategoryCount> counts{};
        qint64 rowId = 0; // where it is stored, 0 when not yet
        // Failures before the retention horizon, kept when their raw events were dropped.
        qint64 keptFailures = 0;
        std::array<qint64, CategoryCount> keptCounts{};
        qint64 keptLast = 0;
    };

    explicit IncidentTracker(int imageId) : m_imageId(imageId) {}

    void setOpen(std::optional<Open> open) { m_open = std::move(open); }
    const std::optional<Open> &open() const { return m_open; }

    // Feeds the next event (in time order). Returns the incident it closes, if any.
    std::optional<Open> feed(qint64 ts, bool ok, Category category);

    static Category dominant(const std::array<qint64, CategoryCount> &counts);

private:
    int m_imageId;
    std::optional<Open> m_open;
};

} // namespace pw
