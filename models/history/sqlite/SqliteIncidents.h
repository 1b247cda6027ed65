#pragma once

#include "analysis/DerivedState.h"
#include "history/sqlite/SqliteStatement.h"

#include <QHash>
#include <QSet>

#include <vector>

namespace pw {

// The incident table, kept current as events arrive: an IncidentTracker per image follows events
// in time order; incidents it closes or updates are written by flush(), never while events are
// being encoded. Late (out-of-order) events rebuild an image's incidents from its raw events, and
// retention keeps the part of an incident whose raw events it drops.
class SqliteIncidents
{
public:
    SqliteIncidents(sqlite3 *db, QString path);

    Status prepare();
    // Loads the open incidents and the retention horizon (raw events start there).
    Status load(qint64 rawFrom);
    void clear(); // forget all trackers (rebuilding from scratch)

    // The next event of an image, in time order.
    void feed(int imageId, qint64 ts, bool ok, Category category);
    // Writes what feed() closed or changed since the last flush.
    Status flush();
    // The incidents feed() closed since the last take, for storeClosed() on another thread.
    std::vector<IncidentTracker::Open> takeClosed() { return std::exchange(m_closed, {}); }
    Status storeClosed(std::vector<IncidentTracker::Open> &closed);
    // Recomputes an image's incidents from its raw events at and after fromTs.
    Status rebuild(int imageId, qint64 fromTs);
    // Before raw events older than the cutoff are dropped: remembers their part of the incidents
    // that span the cutoff.
    Status keepBefore(qint64 cutoffMs);

    // Incidents overlapping [from, to); imageSql is "" or " AND image IN (…)".
    // Per image: incidents that started in [from, to), recovered before to, time to recover.
    Result<QList<IncidentSummary>> summary(const QString &imageSql, qint64 from, qint64 to) const;
    Result<QList<Incident>> overlapping(const QString &imageSql, qint64 from, qint64 to) const;

private:
    Status store(IncidentTracker::Open &open, bool closed);
    IncidentTracker &tracker(int imageId);
    Error sqlError(const QString &what) const;

    sqlite3 *m_db;
    QString m_path;
    qint64 m_rawFrom = std::numeric_limits<qint64>::min();
    QHash<int, IncidentTracker> m_trackers;
    std::vector<IncidentTracker::Open> m_closed;
    QSet<int> m_touched; // images whose open incident changed
    SqliteStatement m_insert, m_update;
};

} // namespace pw
