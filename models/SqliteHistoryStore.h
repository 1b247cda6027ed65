#pragma once

#include "DerivedState.h"
#include "HistoryStore.h"
#include "SqliteStatement.h"

#include <QHash>

#include <memory>

namespace pw {

// The embedded history: one SQLite file in WAL mode, a versioned schema migrated on open,
// integer-coded event rows whose ids carry their timestamp, dimension tables for repeated
// strings, hourly and daily rollups and incidents kept current by every append.
class SqliteHistoryStore final : public HistoryStore
{
public:
    // Opens (creating and migrating as needed) the history file.
    static Result<std::unique_ptr<SqliteHistoryStore>> open(const QString &path);
    // $XDG_DATA_HOME/pullwatch/history.db
    static QString defaultPath();

    ~SqliteHistoryStore() override;

    Status append(std::span<const PullEvent> events) override;
    Status setImageInfo(const QString &image, const QString &group, const QString &label) override;
    QList<ImageInfo> images() const override;
    qint64 eventCount() const override;
    TimeRange span() const override;
    Status scanEvents(const EventFilter &filter, const TimeRange &range,
                      const std::function<bool(const PullEvent &)> &visit) const override;
    Status scanOutcomes(const EventFilter &filter, const TimeRange &range,
                        const std::function<void(const Outcome &)> &visit) const override;
    Status scanRollups(Granularity granularity, const EventFilter &filter, const TimeRange &range,
                       const std::function<void(const RollupRow &)> &visit) const override;
    Result<QList<Incident>> incidents(const EventFilter &filter,
                                      const TimeRange &range) const override;
    Status applyRetention(qint64 cutoffMs) override;
    Status rebuildDerived() override;
    QString metadata(const QString &key) const override;
    Status setMetadata(const QString &key, const QString &value) override;
    QString location() const override { return m_path; }

    int schemaVersion() const;

private:
    SqliteHistoryStore(sqlite3 *db, QString path);

    Status migrate();
    Status exec(const char *sql) const;
    Error sqlError(const QString &what) const;
    Status prepareStatements();
    void loadImages();
    void forgetCaches();

    // A table of distinct strings (digests, messages, ...) with caches both ways.
    struct TextDimension
    {
        const char *table;
        bool hashed; // long strings are found by a 64-bit hash instead of a UNIQUE text index
        QHash<QString, int> ids;
        QHash<int, QString> texts;
        SqliteStatement find, add, byId;
    };

    Result<int> imageId(const PullEvent &event);
    Result<int> intern(TextDimension &dimension, const QString &text);
    Result<int> jobId(const CiContext &ci);
    QString textOf(TextDimension &dimension, qint64 id) const;
    CiContext jobOf(qint64 id) const;
    qint64 nextFreeId(qint64 candidate);

    Status insertEvents(std::span<const PullEvent> sorted);
    Status insertRows(std::span<const std::array<qint64, 11>> rows);
    Status flushRollups(const char *table, const RollupAccumulator &accumulator);
    Status storeIncident(IncidentTracker::Open &open, bool closed);
    Status rebuildIncidents(int imageId, qint64 fromTs);
    Status keepIncidentsBefore(qint64 cutoffMs);
    Status loadOpenIncidents();

    // The WHERE clause (after "id>=?1 AND id<?2") for an event filter; false when it selects
    // no image at all.
    bool eventFilterSql(const EventFilter &filter, QString *sql) const;
    QString imageFilterSql(const EventFilter &filter, const char *column, bool *none) const;

    sqlite3 *m_db = nullptr;
    QString m_path;

    SqliteStatement m_insertEvent;
    SqliteStatement m_insertEvents; // many rows per statement
    SqliteStatement m_insertIncident;
    SqliteStatement m_updateIncident;

    QHash<QString, int> m_imageIds;
    QHash<int, ImageInfo> m_images;
    mutable TextDimension m_registries{"registry", false, {}, {}, {}, {}, {}};
    mutable TextDimension m_digests{"digest", true, {}, {}, {}, {}, {}};
    mutable TextDimension m_rules{"rule", false, {}, {}, {}, {}, {}};
    mutable TextDimension m_messages{"message", true, {}, {}, {}, {}, {}};
    QHash<QString, int> m_jobIds;
    mutable QHash<int, CiContext> m_jobs;
    SqliteStatement m_findJob, m_addJob;
    mutable SqliteStatement m_jobById;
    QHash<int, IncidentTracker> m_trackers;
    qint64 m_maxId = std::numeric_limits<qint64>::min();
    qint64 m_rawFrom = std::numeric_limits<qint64>::min(); // retention horizon
};

} // namespace pw
