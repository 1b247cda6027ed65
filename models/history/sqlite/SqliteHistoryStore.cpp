#include "history/sqlite/SqliteHistoryStore.h"

#include "history/sqlite/SqliteSchema.h"
#include "Varint.h"

#include <QFile>
#include <QStandardPaths>

#include <algorithm>
#include <future>

namespace pw {

using sqliteschema::decodeKind;
using sqliteschema::idOf;
using sqliteschema::kindOf;
using sqliteschema::tsOf;

namespace {
constexpr qint64 Null = std::numeric_limits<qint64>::min(); // an absent value: stored as NULL
constexpr int RowsPerInsert = 32; // multi-row INSERTs halve SQLite's per-statement overhead
constexpr size_t Chunk = 8192;    // rows handed to the inserting thread at a time

QByteArray insertSql(int rows)
{
    QByteArray sql = QByteArray("INSERT INTO event(") + sqliteschema::EventColumns + ") VALUES";
    for (int r = 0; r < rows; ++r)
        sql += r ? ",(?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?)";
    return sql;
}

} // namespace

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

qint64 SqliteHistoryStore::nextFreeId(qint64 candidate)
{
    if (candidate > m_maxId)
        return candidate;
    // Out of order: find the first gap at or after the candidate. More than 2^SeqBits events
    // in one millisecond spill into the next, shifting them by a millisecond, never dropping.
    SqliteStatement q(m_db, "SELECT id FROM event WHERE id >= ? ORDER BY id LIMIT 256");
    for (;;) {
        q.reset();
        q.bind(1, candidate);
        bool any = false;
        while (q.step() == SQLITE_ROW) {
            any = true;
            if (q.int64(0) != candidate)
                return candidate;
            ++candidate;
        }
        if (!any)
            return candidate;
    }
}

Status SqliteHistoryStore::append(std::span<const PullEvent> events)
{
    if (events.empty())
        return {};
    if (Result<bool> written = write(events, nullptr); !written)
        return Error{written.error()};
    return {};
}

Result<bool> SqliteHistoryStore::appendClaiming(std::span<const PullEvent> events,
                                                const MetadataClaim &claim)
{
    return write(events, &claim);
}

Result<bool> SqliteHistoryStore::write(std::span<const PullEvent> events,
                                       const MetadataClaim *claim)
{
    std::vector<PullEvent> sortedCopy;
    std::span<const PullEvent> sorted = events;
    const auto byTs = [](const PullEvent &a, const PullEvent &b) { return a.ts < b.ts; };
    if (!std::is_sorted(events.begin(), events.end(), byTs)) {
        sortedCopy.assign(events.begin(), events.end());
        std::stable_sort(sortedCopy.begin(), sortedCopy.end(), byTs);
        sorted = sortedCopy;
    }
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return Error{s.error()};
    // Inside the write transaction, the claim sees every other writer's last commit.
    if (claim && metadata(claim->key) != claim->expected) {
        (void)exec("ROLLBACK");
        return false;
    }
    syncWithFile(); // ids and counters must continue what other writers stored
    m_dimensions->trimCaches();
    Status s = sorted.empty() ? Status() : insertEvents(sorted);
    if (s && claim)
        s = setMetadata(claim->key, claim->value);
    if (s)
        s = exec("COMMIT");
    if (!s) {
        (void)exec("ROLLBACK");
        reload(); // ids handed out inside the failed transaction no longer exist
        return Error{s.error()};
    }
    return true;
}

Status SqliteHistoryStore::insertEvents(std::span<const PullEvent> sorted)
{
    struct Touched // per image id, for the images this batch has events of
    {
        qint64 first = std::numeric_limits<qint64>::max();
        qint64 last = std::numeric_limits<qint64>::min();
        qint64 count = 0;
        bool inOrder = true; // no event older than what was stored for the image
        qint64 outOfOrderFrom = std::numeric_limits<qint64>::max();
    };
    std::vector<Touched> touched;
    RollupAccumulator hours(Granularity::Hour), days(Granularity::Day);
    m_digestChanges->begin();

    // Appending after everything stored (the usual case) needs no look-ups on the writing
    // connection, so SQLite inserts one chunk on a second thread while the next is encoded.
    // Encoding reads through m_reader only and touches no SQLite statement of m_db.
    const bool appendOnly = idOf(sorted.front().ts) > m_maxId;
    const bool pipelined = appendOnly && sorted.size() > Chunk;
    std::vector<Row> rows;
    rows.reserve(std::min(sorted.size(), Chunk));
    std::future<Status> inserting; // its destructor waits, so no return leaves it running
    const auto finishInserting = [&]() -> Status {
        return inserting.valid() ? inserting.get() : Status();
    };

    qint64 previousId = std::numeric_limits<qint64>::min();
    bool previousHandOff = false;
    for (const PullEvent &e : sorted) {
        const Result<int> image = m_dimensions->image(e.image, e.registry);
        const Result<int> digest = m_dimensions->digest(e.digest);
        const Result<int> rule = m_dimensions->rule(e.rule);
        const Result<int> message = m_dimensions->message(truncateMessage(e.message));
        const Result<int> job = m_dimensions->job(e.ci);
        for (const Result<int> *r : {&image, &digest, &rule, &message, &job}) {
            if (!*r)
                return Error{r->error()};
        }
        // Ids rise strictly within a batch; more than 2^SeqBits events in one millisecond
        // spill into the next, shifting them by a millisecond, never dropping one.
        const qint64 candidate = std::max(idOf(e.ts), previousId + 1);
        const qint64 id = appendOnly ? candidate : nextFreeId(candidate);
        previousId = id;

        Row &row = rows.emplace_back();
        row[0] = id;
        row[1] = *image;
        row[2] = kindOf(e);
        row[3] = e.latencyMs >= 0 ? e.latencyMs : Null;
        row[4] = e.bytes ? e.bytes : Null;
        row[5] = *digest ? *digest : Null;
        row[6] = *rule ? *rule : Null;
        row[7] = *message ? *message : Null;
        row[8] = *job ? *job : Null;
        row[9] = e.ciLine ? e.ciLine : Null;
        // A small first chunk gets the inserting thread going early.
        if (rows.size() == (previousHandOff ? Chunk : Chunk / 8)) {
            previousHandOff = true;
            if (Status s = finishInserting(); !s)
                return s;
            if (pipelined) {
                // New strings and closed incidents of the chunk go along with its rows.
                inserting =
                    std::async(std::launch::async, [this, chunk = std::move(rows),
                                                    strings = m_dimensions->takeUnwritten(),
                                                    closed = m_incidents->takeClosed()]() mutable {
                        Status s = m_dimensions->write(strings);
                        if (s)
                            s = m_incidents->storeClosed(closed);
                        return s ? insertRows(chunk) : s;
                    });
                rows = {};
                rows.reserve(Chunk);
            } else {
                if (Status s = insertRows(rows); !s)
                    return s;
                rows.clear();
            }
        }

        hours.add(*image, e);
        days.add(*image, e);
        m_digestChanges->feed(*image, e, *digest);
        if (size_t(*image) >= touched.size())
            touched.resize(size_t(*image) + 1);
        Touched &t = touched[size_t(*image)];
        if (t.count++ == 0) { // the batch is sorted: its first event of an image decides
            const ImageInfo &info = m_dimensions->imageInfo(*image);
            t.inOrder = info.events == 0 || e.ts >= info.lastTs;
            t.first = e.ts;
            if (!t.inOrder)
                t.outOfOrderFrom = e.ts;
        }
        t.last = e.ts;
        // Incidents follow each image's events in time order; an event older than what is
        // stored for its image means its incidents are recomputed after the batch.
        if (t.inOrder)
            m_incidents->feed(*image, e.ts, e.ok, e.ok ? Category::None : e.category);
    }
    if (Status s = finishInserting(); !s)
        return s;
    if (Status s = insertRows(rows); !s)
        return s;
    m_maxId = std::max(m_maxId, previousId);

    if (Status s = m_dimensions->flush(); !s)
        return s;
    if (Status s = m_incidents->flush(); !s)
        return s;
    if (Status s = m_digestChanges->flush(); !s)
        return s;
    if (Status s = flushRollups("rollup_hour", hours); !s)
        return s;
    if (Status s = flushRollups("rollup_day", days); !s)
        return s;
    for (size_t id = 0; id < touched.size(); ++id) {
        const Touched &t = touched[id];
        if (t.count == 0)
            continue;
        if (!t.inOrder) {
            if (Status s = m_incidents->rebuild(int(id), t.outOfOrderFrom); !s)
                return s;
        }
        ImageInfo &info = m_dimensions->imageInfo(int(id));
        info.firstTs = info.events == 0 ? t.first : std::min(info.firstTs, t.first);
        info.lastTs = info.events == 0 ? t.last : std::max(info.lastTs, t.last);
        info.events += t.count;
        if (Status s = m_dimensions->storeImageCounts(info); !s)
            return s;
    }
    return {};
}

Status SqliteHistoryStore::insertRows(std::span<const Row> rows)
{
    const auto bindRow = [](SqliteStatement &q, int offset, const Row &row) {
        for (int c = 0; c < ColumnCount; ++c) {
            if (row[size_t(c)] == Null)
                q.bindNull(offset + c + 1);
            else
                q.bind(offset + c + 1, row[size_t(c)]);
        }
    };
    size_t i = 0;
    for (; i + RowsPerInsert <= rows.size(); i += RowsPerInsert) {
        for (int r = 0; r < RowsPerInsert; ++r)
            bindRow(m_insertEvents, r * ColumnCount, rows[i + size_t(r)]);
        if (m_insertEvents.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store events"));
    }
    for (; i < rows.size(); ++i) {
        bindRow(m_insertEvent, 0, rows[i]);
        if (m_insertEvent.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store event"));
    }
    return {};
}

Status SqliteHistoryStore::flushRollups(const char *table, const RollupAccumulator &accumulator)
{
    const QByteArray select =
        QByteArray("SELECT total, ok, failures, latency, cold_latency FROM ") + table +
        " WHERE image=? AND source=? AND bucket=?";
    const QByteArray upsert = QByteArray("INSERT OR REPLACE INTO ") + table +
                              "(image, source, bucket, total, ok, failures, latency, "
                              "cold_latency) VALUES(?,?,?,?,?,?,?,?)";
    SqliteStatement find(m_db, select.constData());
    SqliteStatement write(m_db, upsert.constData());
    for (const RollupRow &fresh : accumulator.rows()) {
        RollupRow row = fresh;
        find.reset();
        find.bind(1, row.imageId);
        find.bind(2, qint64(row.source));
        find.bind(3, row.bucketStart);
        if (find.step() == SQLITE_ROW) {
            RollupRow stored;
            stored.total = find.int64(0);
            stored.ok = find.int64(1);
            varint::addCounts(find.blobData(2), find.blobSize(2), stored.failures);
            stored.latency = LatencyHistogram::decode(find.blobData(3), find.blobSize(3));
            stored.coldLatency = LatencyHistogram::decode(find.blobData(4), find.blobSize(4));
            RollupAccumulator::mergeInto(row, stored);
        }
        write.bind(1, row.imageId);
        write.bind(2, qint64(row.source));
        write.bind(3, row.bucketStart);
        write.bind(4, row.total);
        write.bind(5, row.ok);
        write.bindBlob(6, varint::encodeCounts(row.failures));
        write.bindBlob(7, row.latency.encode());
        write.bindBlob(8, row.coldLatency.encode());
        if (write.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store rollup"));
    }
    return {};
}

Status SqliteHistoryStore::rebuildDerived()
{
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return s;
    syncWithFile();
    if (Status s = exec("DELETE FROM rollup_hour; DELETE FROM rollup_day; DELETE FROM incident; "
                        "DELETE FROM digest_change;");
        !s) {
        (void)exec("ROLLBACK");
        return s;
    }
    m_incidents->clear();
    m_digestChanges->begin(true);
    RollupAccumulator hours(Granularity::Hour), days(Granularity::Day);
    SqliteStatement scan(m_db, "SELECT id, image, kind, latency, digest FROM event ORDER BY id");
    PullEvent e;
    while (scan.step() == SQLITE_ROW) {
        const int image = int(scan.int64(1));
        e.ts = tsOf(scan.int64(0));
        decodeKind(scan.int64(2), e);
        e.latencyMs = scan.isNull(3) ? -1 : scan.int64(3);
        hours.add(image, e);
        days.add(image, e);
        m_incidents->feed(image, e.ts, e.ok, e.category);
        m_digestChanges->feed(image, e, scan.isNull(4) ? 0 : scan.int64(4));
    }
    Status result = m_incidents->flush();
    if (result)
        result = m_digestChanges->flush();
    if (result)
        result = flushRollups("rollup_hour", hours);
    if (result)
        result = flushRollups("rollup_day", days);
    if (result)
        result = exec("COMMIT");
    if (!result) {
        (void)exec("ROLLBACK");
        reload();
    }
    return result;
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

Result<qint64> SqliteHistoryStore::applyRetention(qint64 cutoffMs)
{
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return Error{s.error()};
    syncWithFile();
    if (cutoffMs <= m_rawFrom) {
        if (Status s = exec("COMMIT"); !s)
            return Error{s.error()};
        return 0;
    }
    qint64 dropped = 0;
    Status result = m_incidents->keepBefore(cutoffMs);
    SqliteStatement drop(m_db, "DELETE FROM event WHERE id<?");
    drop.bind(1, idOf(cutoffMs));
    if (result && drop.exec() != SQLITE_DONE)
        result = sqlError(QStringLiteral("cannot drop old events"));
    if (result)
        dropped = sqlite3_changes64(m_db);
    // Strings only old events used go too; rollups and incidents keep the long view.
    if (result)
        result =
            exec("DELETE FROM message WHERE id NOT IN (SELECT message FROM event "
                 "WHERE message IS NOT NULL);"
                 "DELETE FROM job WHERE id NOT IN (SELECT job FROM event WHERE job IS NOT NULL);"
                 "UPDATE image SET events = (SELECT count(*) FROM event "
                 "WHERE event.image = image.id);");
    if (result)
        result = setMetadata(QStringLiteral("raw_from"), QString::number(cutoffMs));
    if (result)
        result = exec("COMMIT");
    if (!result)
        (void)exec("ROLLBACK");
    reload();
    if (!result)
        return Error{result.error()};
    return dropped;
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
