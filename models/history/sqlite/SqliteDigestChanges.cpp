#include "history/sqlite/SqliteDigestChanges.h"

#include "history/sqlite/SqliteDimensions.h"
#include "history/sqlite/SqliteSchema.h"

namespace pw {

SqliteDigestChanges::SqliteDigestChanges(sqlite3 *db, sqlite3 *reader, QString path)
    : m_db(db), m_reader(reader), m_path(std::move(path))
{}

void SqliteDigestChanges::begin(bool tableEmpty)
{
    m_tableEmpty = tableEmpty;
    m_last.clear();
    m_pending.clear();
    m_outOfOrder.clear();
}

SqliteDigestChanges::Last &SqliteDigestChanges::lastOf(int image)
{
    auto it = m_last.find(image);
    if (it != m_last.end())
        return *it;
    Last last;
    if (!m_tableEmpty) {
        SqliteStatement q(m_reader, "SELECT ts, digest FROM digest_change WHERE image=? "
                                    "ORDER BY ts DESC LIMIT 1");
        q.bind(1, image);
        if (q.step() == SQLITE_ROW)
            last = {q.int64(0), q.int64(1)};
    }
    return *m_last.insert(image, last);
}

void SqliteDigestChanges::feed(int image, const PullEvent &event, qint64 digestId)
{
    if (!event.ok || event.source != Source::Probe || digestId == 0)
        return;
    Last &last = lastOf(image);
    if (event.ts < last.ts) {
        m_outOfOrder.insert(image); // recomputed from the raw events in flush()
        return;
    }
    if (digestId != last.digest)
        m_pending.append({image, event.ts, digestId, last.digest});
    last = {event.ts, digestId};
}

Status SqliteDigestChanges::flush()
{
    SqliteStatement insert(m_db, "INSERT OR REPLACE INTO digest_change(image, ts, digest, "
                                 "previous) VALUES(?,?,?,?)");
    for (const Change &c : std::as_const(m_pending)) {
        if (m_outOfOrder.contains(c.image))
            continue;
        insert.bind(1, c.image);
        insert.bind(2, c.ts);
        insert.bind(3, c.digest);
        insert.bindOrNull(4, c.previous);
        if (insert.exec() != SQLITE_DONE)
            return sqliteError(m_db, m_path, QStringLiteral("cannot store a digest change"));
    }
    for (const int image : std::as_const(m_outOfOrder)) {
        if (Status s = rebuild(image); !s)
            return s;
    }
    begin();
    return {};
}

// An image's changes again from its stored probe events (rare: old probe results imported).
Status SqliteDigestChanges::rebuild(int image)
{
    SqliteStatement drop(m_db, "DELETE FROM digest_change WHERE image=?");
    drop.bind(1, image);
    if (drop.exec() != SQLITE_DONE)
        return sqliteError(m_db, m_path, QStringLiteral("cannot rebuild digest changes"));
    const QByteArray sql = "SELECT id, digest FROM event WHERE image=? AND digest IS NOT NULL "
                           "AND (kind & " +
                           QByteArray::number(sqliteschema::CiBit | sqliteschema::CategoryMask) +
                           ")=0 ORDER BY id";
    SqliteStatement scan(m_db, sql.constData());
    SqliteStatement insert(m_db, "INSERT OR REPLACE INTO digest_change(image, ts, digest, "
                                 "previous) VALUES(?,?,?,?)");
    scan.bind(1, image);
    qint64 previous = 0;
    while (scan.step() == SQLITE_ROW) {
        const qint64 digest = scan.int64(1);
        if (digest == previous)
            continue;
        insert.bind(1, image);
        insert.bind(2, sqliteschema::tsOf(scan.int64(0)));
        insert.bind(3, digest);
        insert.bindOrNull(4, previous);
        if (insert.exec() != SQLITE_DONE)
            return sqliteError(m_db, m_path, QStringLiteral("cannot store a digest change"));
        previous = digest;
    }
    return {};
}

Result<QList<DigestChange>> SqliteDigestChanges::inRange(const QString &imageSql,
                                                         const TimeRange &range,
                                                         const SqliteDimensions &dimensions) const
{
    const QString sql = QStringLiteral("SELECT image, ts, digest, previous FROM digest_change "
                                       "WHERE ts>=?1 AND ts<?2 AND previous IS NOT NULL") +
                        imageSql + QStringLiteral(" ORDER BY ts, image");
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqliteError(m_db, m_path, QStringLiteral("cannot read digest changes"));
    q.bind(1, range.from);
    q.bind(2, range.to);
    QList<DigestChange> changes;
    while (q.step() == SQLITE_ROW)
        changes.append({int(q.int64(0)), q.int64(1), dimensions.digestText(q.int64(2)),
                        dimensions.digestText(q.int64(3))});
    return changes;
}

} // namespace pw
