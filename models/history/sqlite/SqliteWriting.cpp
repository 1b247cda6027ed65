// SqliteHistoryStore's write path: appending events (with their dimensions, rollups,
// incidents and digest changes in one transaction), rebuilding what derives from them, and
// retention. Opening and migrating are in SqliteOpening.cpp, reading in SqliteEventReader.
#include "history/sqlite/SqliteHistoryStore.h"

#include "history/sqlite/SqliteSchema.h"
#include "Varint.h"

#include <algorithm>
#include <future>

namespace pw {

using sqliteschema::decodeKind;
using sqliteschema::idOf;
using sqliteschema::kindOf;
using sqliteschema::tsOf;

namespace {
constexpr qint64 Null = std::numeric_limits<qint64>::min(); // an absent value: stored as NULL
constexpr size_t Chunk = 8192; // rows handed to the inserting thread at a time
} // namespace

QByteArray SqliteHistoryStore::insertSql(int rows)
{
    QByteArray sql = QByteArray("INSERT INTO event(") + sqliteschema::EventColumns + ") VALUES";
    for (int r = 0; r < rows; ++r)
        sql += r ? ",(?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?)";
    return sql;
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
    std::vector<BatchImage> touched; // by image id
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
        BatchImage &t = touched[size_t(*image)];
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
    return finishBatch(touched, hours, days);
}

Status SqliteHistoryStore::finishBatch(const std::vector<BatchImage> &images,
                                       const RollupAccumulator &hours,
                                       const RollupAccumulator &days)
{
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
    for (size_t id = 0; id < images.size(); ++id) {
        const BatchImage &t = images[id];
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

} // namespace pw
