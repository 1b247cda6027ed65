#pragma once

#include "PullEvent.h"

#include <algorithm>

namespace pw::sqliteschema {

// The version a store opened by this build migrates to (PRAGMA user_version).
inline constexpr int Version = 5;

// PRAGMA application_id of a pullwatch history ("PuLW"), set when it is created or migrated.
inline constexpr qint64 ApplicationId = 0x50754c57;

// SQL that takes a history from version - 1 to version (1 = from an empty file).
// Derived data (rollups, incidents) is rebuilt from raw events after a migration that adds it.
const char *migration(int version);
bool rebuildsDerived(int version);

// The event table's columns, in the order INSERTs and full scans use.
inline constexpr const char *EventColumns =
    "id, image, kind, latency, bytes, digest, rule, message, job, line";

// Event ids carry their timestamp so time-range scans need no index (bytes per event matter):
// id = (ts - Epoch) << SeqBits | sequence within the millisecond.
inline constexpr long long Epoch = 1577836800000LL; // 2020-01-01T00:00:00Z
inline constexpr int SeqBits = 10;
inline constexpr long long idOf(long long ts)
{
    return (ts - Epoch) * (1LL << SeqBits);
}
inline constexpr long long tsOf(long long id)
{
    return (id >> SeqBits) + Epoch;
}

// Source, outcome, category, the cold flag and the HTTP status share one small integer column
// (fewer columns make inserts cheaper and rows smaller): bits 0-3 category (0 = ok), bit 4 the
// source (1 = ci), bit 5 cold, bits 6 and up the HTTP status.
inline constexpr int CategoryMask = 0x0F;
inline constexpr int CiBit = 0x10;
inline constexpr int ColdBit = 0x20;
inline constexpr int StatusShift = 6; // the HTTP status (0 for none) above those

inline qint64 kindOf(const PullEvent &e)
{
    const Category category = e.ok                           ? Category::None
                              : e.category == Category::None ? Category::Unknown
                                                             : e.category;
    const qint64 status = std::max(e.httpStatus, 0);
    return int(category) | (e.source == Source::Ci ? CiBit : 0) | (e.cold ? ColdBit : 0) |
           (status << StatusShift);
}

inline void decodeKind(qint64 kind, PullEvent &e)
{
    e.category = Category(kind & CategoryMask);
    e.ok = e.category == Category::None;
    e.source = (kind & CiBit) ? Source::Ci : Source::Probe;
    e.cold = (kind & ColdBit) != 0;
    e.httpStatus = int(kind >> StatusShift);
}

} // namespace pw::sqliteschema
