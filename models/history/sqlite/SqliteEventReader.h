#pragma once

#include "history/HistoryStore.h"
#include "history/sqlite/SqliteDimensions.h"
#include "history/sqlite/SqliteStatement.h"

namespace pw {

// The read side of the SQLite history: raw events (whole or reduced to numbers) and rollup rows
// for a filter and time range, oldest first. Image names come from the dimension caches.
class SqliteEventReader
{
public:
    SqliteEventReader(sqlite3 *db, QString path, const SqliteDimensions &dimensions);

    Status scanEvents(const EventFilter &filter, const TimeRange &range,
                      const std::function<bool(const PullEvent &)> &visit) const;
    Result<QList<StoredEvent>> eventPage(const EventPageQuery &query) const;
    Status scanOutcomes(const EventFilter &filter, const TimeRange &range,
                        const std::function<void(const Outcome &)> &visit) const;
    Status scanRollups(Granularity granularity, const EventFilter &filter, const TimeRange &range,
                       const std::function<void(const RollupRow &)> &visit, bool latencies) const;

    // " AND image IN (…)" for the filter's images, registries and groups ("" for all); *none
    // is set when the filter selects no image at all.
    QString imageFilterSql(const EventFilter &filter, bool *none) const;

private:
    // The WHERE clause (after "id>=?1 AND id<?2") for an event filter; false when it selects
    // no image at all.
    bool eventFilterSql(const EventFilter &filter, QString *sql) const;
    // Prepares "SELECT columns FROM event" for the filter and range, oldest first; leaves q
    // invalid when nothing can match.
    Status prepareEventScan(const char *columns, const EventFilter &filter, const TimeRange &range,
                            SqliteStatement &q) const;
    Error sqlError(const QString &what) const;
    // Reads one row of EventColumns.
    void decode(const SqliteStatement &q, PullEvent &e) const;

    sqlite3 *m_db;
    QString m_path;
    const SqliteDimensions &m_dimensions;
};

} // namespace pw
