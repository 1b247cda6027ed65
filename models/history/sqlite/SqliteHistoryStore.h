#pragma once

#include "analysis/DerivedState.h"
#include "history/HistoryStore.h"
#include "history/sqlite/SqliteDigestChanges.h"
#include "history/sqlite/SqliteDimensions.h"
#include "history/sqlite/SqliteEventReader.h"
#include "history/sqlite/SqliteIncidents.h"
#include "history/sqlite/SqliteStatement.h"

#include <array>
#include <future>
#include <memory>

namespace pw {

// The embedded history: one SQLite file in WAL mode, a versioned schema migrated on open,
// integer-coded event rows whose ids carry their timestamp, dimension tables for repeated
// strings, hourly and daily rollups and incidents kept current by every append.
class SqliteHistoryStore final : public HistoryStore
{
public:
    using Access = HistoryAccess;
    // Opens the history file. A file that is not a pullwatch history (another application's
    // SQLite database, a device, a FIFO) is refused and left untouched.
    static Result<std::unique_ptr<SqliteHistoryStore>> open(const QString &path,
                                                            Access access = Access::ReadWrite);
    // $XDG_DATA_HOME/pullwatch/history.db
    static QString defaultPath();
    // Deletes the file and its write-ahead log and shared-memory index.
    static Status remove(const QString &path);

    ~SqliteHistoryStore() override;

    Status append(std::span<const PullEvent> events) override;
    Result<bool> appendClaiming(std::span<const PullEvent> events,
                                const MetadataClaim &claim) override;
    Status setImageInfo(const QString &image, const QString &group, const QString &label) override;
    QList<ImageInfo> images() const override;
    qint64 eventCount() const override;
    TimeRange span() const override;
    Status scanEvents(const EventFilter &filter, const TimeRange &range,
                      const std::function<bool(const PullEvent &)> &visit) const override;
    Status scanOutcomes(const EventFilter &filter, const TimeRange &range,
                        const std::function<void(const Outcome &)> &visit) const override;
    Result<QList<StoredEvent>> eventPage(const EventPageQuery &query) const override;
    Status scanRollups(Granularity granularity, const EventFilter &filter, const TimeRange &range,
                       const std::function<void(const RollupRow &)> &visit,
                       bool latencies) const override;
    Result<QList<Incident>> incidents(const EventFilter &filter,
                                      const TimeRange &range) const override;
    Result<QList<IncidentSummary>> incidentSummary(const EventFilter &filter,
                                                   const TimeRange &range) const override;
    Result<QList<DigestChange>> digestChanges(const EventFilter &filter,
                                              const TimeRange &range) const override;
    Result<qint64> applyRetention(qint64 cutoffMs) override;
    Status rebuildDerived() override;
    QString metadata(const QString &key) const override;
    Status setMetadata(const QString &key, const QString &value) override;
    QString location() const override { return m_path; }

    int schemaVersion() const;

private:
    static constexpr int ColumnCount = 10; // of the event table
    static constexpr int RowsPerInsert = 32; // multi-row INSERTs halve SQLite's per-statement cost
    using Row = std::array<qint64, ColumnCount>;
    // What one batch of events did to one image, for its counters and incidents.
    struct BatchImage
    {
        qint64 first = std::numeric_limits<qint64>::max();
        qint64 last = std::numeric_limits<qint64>::min();
        qint64 count = 0;
        bool inOrder = true; // no event older than what was stored for the image
        qint64 outOfOrderFrom = std::numeric_limits<qint64>::max();
    };

    SqliteHistoryStore(sqlite3 *db, sqlite3 *reader, QString path);

    // Refuses a file that is neither pullwatch's nor empty (readOnly: nor empty).
    Status checkIdentity(bool readOnly) const;
    Status setJournalMode() const;
    // Brings the schema to sqliteschema::Version; the version it found.
    Result<int> migrate();
    Status prepare();
    Status exec(const char *sql) const;
    Error sqlError(const QString &what) const;
    // Caches, id counters and incident trackers from the file: after a rolled-back transaction,
    // or when another connection (another pullwatch process) has written to it.
    void reload() const;
    // Reloads when another connection committed since we last looked (PRAGMA data_version).
    void syncWithFile() const;
    // Called by SQLite after each commit: starts a background checkpoint once the WAL is large,
    // so committing never waits for the WAL to be copied into the database file.
    static int walCommitted(void *store, sqlite3 *db, const char *name, int pages);

    Result<bool> write(std::span<const PullEvent> events, const MetadataClaim *claim);
    qint64 nextFreeId(qint64 candidate);
    static QByteArray insertSql(int rows);
    Status insertEvents(std::span<const PullEvent> sorted);
    // Rows, or the strings and closed incidents of a chunk with its rows (on another thread).
    Status insertRows(std::span<const Row> rows);
    // After a batch's rows: dimensions, incidents, digest changes, rollups and image counters.
    Status finishBatch(const std::vector<BatchImage> &images, const RollupAccumulator &hours,
                       const RollupAccumulator &days);
    Status flushRollups(const char *table, const RollupAccumulator &accumulator);

    sqlite3 *m_db = nullptr;     // the writing connection
    sqlite3 *m_reader = nullptr; // read-only, for look-ups while m_db inserts on another thread
    sqlite3 *m_checkpointer = nullptr; // copies the WAL into the file on a thread of its own
    std::future<void> m_checkpoint;
    QString m_path;
    SqliteStatement m_insertEvent;
    SqliteStatement m_insertEvents; // many rows per statement
    std::unique_ptr<SqliteDimensions> m_dimensions;
    std::unique_ptr<SqliteIncidents> m_incidents;
    std::unique_ptr<SqliteDigestChanges> m_digestChanges;
    std::unique_ptr<SqliteEventReader> m_events;
    mutable qint64 m_maxId = std::numeric_limits<qint64>::min();
    mutable qint64 m_rawFrom = std::numeric_limits<qint64>::min(); // retention horizon
    mutable qint64 m_dataVersion = -1;
    mutable SqliteStatement m_dataVersionQuery;
};

} // namespace pw
