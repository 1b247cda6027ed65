#include "analysis/DerivedState.h"

namespace pw {

size_t qHash(const RollupAccumulator::Key &key, size_t seed) noexcept
{
    return qHashMulti(seed, key.imageId, int(key.source), key.bucketStart);
}

void RollupAccumulator::add(int imageId, const PullEvent &event)
{
    const qint64 bucket = event.ts - ((event.ts % m_bucketMs) + m_bucketMs) % m_bucketMs;
    const size_t slot = size_t(imageId) * 2 + (event.source == Source::Ci ? 1 : 0);
    if (slot >= m_current.size())
        m_current.resize(slot + 1);
    Current &current = m_current[slot];
    if (current.bucketStart != bucket || !current.row) {
        const Key key{imageId, event.source, bucket};
        auto it = m_rows.find(key);
        if (it == m_rows.end()) {
            it = m_rows.insert(key, RollupRow{});
            it->imageId = imageId;
            it->source = event.source;
            it->bucketStart = bucket;
            for (Current &c : m_current)
                c.row = nullptr; // the insert may have moved every value
        }
        current = Current{bucket, &*it};
    }
    RollupRow &row = *current.row;
    ++row.total;
    if (event.ok)
        ++row.ok;
    else
        ++row.failures[int(event.category == Category::None ? Category::Unknown : event.category)];
    if (event.latencyMs >= 0) {
        row.latency.add(event.latencyMs);
        if (event.cold)
            row.coldLatency.add(event.latencyMs);
    }
}

void RollupAccumulator::mergeInto(RollupRow &a, const RollupRow &b)
{
    a.total += b.total;
    a.ok += b.ok;
    for (int i = 0; i < CategoryCount; ++i)
        a.failures[i] += b.failures[i];
    a.latency.merge(b.latency);
    a.coldLatency.merge(b.coldLatency);
}

std::optional<IncidentTracker::Open> IncidentTracker::feed(qint64 ts, bool ok, Category category)
{
    if (ok) {
        if (!m_open)
            return std::nullopt;
        Open closed = std::move(*m_open);
        m_open.reset();
        closed.incident.recoveredAt = ts;
        return closed;
    }
    if (category == Category::None)
        category = Category::Unknown;
    if (!m_open) {
        Open open;
        open.incident.imageId = m_imageId;
        open.incident.start = ts;
        m_open = std::move(open);
    }
    Incident &incident = m_open->incident;
    incident.lastFailure = ts;
    ++incident.failures;
    ++m_open->counts[int(category)];
    incident.dominant = dominant(m_open->counts);
    return std::nullopt;
}

Category IncidentTracker::dominant(const std::array<qint64, CategoryCount> &counts)
{
    Category best = Category::Unknown;
    qint64 bestCount = 0;
    for (Category c : FailureCategories) { // classification order: ties go to the more specific
        if (counts[int(c)] > bestCount) {
            best = c;
            bestCount = counts[int(c)];
        }
    }
    return best;
}

} // namespace pw
