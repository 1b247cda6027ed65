// Opening a history file: telling a pullwatch history from anything else, creating and
// migrating the schema safely when two processes open one new file at once.
#include "history/sqlite/SqliteHistoryStore.h"

#include "history/sqlite/SqliteSchema.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>

namespace pw {

namespace {
sqlite3 *openConnection(const QString &path, int flags, QString *error)
{
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db,
                                   flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc == SQLITE_OK)
        return db;
    *error = path + QStringLiteral(": cannot open history: ") +
             QString::fromUtf8(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return nullptr;
}

// Steps `sql` until `done(statement, rc)` accepts the answer. Another process creating the same
// new file, or switching it to WAL, can make SQLite answer "busy" without waiting for
// busy_timeout: wait here as it would (5 s) rather than call the file foreign or fail.
template<class Done> bool stepWaiting(sqlite3 *db, const char *sql, Done done)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        SqliteStatement q(db, sql);
        const int rc = q.step();
        if (done(q, rc))
            return true;
        // A journal_mode switch that could not lock answers with the old mode: also wait.
        const int code = rc & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED && code != SQLITE_ROW) ||
            clock.elapsed() > 5000)
            return false;
        QThread::msleep(10);
    }
}
} // namespace

Result<std::unique_ptr<SqliteHistoryStore>> SqliteHistoryStore::open(const QString &path,
                                                                     Access access)
{
    // SQLite's allocation statistics take a global mutex on every malloc: a third of the
    // insert cost. Only possible before SQLite initializes; harmless (MISUSE) afterwards.
    static const int memstatusOff = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    Q_UNUSED(memstatusOff);
    const bool readOnly = access == Access::ReadOnly;
    const QFileInfo info(path);
    if (readOnly && !info.exists())
        return Error{path + QStringLiteral(": no history here")};
    // A character device, FIFO or directory is never a history (and must not be written into).
    if (info.exists() && !info.isFile())
        return Error{path + QStringLiteral(": not a regular file, not a pullwatch history")};
    if (!readOnly && !QDir().mkpath(info.absolutePath()))
        return Error{path + QStringLiteral(": cannot create the folder for the history")};
    QString error;
    sqlite3 *db = openConnection(
        path, readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &error);
    if (!db)
        return Error{error};
    std::unique_ptr<SqliteHistoryStore> store(new SqliteHistoryStore(db, nullptr, path));
    // busy_timeout first: two processes creating one new file at once wait for each other.
    if (Status s = store->exec("PRAGMA busy_timeout=5000;"); !s)
        return Error{s.error()};
    // Before anything writes: another application's database stays as it is.
    if (Status s = store->checkIdentity(readOnly); !s)
        return Error{s.error()};
    // WAL: readers never block the writer; NORMAL sync is durable at checkpoints and never
    // corrupts, which is the right trade for a history that is appended in batches.
    if (!readOnly) {
        if (Status s = store->setJournalMode(); !s)
            return Error{s.error()};
    }
    if (Status s = store->exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                               "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
                               "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;");
        !s)
        return Error{s.error()};
    int before = store->schemaVersion();
    if (readOnly) {
        if (before != sqliteschema::Version)
            return Error{path + QStringLiteral(": history has schema version %1; open it once "
                                               "with a command that writes to migrate it to %2")
                                    .arg(before)
                                    .arg(sqliteschema::Version)};
    } else if (Result<int> migrated = store->migrate(); !migrated) {
        return Error{migrated.error()};
    } else {
        before = *migrated;
    }
    store->m_reader = openConnection(path, SQLITE_OPEN_READONLY, &error);
    if (!store->m_reader)
        return Error{error};
    if (!readOnly) {
        store->m_checkpointer = openConnection(path, SQLITE_OPEN_READWRITE, &error);
        if (!store->m_checkpointer)
            return Error{error};
        sqlite3_wal_hook(db, &SqliteHistoryStore::walCommitted, store.get());
    }
    if (Status s = store->prepare(); !s)
        return Error{s.error()};
    // A migration that adds derived tables fills them from the raw events.
    for (int v = before + 1; before > 0 && v <= sqliteschema::Version; ++v) {
        if (sqliteschema::rebuildsDerived(v)) {
            if (Status s = store->rebuildDerived(); !s)
                return Error{s.error()};
            break;
        }
    }
    return store;
}

Status SqliteHistoryStore::checkIdentity(bool readOnly) const
{
    // One statement, so one snapshot: read one by one, the answers could straddle another
    // process's commit of the new schema (no application id yet, but tables already).
    qint64 applicationId = 0;
    qint64 version = 0;
    qint64 tables = 0;
    qint64 ours = 0;
    const bool read = stepWaiting(
        m_db,
        "SELECT (SELECT application_id FROM pragma_application_id()),"
        " (SELECT user_version FROM pragma_user_version()),"
        " (SELECT count(*) FROM sqlite_master WHERE type='table'),"
        " (SELECT count(*) FROM sqlite_master WHERE type='table' AND"
        "  name IN ('event','image','registry'))",
        [&](SqliteStatement &q, int rc) {
            if (rc != SQLITE_ROW)
                return false;
            applicationId = q.int64(0);
            version = q.int64(1);
            tables = q.int64(2);
            ours = q.int64(3);
            return true;
        });
    if (!read)
        return sqlError(QStringLiteral("not a pullwatch history"));
    if (version > sqliteschema::Version)
        return Error{m_path + QStringLiteral(": history has schema version %1, newer than this "
                                             "pullwatch (%2)")
                                  .arg(version)
                                  .arg(sqliteschema::Version)};
    if (applicationId == sqliteschema::ApplicationId)
        return {};
    if (applicationId != 0)
        return Error{m_path + QStringLiteral(": not a pullwatch history (a database of another "
                                             "application, id 0x%1); left untouched")
                                  .arg(quint32(applicationId), 8, 16, QLatin1Char('0'))};
    // Histories from before the application id: pullwatch's schema version and tables.
    if (version >= 1 && ours == 3)
        return {};
    if (tables == 0 && version == 0) {
        if (!readOnly)
            return {}; // new (or zero-length): ours to create
        return Error{m_path + QStringLiteral(": an empty file, not a pullwatch history")};
    }
    return Error{m_path + QStringLiteral(": not a pullwatch history (an SQLite database with "
                                         "other tables); left untouched")};
}

Status SqliteHistoryStore::setJournalMode() const
{
    const bool wal = stepWaiting(m_db, "PRAGMA journal_mode=WAL", [](SqliteStatement &q, int rc) {
        return rc == SQLITE_ROW && q.text(0) == QLatin1StringView("wal");
    });
    return wal ? Status() : sqlError(QStringLiteral("cannot switch the history to WAL mode"));
}

int SqliteHistoryStore::schemaVersion() const
{
    SqliteStatement q(m_db, "PRAGMA user_version");
    return q.step() == SQLITE_ROW ? int(q.int64(0)) : -1;
}

Result<int> SqliteHistoryStore::migrate()
{
    // The version is read inside the write transaction: two processes opening one new history
    // at once migrate it once, the second finding it done.
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return Error{s.error()};
    const auto rollback = [this](const QString &error) {
        (void)exec("ROLLBACK");
        return Error{error};
    };
    if (Status s = checkIdentity(false); !s)
        return rollback(s.error());
    const int current = schemaVersion();
    if (current < 0)
        return rollback(sqlError(QStringLiteral("not a pullwatch history")).message);
    for (int version = current + 1; version <= sqliteschema::Version; ++version) {
        if (Status s = exec(sqliteschema::migration(version)); !s)
            return rollback(s.error() + QStringLiteral(" (migrating to schema %1)").arg(version));
    }
    const QByteArray stamp = "PRAGMA user_version=" + QByteArray::number(sqliteschema::Version) +
                             "; PRAGMA application_id=" +
                             QByteArray::number(sqliteschema::ApplicationId) + "; COMMIT;";
    if (Status s = exec(stamp.constData()); !s)
        return rollback(s.error());
    return current;
}

} // namespace pw
