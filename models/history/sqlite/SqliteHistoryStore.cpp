#include "history/sqlite/SqliteHistoryStore.h"

#include "history/sqlite/SqliteSchema.h"

#include <QFile>
#include <QStandardPaths>

#include <algorithm>

namespace pw {

using sqliteschema::decodeKind;
using sqliteschema::idOf;
using sqliteschema::kindOf;
using sqliteschema::tsOf;

SqliteHistoryStore::SqliteHistoryStore(sqlite3 *db, sqlite3 *reader, QString path)
    : m_db(db), m_reader(reader), m_path(std::move(path))
{}

SqliteHistoryStore::~SqliteHistoryStore()
{
    // Statements must be finalized before their connections close.
    m_insertEvent = SqliteStatement();
    m_insertEvents = SqliteStatement();
    m_dataVersionQuery = SqliteStatement();
    m_events.reset();
    m_dimensions.reset();
    m_incidents.reset();
    m_digestChanges.reset();
    if (m_checkpoint.valid())
        m_checkpoint.wait();
    sqlite3_close_v2(m_checkpointer);
    sqlite3_close_v2(m_reader);
    sqlite3_close_v2(m_db); // the last connection checkpoints whatever is left
}

QString SqliteHistoryStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/pullwatch/history.db");
}

Status SqliteHistoryStore::remove(const QString &path)
{
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        QFile file(path + suffix);
        if (file.exists() && !file.remove())
            return Error{QStringLiteral("%1: cannot delete: %2").arg(file.fileName(), file.errorString())};
    }
    return {};
}

Error SqliteHistoryStore::sqlError(const QString &what) const
{
    return sqliteError(m_db, m_path, what);
}

Status SqliteHistoryStore::exec(const char *sql) const
{
    char *message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const QString text = QString::fromUtf8(message ? message : sqlite3_errmsg(m_db));
        sqlite3_free(message);
        return Error{m_path + QStringLiteral(": ") + text};
    }
    return {};
}

Status SqliteHistoryStore::prepare()
{
    m_insertEvent = SqliteStatement(m_db, insertSql(1).constData());
    m_insertEvents = SqliteStatement(m_db, insertSql(RowsPerInsert).constData());
    m_dataVersionQuery = SqliteStatement(m_db, "PRAGMA data_version");
    if (!m_insertEvent.isValid() || !m_insertEvents.isValid() || !m_dataVersionQuery.isValid())
        return sqlError(QStringLiteral("cannot prepare statements"));
    m_dimensions = std::make_unique<SqliteDimensions>(m_db, m_reader, m_path);
    m_incidents = std::make_unique<SqliteIncidents>(m_db, m_path);
    m_events = std::make_unique<SqliteEventReader>(m_db, m_path, *m_dimensions);
    m_digestChanges = std::make_unique<SqliteDigestChanges>(m_db, m_reader, m_path);
    if (Status s = m_dimensions->prepare(); !s)
        return s;
    if (Status s = m_incidents->prepare(); !s)
        return s;
    reload();
    return {};
}

int SqliteHistoryStore::walCommitted(void *context, sqlite3 *, const char *, int pages)
{
    constexpr int CheckpointPages = 16384; // 64 MiB of WAL
    auto *store = static_cast<SqliteHistoryStore *>(context);
    if (pages < CheckpointPages || !store->m_checkpointer)
        return SQLITE_OK;
    if (store->m_checkpoint.valid() &&
        store->m_checkpoint.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return SQLITE_OK; // the previous one is still copying
    sqlite3 *checkpointer = store->m_checkpointer;
    store->m_checkpoint = std::async(std::launch::async, [checkpointer] {
        // PASSIVE: copies what it can without blocking the writer; a later one does the rest.
        sqlite3_wal_checkpoint_v2(checkpointer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
    });
    return SQLITE_OK;
}

void SqliteHistoryStore::syncWithFile() const
{
    const qint64 version =
        m_dataVersionQuery.step() == SQLITE_ROW ? m_dataVersionQuery.int64(0) : -1;
    m_dataVersionQuery.reset();
    if (version != m_dataVersion)
        reload();
}

void SqliteHistoryStore::reload() const
{
    m_dataVersion = m_dataVersionQuery.step() == SQLITE_ROW ? m_dataVersionQuery.int64(0) : -1;
    m_dataVersionQuery.reset();
    m_dimensions->reset();
    const QString rawFrom = metadata(QStringLiteral("raw_from"));
    m_rawFrom = rawFrom.isEmpty() ? std::numeric_limits<qint64>::min() : rawFrom.toLongLong();
    (void)m_incidents->load(m_rawFrom);
    SqliteStatement q(m_db, "SELECT max(id) FROM event");
    m_maxId =
        (q.step() == SQLITE_ROW && !q.isNull(0)) ? q.int64(0) : std::numeric_limits<qint64>::min();
}

Status SqliteHistoryStore::setImageInfo(const QString &image, const QString &group,
                                        const QString &label)
{
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return s;
    syncWithFile();
    Status s = m_dimensions->setImageInfo(image, group, label);
    if (s)
        s = exec("COMMIT");
    if (!s) {
        (void)exec("ROLLBACK");
        reload();
    }
    return s;
}

QList<ImageInfo> SqliteHistoryStore::images() const
{
    syncWithFile();
    QList<ImageInfo> list = m_dimensions->images().values();
    std::sort(list.begin(), list.end(),
              [](const ImageInfo &a, const ImageInfo &b) { return a.id < b.id; });
    return list;
}

qint64 SqliteHistoryStore::eventCount() const
{
    syncWithFile();
    qint64 total = 0;
    for (const ImageInfo &info : m_dimensions->images())
        total += info.events;
    return total;
}

TimeRange SqliteHistoryStore::span() const
{
    SqliteStatement q(m_db, "SELECT min(id), max(id) FROM event");
    if (q.step() != SQLITE_ROW || q.isNull(0))
        return {};
    return TimeRange{tsOf(q.int64(0)), tsOf(q.int64(1)) + 1};
}

Status SqliteHistoryStore::scanEvents(const EventFilter &filter, const TimeRange &range,
                                      const std::function<bool(const PullEvent &)> &visit) const
{
    syncWithFile();
    return m_events->scanEvents(filter, range, visit);
}

Result<QList<StoredEvent>> SqliteHistoryStore::eventPage(const EventPageQuery &query) const
{
    syncWithFile();
    return m_events->eventPage(query);
}

Status SqliteHistoryStore::scanOutcomes(const EventFilter &filter, const TimeRange &range,
                                        const std::function<void(const Outcome &)> &visit) const
{
    syncWithFile();
    return m_events->scanOutcomes(filter, range, visit);
}

Status SqliteHistoryStore::scanRollups(Granularity granularity, const EventFilter &filter,
                                       const TimeRange &range,
                                       const std::function<void(const RollupRow &)> &visit,
                                       bool latencies) const
{
    syncWithFile();
    return m_events->scanRollups(granularity, filter, range, visit, latencies);
}

Result<QList<Incident>> SqliteHistoryStore::incidents(const EventFilter &filter,
                                                      const TimeRange &range) const
{
    syncWithFile();
    bool none = false;
    const QString imageSql = m_events->imageFilterSql(filter, &none);
    if (none || range.isEmpty())
        return QList<Incident>();
    return m_incidents->overlapping(imageSql, range.from, range.to);
}

Result<QList<IncidentSummary>> SqliteHistoryStore::incidentSummary(const EventFilter &filter,
                                                                   const TimeRange &range) const
{
    syncWithFile();
    bool none = false;
    const QString imageSql = m_events->imageFilterSql(filter, &none);
    if (none || range.isEmpty())
        return QList<IncidentSummary>();
    return m_incidents->summary(imageSql, range.from, range.to);
}

Result<QList<DigestChange>> SqliteHistoryStore::digestChanges(const EventFilter &filter,
                                                              const TimeRange &range) const
{
    syncWithFile();
    bool none = false;
    const QString imageSql = m_events->imageFilterSql(filter, &none);
    if (none || range.isEmpty())
        return QList<DigestChange>();
    return m_digestChanges->inRange(imageSql, range, *m_dimensions);
}

QString SqliteHistoryStore::metadata(const QString &key) const
{
    SqliteStatement q(m_db, "SELECT value FROM meta WHERE key=?");
    q.bindText(1, key);
    return q.step() == SQLITE_ROW ? q.text(0) : QString();
}

Status SqliteHistoryStore::setMetadata(const QString &key, const QString &value)
{
    SqliteStatement q(m_db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
    q.bindText(1, key);
    q.bindText(2, value);
    if (q.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot write metadata"));
    return {};
}

} // namespace pw
