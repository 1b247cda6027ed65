#include "history/sqlite/SqliteSchema.h"

namespace pw::sqliteschema {

namespace {
// Version 1: dimensions, raw events and hourly rollups.
constexpr const char *V1 = R"sql(
CREATE TABLE registry(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE image(id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,
                   registry INTEGER NOT NULL REFERENCES registry(id),
                   grp TEXT NOT NULL DEFAULT '', label TEXT NOT NULL DEFAULT '',
                   first_ts INTEGER NOT NULL DEFAULT 0, last_ts INTEGER NOT NULL DEFAULT 0,
                   events INTEGER NOT NULL DEFAULT 0);
CREATE TABLE rule(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
-- Long strings are found by a 64-bit hash of their text, so the index stays small.
CREATE TABLE digest(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX digest_hash ON digest(hash);
CREATE TABLE message(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX message_hash ON message(hash);
CREATE TABLE job(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, provider TEXT NOT NULL,
                 repo TEXT NOT NULL, run_id TEXT NOT NULL, job_id TEXT NOT NULL,
                 job_name TEXT NOT NULL, job_url TEXT NOT NULL);
CREATE INDEX job_hash ON job(hash);
-- One row per pull attempt, integer-coded; absent values are NULL (no bytes on disk).
CREATE TABLE event(id INTEGER PRIMARY KEY, image INTEGER NOT NULL, kind INTEGER NOT NULL,
                   latency INTEGER, bytes INTEGER, digest INTEGER, rule INTEGER,
                   message INTEGER, job INTEGER, line INTEGER);
CREATE TABLE rollup_hour(image INTEGER NOT NULL, source INTEGER NOT NULL, bucket INTEGER NOT NULL,
                         total INTEGER NOT NULL, ok INTEGER NOT NULL, failures BLOB,
                         latency BLOB, cold_latency BLOB,
                         PRIMARY KEY(image, source, bucket)) WITHOUT ROWID;
)sql";

// Version 2: daily rollups for long ranges, materialized incidents, file metadata.
constexpr const char *V2 = R"sql(
CREATE TABLE rollup_day(image INTEGER NOT NULL, source INTEGER NOT NULL, bucket INTEGER NOT NULL,
                        total INTEGER NOT NULL, ok INTEGER NOT NULL, failures BLOB,
                        latency BLOB, cold_latency BLOB,
                        PRIMARY KEY(image, source, bucket)) WITHOUT ROWID;
CREATE TABLE incident(id INTEGER PRIMARY KEY, image INTEGER NOT NULL, start_ts INTEGER NOT NULL,
                      last_ts INTEGER NOT NULL, recovered_ts INTEGER, failures INTEGER NOT NULL,
                      category INTEGER NOT NULL, counts BLOB,
                      -- the part before the raw-event horizon (retention), which raw events
                      -- can no longer recompute
                      kept_failures INTEGER NOT NULL DEFAULT 0, kept_counts BLOB,
                      kept_last INTEGER);
CREATE INDEX incident_image_start ON incident(image, start_ts);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// Version 3: when each probed image's digest changed, for the timeline's markers.
constexpr const char *V3 = R"sql(
CREATE TABLE digest_change(image INTEGER NOT NULL, ts INTEGER NOT NULL, digest INTEGER NOT NULL,
                           previous INTEGER, PRIMARY KEY(image, ts)) WITHOUT ROWID;
)sql";

// Version 4: incidents by start time, covering what the compare report counts.
constexpr const char *V4 = R"sql(
CREATE INDEX incident_start ON incident(start_ts, image, recovered_ts);
)sql";

// Version 5: the failed CI pulls, which verdicts read out of a month of probes (about one event
// in a hundred; its WHERE is the one EventFilter{source Ci, ok false} writes, so the planner
// finds it by itself).
static_assert(CiBit == 16 && CategoryMask == 15, "event_ci_failure's WHERE spells them out");
constexpr const char *V5 = R"sql(
CREATE INDEX event_ci_failure ON event(id) WHERE (kind & 16)=16 AND (kind & 15)<>0;
)sql";
} // namespace

const char *migration(int version)
{
    switch (version) {
    case 1:
        return V1;
    case 2:
        return V2;
    case 3:
        return V3;
    case 4:
        return V4;
    case 5:
        return V5;
    default:
        return nullptr;
    }
}

bool rebuildsDerived(int version)
{
    return version == 2 || version == 3;
}

} // namespace pw::sqliteschema
