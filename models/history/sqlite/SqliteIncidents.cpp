#include "history/sqlite/SqliteIncidents.h"

#include "history/sqlite/SqliteSchema.h"
#include "Varint.h"

#include <map>

namespace pw {

using sqliteschema::idOf;
using sqliteschema::tsOf;

namespace {
bool isFailure(qint64 kind)
{
    return (kind & sqliteschema::CategoryMask) != 0;
}

Category categoryOf(qint64 kind)
{
    return Category(kind & sqliteschema::CategoryMask);
}
} // namespace

SqliteIncidents::SqliteIncidents(sqlite3 *db, QString path) : m_db(db), m_path(std::move(path)) {}

Error SqliteIncidents::sqlError(const QString &what) const
{
    return sqliteError(m_db, m_path, what);
}

Status SqliteIncidents::prepare()
{
    m_insert = SqliteStatement(
        m_db, "INSERT INTO incident(image, start_ts, last_ts, recovered_ts, failures, category, "
              "counts, kept_failures, kept_counts, kept_last) VALUES(?,?,?,?,?,?,?,?,?,?) "
              "RETURNING id");
    m_update = SqliteStatement(
        m_db, "UPDATE incident SET last_ts=?2, recovered_ts=?3, failures=?4, category=?5, "
              "counts=?6, kept_failures=?7, kept_counts=?8, kept_last=?9 WHERE id=?1");
    if (!m_insert.isValid() || !m_update.isValid())
        return sqlError(QStringLiteral("cannot prepare incident statements"));
    return {};
}

Status SqliteIncidents::load(qint64 rawFrom)
{
    m_rawFrom = rawFrom;
    clear();
    SqliteStatement q(m_db, "SELECT id, image, start_ts, last_ts, failures, category, counts, "
                            "kept_failures, kept_counts, kept_last "
                            "FROM incident WHERE recovered_ts IS NULL");
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    while (q.step() == SQLITE_ROW) {
        IncidentTracker::Open open;
        open.rowId = q.int64(0);
        open.incident =
            Incident{int(q.int64(1)), q.int64(2), q.int64(3), -1, q.int64(4), Category(q.int64(5))};
        varint::addCounts(q.blobData(6), q.blobSize(6), open.counts);
        open.keptFailures = q.int64(7);
        varint::addCounts(q.blobData(8), q.blobSize(8), open.keptCounts);
        open.keptLast = q.int64(9);
        tracker(open.incident.imageId).setOpen(std::move(open));
    }
    return {};
}

void SqliteIncidents::clear()
{
    m_trackers.clear();
    m_closed.clear();
    m_touched.clear();
}

IncidentTracker &SqliteIncidents::tracker(int imageId)
{
    auto it = m_trackers.find(imageId);
    if (it == m_trackers.end())
        it = m_trackers.insert(imageId, IncidentTracker(imageId));
    return *it;
}

void SqliteIncidents::feed(int imageId, qint64 ts, bool ok, Category category)
{
    if (!ok)
        m_touched.insert(imageId);
    if (std::optional<IncidentTracker::Open> closed = tracker(imageId).feed(ts, ok, category))
        m_closed.push_back(std::move(*closed));
}

Status SqliteIncidents::storeClosed(std::vector<IncidentTracker::Open> &closed)
{
    for (IncidentTracker::Open &open : closed) {
        if (Status s = store(open, true); !s)
            return s;
    }
    return {};
}

Status SqliteIncidents::flush()
{
    std::vector<IncidentTracker::Open> closed = takeClosed();
    if (Status s = storeClosed(closed); !s)
        return s;
    for (int imageId : std::as_const(m_touched)) {
        IncidentTracker &t = tracker(imageId);
        if (!t.open())
            continue;
        IncidentTracker::Open open = *t.open();
        if (Status s = store(open, false); !s)
            return s;
        t.setOpen(open); // now carries its row id
    }
    m_touched.clear();
    return {};
}

Status SqliteIncidents::store(IncidentTracker::Open &open, bool closed)
{
    const Incident &i = open.incident;
    if (open.rowId) {
        m_update.bind(1, open.rowId);
        m_update.bind(2, i.lastFailure);
        m_update.bindOrNull(3, closed ? i.recoveredAt : -1, -1);
        m_update.bind(4, i.failures);
        m_update.bind(5, qint64(i.dominant));
        m_update.bindBlob(6, varint::encodeCounts(open.counts));
        m_update.bind(7, open.keptFailures);
        m_update.bindBlob(8, varint::encodeCounts(open.keptCounts));
        m_update.bind(9, open.keptLast);
        if (m_update.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store incident"));
        return {};
    }
    m_insert.bind(1, i.imageId);
    m_insert.bind(2, i.start);
    m_insert.bind(3, i.lastFailure);
    m_insert.bindOrNull(4, closed ? i.recoveredAt : -1, -1);
    m_insert.bind(5, i.failures);
    m_insert.bind(6, qint64(i.dominant));
    m_insert.bindBlob(7, varint::encodeCounts(open.counts));
    m_insert.bind(8, open.keptFailures);
    m_insert.bindBlob(9, varint::encodeCounts(open.keptCounts));
    m_insert.bind(10, open.keptLast);
    if ((open.rowId = m_insert.insertReturningId()) == 0)
        return sqlError(QStringLiteral("cannot store incident"));
    return {};
}

Status SqliteIncidents::rebuild(int imageId, qint64 fromTs)
{
    if (Status s = flush(); !s)
        return s;
    // Before the retention horizon there are no raw events to recompute from.
    fromTs = std::max(fromTs, m_rawFrom);
    // Restart from the incident in progress at fromTs, if any: before it the image was up.
    SqliteStatement during(m_db, "SELECT start_ts, kept_failures, kept_counts, kept_last "
                                 "FROM incident WHERE image=?1 AND start_ts<=?2 "
                                 "AND (recovered_ts IS NULL OR recovered_ts>?2) "
                                 "ORDER BY start_ts DESC LIMIT 1");
    during.bind(1, imageId);
    during.bind(2, fromTs);
    qint64 from = fromTs;
    IncidentTracker fresh(imageId);
    if (during.step() == SQLITE_ROW) {
        from = during.int64(0);
        if (from < m_rawFrom) { // carry the part before the horizon, recompute the rest
            IncidentTracker::Open kept;
            kept.keptFailures = during.int64(1);
            varint::addCounts(during.blobData(2), during.blobSize(2), kept.keptCounts);
            kept.keptLast = during.int64(3);
            kept.counts = kept.keptCounts;
            kept.incident = Incident{imageId,           from,
                                     kept.keptLast,     -1,
                                     kept.keptFailures, IncidentTracker::dominant(kept.counts)};
            fresh.setOpen(kept);
        }
    }
    during.reset();
    SqliteStatement drop(m_db, "DELETE FROM incident WHERE image=? AND start_ts>=?");
    drop.bind(1, imageId);
    drop.bind(2, from);
    if (drop.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot rebuild incidents"));

    m_trackers.insert(imageId, std::move(fresh));
    SqliteStatement scan(m_db, "SELECT id, kind FROM event WHERE id>=? AND image=? ORDER BY id");
    scan.bind(1, idOf(std::max(from, m_rawFrom)));
    scan.bind(2, imageId);
    while (scan.step() == SQLITE_ROW)
        feed(imageId, tsOf(scan.int64(0)), !isFailure(scan.int64(1)), categoryOf(scan.int64(1)));
    m_touched.insert(imageId);
    return flush();
}

Status SqliteIncidents::keepBefore(qint64 cutoffMs)
{
    if (Status s = flush(); !s)
        return s;
    SqliteStatement spanning(m_db, "SELECT id, image, start_ts, kept_failures, kept_counts, "
                                   "kept_last FROM incident WHERE start_ts<?1 "
                                   "AND (recovered_ts IS NULL OR recovered_ts>=?1)");
    SqliteStatement before(m_db, "SELECT id, kind FROM event WHERE id>=? AND id<? AND image=?");
    SqliteStatement keep(m_db, "UPDATE incident SET kept_failures=?2, kept_counts=?3, "
                               "kept_last=?4 WHERE id=?1");
    spanning.bind(1, cutoffMs);
    while (spanning.step() == SQLITE_ROW) {
        // What an earlier retention kept, plus the failures whose raw events go now.
        qint64 failures = spanning.int64(3);
        std::array<qint64, CategoryCount> counts{};
        varint::addCounts(spanning.blobData(4), spanning.blobSize(4), counts);
        qint64 last = spanning.int64(5);
        before.bind(1, idOf(std::max(spanning.int64(2), m_rawFrom)));
        before.bind(2, idOf(cutoffMs));
        before.bind(3, spanning.int64(1));
        while (before.step() == SQLITE_ROW) {
            if (isFailure(before.int64(1))) {
                ++failures;
                ++counts[size_t(categoryOf(before.int64(1)))];
                last = tsOf(before.int64(0));
            }
        }
        before.reset();
        keep.bind(1, spanning.int64(0));
        keep.bind(2, failures);
        keep.bindBlob(3, varint::encodeCounts(counts));
        keep.bind(4, last);
        if (keep.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot keep incident"));
    }
    m_rawFrom = std::max(m_rawFrom, cutoffMs);
    return load(m_rawFrom); // open incidents now carry their kept part
}

Result<QList<IncidentSummary>> SqliteIncidents::summary(const QString &imageSql, qint64 from,
                                                        qint64 to) const
{
    // Summed here rather than by GROUP BY, which would sort every row in a temporary b-tree:
    // the covering index is read in start order and a handful of images are counted.
    const QString sql = QStringLiteral("SELECT image, start_ts, recovered_ts FROM incident "
                                       "INDEXED BY incident_start WHERE start_ts>=?1 AND "
                                       "start_ts<?2") +
                        imageSql;
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    q.bind(1, from);
    q.bind(2, to);
    std::map<int, IncidentSummary> byImage;
    while (q.step() == SQLITE_ROW) {
        IncidentSummary &s = byImage[int(q.int64(0))];
        s.imageId = int(q.int64(0));
        ++s.incidents;
        if (!q.isNull(2) && q.int64(2) < to) {
            ++s.recovered;
            s.ttrSumMs += q.int64(2) - q.int64(1);
        }
    }
    QList<IncidentSummary> list;
    for (const auto &entry : byImage)
        list.append(entry.second);
    return list;
}

Result<QList<Incident>> SqliteIncidents::overlapping(const QString &imageSql, qint64 from,
                                                     qint64 to) const
{
    const QString sql =
        QStringLiteral("SELECT image, start_ts, last_ts, recovered_ts, failures, category "
                       "FROM incident WHERE start_ts<?2 AND (recovered_ts IS NULL OR "
                       "recovered_ts>?1)") +
        imageSql + QStringLiteral(" ORDER BY start_ts, image");
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    q.bind(1, from);
    q.bind(2, to);
    QList<Incident> list;
    while (q.step() == SQLITE_ROW) {
        list.append(Incident{int(q.int64(0)), q.int64(1), q.int64(2), q.isNull(3) ? -1 : q.int64(3),
                             q.int64(4), Category(q.int64(5))});
    }
    return list;
}

} // namespace pw
