#include "SqliteHistoryStore.h"

#include "SqliteSchema.h"
#include "Varint.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>
#include <numeric>

namespace pw {

using SqliteSchema::idOf;
using SqliteSchema::tsOf;

namespace {
constexpr const char *EventColumns =
    "id, image, kind, status, latency, bytes, digest, rule, message, job, line";
constexpr int EventColumnCount = 11;
constexpr qint64 Null = std::numeric_limits<qint64>::min(); // an absent value: stored as NULL
constexpr int RowsPerInsert = 32; // multi-row INSERTs halve SQLite's per-statement overhead

int kindOf(const PullEvent &e)
{
    const Category category = e.ok ? Category::None
                              : e.category == Category::None ? Category::Unknown
                                                             : e.category;
    return int(category) | (e.source == Source::Ci ? SqliteSchema::CiBit : 0)
           | (e.cold ? SqliteSchema::ColdBit : 0);
}

void decodeKind(qint64 kind, PullEvent &e)
{
    e.category = Category(kind & SqliteSchema::CategoryMask);
    e.ok = e.category == Category::None;
    e.source = (kind & SqliteSchema::CiBit) ? Source::Ci : Source::Probe;
    e.cold = (kind & SqliteSchema::ColdBit) != 0;
}

QByteArray insertSql(int rows)
{
    QByteArray sql = QByteArray("INSERT INTO event(") + EventColumns + ") VALUES";
    for (int r = 0; r < rows; ++r)
        sql += r ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)";
    return sql;
}

// Stable across runs and Qt versions (qHash is not), since the hashes are stored.
quint64 fnv1a(const QByteArray &bytes)
{
    quint64 h = 1469598103934665603ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

QString joinIds(const QList<int> &ids)
{
    QString out;
    for (int id : ids) {
        if (!out.isEmpty())
            out += QLatin1Char(',');
        out += QString::number(id);
    }
    return out;
}
} // namespace

SqliteHistoryStore::SqliteHistoryStore(sqlite3 *db, QString path)
    : m_db(db), m_path(std::move(path))
{
}

SqliteHistoryStore::~SqliteHistoryStore()
{
    // Statements must be finalized before the connection closes.
    for (SqliteStatement *q : {&m_insertEvent, &m_insertEvents, &m_insertIncident, &m_updateIncident, &m_findJob,
                               &m_addJob, &m_jobById})
        *q = SqliteStatement();
    for (TextDimension *d : {&m_registries, &m_digests, &m_rules, &m_messages})
        d->find = SqliteStatement(), d->add = SqliteStatement(), d->byId = SqliteStatement();
    sqlite3_close_v2(m_db);
}

QString SqliteHistoryStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + QStringLiteral("/pullwatch/history.db");
}

Result<std::unique_ptr<SqliteHistoryStore>> SqliteHistoryStore::open(const QString &path)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error{path + QStringLiteral(": cannot create the folder for the history")};
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        const QString message = QString::fromUtf8(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return Error{path + QStringLiteral(": cannot open history: ") + message};
    }
    std::unique_ptr<SqliteHistoryStore> store(new SqliteHistoryStore(db, path));
    // WAL: readers never block the writer; NORMAL sync is durable at checkpoints and never
    // corrupts, which is the right trade for a history that is appended in batches.
    if (Status s = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                               "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                               "PRAGMA mmap_size=268435456; PRAGMA busy_timeout=5000;"
                               "PRAGMA wal_autocheckpoint=16384;");
        !s)
        return Error{s.error()};
    if (Status s = store->migrate(); !s)
        return Error{s.error()};
    if (Status s = store->prepareStatements(); !s)
        return Error{s.error()};
    store->loadImages();
    if (Status s = store->loadOpenIncidents(); !s)
        return Error{s.error()};
    return store;
}

Error SqliteHistoryStore::sqlError(const QString &what) const
{
    return Error{m_path + QStringLiteral(": ") + what + QStringLiteral(": ")
                 + QString::fromUtf8(sqlite3_errmsg(m_db))};
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

int SqliteHistoryStore::schemaVersion() const
{
    SqliteStatement q(m_db, "PRAGMA user_version");
    return q.step() == SQLITE_ROW ? int(q.int64(0)) : -1;
}

Status SqliteHistoryStore::migrate()
{
    const int current = schemaVersion();
    if (current < 0)
        return sqlError(QStringLiteral("not a pullwatch history"));
    if (current > SqliteSchema::Version)
        return Error{m_path + QStringLiteral(": history has schema version %1, newer than this "
                                             "pullwatch (%2)")
                                  .arg(current)
                                  .arg(SqliteSchema::Version)};
    bool rebuild = false;
    for (int version = current + 1; version <= SqliteSchema::Version; ++version) {
        if (Status s = exec("BEGIN IMMEDIATE"); !s)
            return s;
        const QByteArray sql = QByteArray(SqliteSchema::migration(version))
                               + "\nPRAGMA user_version=" + QByteArray::number(version) + ";";
        if (Status s = exec(sql.constData()); !s) {
            (void)exec("ROLLBACK");
            return Error{s.error() + QStringLiteral(" (migrating to schema %1)").arg(version)};
        }
        if (Status s = exec("COMMIT"); !s)
            return s;
        rebuild = rebuild || (current > 0 && SqliteSchema::rebuildsDerived(version));
    }
    if (rebuild) {
        if (Status s = prepareStatements(); !s)
            return s;
        loadImages();
        return rebuildDerived();
    }
    return {};
}

Status SqliteHistoryStore::prepareStatements()
{
    m_insertEvent = SqliteStatement(m_db, insertSql(1).constData());
    m_insertEvents = SqliteStatement(m_db, insertSql(RowsPerInsert).constData());
    m_insertIncident = SqliteStatement(
        m_db, "INSERT INTO incident(image, start_ts, last_ts, recovered_ts, failures, category, "
              "counts, kept_failures, kept_counts, kept_last) VALUES(?,?,?,?,?,?,?,?,?,?) "
              "RETURNING id");
    m_updateIncident = SqliteStatement(
        m_db, "UPDATE incident SET last_ts=?2, recovered_ts=?3, failures=?4, category=?5, "
              "counts=?6, kept_failures=?7, kept_counts=?8, kept_last=?9 WHERE id=?1");
    m_findJob = SqliteStatement(m_db, "SELECT id, provider, repo, run_id, job_id, job_name, "
                                      "job_url FROM job WHERE hash=?");
    m_addJob = SqliteStatement(m_db, "INSERT INTO job(hash, provider, repo, run_id, job_id, "
                                     "job_name, job_url) VALUES(?,?,?,?,?,?,?) RETURNING id");
    m_jobById = SqliteStatement(m_db, "SELECT provider, repo, run_id, job_id, job_name, job_url "
                                      "FROM job WHERE id=?");
    bool valid = m_insertEvent.isValid() && m_insertEvents.isValid() && m_insertIncident.isValid()
                 && m_updateIncident.isValid() && m_findJob.isValid() && m_addJob.isValid()
                 && m_jobById.isValid();
    for (TextDimension *d : {&m_registries, &m_digests, &m_rules, &m_messages}) {
        const QByteArray table(d->table);
        const QByteArray find = "SELECT id, text FROM " + table
                                + (d->hashed ? " WHERE hash=?" : " WHERE text=?");
        const QByteArray add = "INSERT INTO " + table
                               + (d->hashed ? "(text, hash) VALUES(?, ?) RETURNING id"
                                            : "(text) VALUES(?) RETURNING id");
        const QByteArray byId = "SELECT text FROM " + table + " WHERE id=?";
        d->find = SqliteStatement(m_db, find.constData());
        d->add = SqliteStatement(m_db, add.constData());
        d->byId = SqliteStatement(m_db, byId.constData());
        valid = valid && d->find.isValid() && d->add.isValid() && d->byId.isValid();
    }
    if (!valid)
        return sqlError(QStringLiteral("cannot prepare statements"));
    return {};
}

void SqliteHistoryStore::loadImages()
{
    m_imageIds.clear();
    m_images.clear();
    m_registries.ids.clear();
    m_registries.texts.clear();
    SqliteStatement q(m_db, "SELECT image.id, ref, registry.text, grp, label, first_ts, last_ts, "
                            "events, registry.id FROM image JOIN registry "
                            "ON registry.id = image.registry");
    while (q.step() == SQLITE_ROW) {
        ImageInfo info{int(q.int64(0)), q.text(1), q.text(2), q.text(3), q.text(4),
                       q.int64(5), q.int64(6), q.int64(7)};
        m_imageIds.insert(info.image, info.id);
        m_registries.ids.insert(info.registry, int(q.int64(8)));
        m_images.insert(info.id, info);
    }
    SqliteStatement m(m_db, "SELECT max(id) FROM event");
    m_maxId = (m.step() == SQLITE_ROW && !m.isNull(0)) ? m.int64(0)
                                                       : std::numeric_limits<qint64>::min();
}

void SqliteHistoryStore::forgetCaches()
{
    for (TextDimension *d : {&m_digests, &m_rules, &m_messages}) {
        d->ids.clear();
        d->texts.clear();
    }
    m_jobIds.clear();
    m_jobs.clear();
    loadImages();
    (void)loadOpenIncidents();
}

Status SqliteHistoryStore::loadOpenIncidents()
{
    m_trackers.clear();
    const QString rawFrom = metadata(QStringLiteral("raw_from"));
    m_rawFrom = rawFrom.isEmpty() ? std::numeric_limits<qint64>::min() : rawFrom.toLongLong();
    SqliteStatement q(m_db, "SELECT id, image, start_ts, last_ts, failures, category, counts, "
                            "kept_failures, kept_counts, kept_last "
                            "FROM incident WHERE recovered_ts IS NULL");
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    while (q.step() == SQLITE_ROW) {
        IncidentTracker::Open open;
        open.rowId = q.int64(0);
        open.incident = Incident{int(q.int64(1)), q.int64(2), q.int64(3), -1, q.int64(4),
                                 Category(q.int64(5))};
        varint::addCounts(q.blobData(6), q.blobSize(6), open.counts);
        open.keptFailures = q.int64(7);
        varint::addCounts(q.blobData(8), q.blobSize(8), open.keptCounts);
        open.keptLast = q.int64(9);
        IncidentTracker tracker(open.incident.imageId);
        tracker.setOpen(std::move(open));
        m_trackers.insert(tracker.open()->incident.imageId, std::move(tracker));
    }
    return {};
}

Result<int> SqliteHistoryStore::intern(TextDimension &d, const QString &text)
{
    if (const auto it = d.ids.constFind(text); it != d.ids.constEnd())
        return *it;
    const QByteArray utf8 = text.toUtf8();
    const qint64 hash = qint64(fnv1a(utf8));
    d.find.reset();
    if (d.hashed)
        d.find.bind(1, hash);
    else
        d.find.bindText(1, utf8);
    int id = 0;
    while (d.find.step() == SQLITE_ROW) {
        if (d.find.text(1) == text) {
            id = int(d.find.int64(0));
            break;
        }
    }
    d.find.reset();
    if (id == 0) {
        d.add.bindText(1, utf8);
        if (d.hashed)
            d.add.bind(2, hash);
        id = int(d.add.insertReturningId());
        if (id == 0)
            return sqlError(QStringLiteral("cannot store %1").arg(QLatin1StringView(d.table)));
    }
    d.ids.insert(text, id);
    return id;
}

Result<int> SqliteHistoryStore::imageId(const PullEvent &event)
{
    if (const auto it = m_imageIds.constFind(event.image); it != m_imageIds.constEnd())
        return *it;
    if (event.image.isEmpty())
        return Error{m_path + QStringLiteral(": an event without an image reference")};
    const Result<int> registry = intern(m_registries, event.registry);
    if (!registry)
        return registry;
    SqliteStatement add(m_db, "INSERT INTO image(ref, registry) VALUES(?, ?) RETURNING id");
    add.bindText(1, event.image);
    add.bind(2, *registry);
    const int id = int(add.insertReturningId());
    if (id == 0)
        return sqlError(QStringLiteral("cannot store image %1").arg(event.image));
    m_imageIds.insert(event.image, id);
    m_images.insert(id, ImageInfo{id, event.image, event.registry, {}, {}, 0, 0, 0});
    return id;
}

Result<int> SqliteHistoryStore::jobId(const CiContext &ci)
{
    const QChar sep(0x1f); // unit separator: cannot appear in any of the fields
    const QString key = ci.provider + sep + ci.repo + sep + ci.runId + sep + ci.jobId + sep
                        + ci.jobName + sep + ci.jobUrl;
    if (const auto it = m_jobIds.constFind(key); it != m_jobIds.constEnd())
        return *it;
    const qint64 hash = qint64(fnv1a(key.toUtf8()));
    m_findJob.reset();
    m_findJob.bind(1, hash);
    int id = 0;
    while (m_findJob.step() == SQLITE_ROW) {
        if (CiContext{m_findJob.text(1), m_findJob.text(2), m_findJob.text(3), m_findJob.text(4),
                      m_findJob.text(5), m_findJob.text(6)} == ci) {
            id = int(m_findJob.int64(0));
            break;
        }
    }
    m_findJob.reset();
    if (id == 0) {
        m_addJob.bind(1, hash);
        m_addJob.bindText(2, ci.provider);
        m_addJob.bindText(3, ci.repo);
        m_addJob.bindText(4, ci.runId);
        m_addJob.bindText(5, ci.jobId);
        m_addJob.bindText(6, ci.jobName);
        m_addJob.bindText(7, ci.jobUrl);
        id = int(m_addJob.insertReturningId());
        if (id == 0)
            return sqlError(QStringLiteral("cannot store CI job"));
    }
    m_jobIds.insert(key, id);
    return id;
}

QString SqliteHistoryStore::textOf(TextDimension &d, qint64 id) const
{
    if (const auto it = d.texts.constFind(int(id)); it != d.texts.constEnd())
        return *it;
    d.byId.bind(1, id);
    const QString text = d.byId.step() == SQLITE_ROW ? d.byId.text(0) : QString();
    d.byId.reset();
    d.texts.insert(int(id), text);
    return text;
}

CiContext SqliteHistoryStore::jobOf(qint64 id) const
{
    if (const auto it = m_jobs.constFind(int(id)); it != m_jobs.constEnd())
        return *it;
    m_jobById.bind(1, id);
    CiContext ci;
    if (m_jobById.step() == SQLITE_ROW)
        ci = CiContext{m_jobById.text(0), m_jobById.text(1), m_jobById.text(2),
                       m_jobById.text(3), m_jobById.text(4), m_jobById.text(5)};
    m_jobById.reset();
    m_jobs.insert(int(id), ci);
    return ci;
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
    std::vector<PullEvent> sortedCopy;
    std::span<const PullEvent> sorted = events;
    const auto byTs = [](const PullEvent &a, const PullEvent &b) { return a.ts < b.ts; };
    if (!std::is_sorted(events.begin(), events.end(), byTs)) {
        sortedCopy.assign(events.begin(), events.end());
        std::stable_sort(sortedCopy.begin(), sortedCopy.end(), byTs);
        sorted = sortedCopy;
    }
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return s;
    Status s = insertEvents(sorted);
    if (s)
        s = exec("COMMIT");
    if (!s) {
        (void)exec("ROLLBACK");
        forgetCaches(); // ids handed out inside the failed transaction no longer exist
    }
    return s;
}

Status SqliteHistoryStore::insertEvents(std::span<const PullEvent> sorted)
{
    struct Touched
    {
        qint64 first = std::numeric_limits<qint64>::max();
        qint64 last = std::numeric_limits<qint64>::min();
        qint64 count = 0;
        qint64 outOfOrderFrom = std::numeric_limits<qint64>::max();
    };
    QHash<int, Touched> touched;
    RollupAccumulator hours(Granularity::Hour), days(Granularity::Day);
    // Rows are encoded first and inserted in chunks, many rows per statement.
    constexpr size_t Chunk = 4096;
    std::vector<std::array<qint64, EventColumnCount>> rows;
    rows.reserve(std::min(sorted.size(), Chunk));
    qint64 previousTs = std::numeric_limits<qint64>::min();
    qint64 previousId = std::numeric_limits<qint64>::min();

    for (const PullEvent &e : sorted) {
        const Result<int> image = imageId(e);
        if (!image)
            return Error{image.error()};
        int digest = 0, rule = 0, message = 0, job = 0;
        if (!e.digest.isEmpty()) {
            const Result<int> r = intern(m_digests, e.digest);
            if (!r)
                return Error{r.error()};
            digest = *r;
        }
        if (!e.rule.isEmpty()) {
            const Result<int> r = intern(m_rules, e.rule);
            if (!r)
                return Error{r.error()};
            rule = *r;
        }
        if (!e.message.isEmpty()) {
            const Result<int> r = intern(m_messages, truncateMessage(e.message));
            if (!r)
                return Error{r.error()};
            message = *r;
        }
        if (!e.ci.isEmpty()) {
            const Result<int> r = jobId(e.ci);
            if (!r)
                return Error{r.error()};
            job = *r;
        }
        qint64 candidate = idOf(e.ts);
        if (e.ts == previousTs)
            candidate = std::max(candidate, previousId + 1);
        const qint64 id = nextFreeId(candidate);
        previousTs = e.ts;
        previousId = id;
        m_maxId = std::max(m_maxId, id);

        qint64 *row = rows.emplace_back().data();
        row[0] = id;
        row[1] = *image;
        row[2] = kindOf(e);
        row[3] = e.httpStatus ? e.httpStatus : Null;
        row[4] = e.latencyMs >= 0 ? e.latencyMs : Null;
        row[5] = e.bytes ? e.bytes : Null;
        row[6] = digest ? digest : Null;
        row[7] = rule ? rule : Null;
        row[8] = message ? message : Null;
        row[9] = job ? job : Null;
        row[10] = e.ciLine ? e.ciLine : Null;
        if (rows.size() == Chunk) {
            if (Status s = insertRows(rows); !s)
                return s;
            rows.clear();
        }

        hours.add(*image, e);
        days.add(*image, e);
        Touched &t = touched[*image];
        t.first = std::min(t.first, e.ts);
        t.last = std::max(t.last, e.ts);
        ++t.count;
        // Incidents follow events in time order; an event older than what is stored for its
        // image means the incidents from there on are recomputed after the batch.
        const ImageInfo &info = m_images[*image];
        if (t.outOfOrderFrom == std::numeric_limits<qint64>::max()
            && (info.events == 0 || e.ts >= info.lastTs)) {
            auto it = m_trackers.find(*image);
            if (it == m_trackers.end())
                it = m_trackers.insert(*image, IncidentTracker(*image));
            if (std::optional<IncidentTracker::Open> closed =
                    it->feed(e.ts, e.ok, e.ok ? Category::None : e.category)) {
                if (Status s = storeIncident(*closed, true); !s)
                    return s;
            }
        } else {
            t.outOfOrderFrom = std::min(t.outOfOrderFrom, e.ts);
        }
    }

    if (Status s = insertRows(rows); !s)
        return s;
    if (Status s = flushRollups("rollup_hour", hours); !s)
        return s;
    if (Status s = flushRollups("rollup_day", days); !s)
        return s;
    SqliteStatement update(m_db, "UPDATE image SET first_ts=?, last_ts=?, events=? WHERE id=?");
    for (auto it = touched.cbegin(); it != touched.cend(); ++it) {
        ImageInfo &info = m_images[it.key()];
        if (it->outOfOrderFrom != std::numeric_limits<qint64>::max()) {
            if (Status s = rebuildIncidents(it.key(), it->outOfOrderFrom); !s)
                return s;
        } else if (auto tracker = m_trackers.find(it.key());
                   tracker != m_trackers.end() && tracker->open()) {
            IncidentTracker::Open open = *tracker->open();
            if (Status s = storeIncident(open, false); !s)
                return s;
            tracker->setOpen(open); // now carries its row id
        }
        info.firstTs = info.events == 0 ? it->first : std::min(info.firstTs, it->first);
        info.lastTs = info.events == 0 ? it->last : std::max(info.lastTs, it->last);
        info.events += it->count;
        update.bind(1, info.firstTs);
        update.bind(2, info.lastTs);
        update.bind(3, info.events);
        update.bind(4, it.key());
        if (update.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot update image"));
    }
    return {};
}

Status SqliteHistoryStore::insertRows(std::span<const std::array<qint64, 11>> rows)
{
    const auto bindRow = [](SqliteStatement &q, int offset, const std::array<qint64, 11> &row) {
        for (int c = 0; c < EventColumnCount; ++c) {
            if (row[size_t(c)] == Null)
                q.bindNull(offset + c + 1);
            else
                q.bind(offset + c + 1, row[size_t(c)]);
        }
    };
    size_t i = 0;
    for (; i + RowsPerInsert <= rows.size(); i += RowsPerInsert) {
        for (int r = 0; r < RowsPerInsert; ++r)
            bindRow(m_insertEvents, r * EventColumnCount, rows[i + size_t(r)]);
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
    const QByteArray select = QByteArray("SELECT total, ok, failures, latency, cold_latency FROM ")
                              + table + " WHERE image=? AND source=? AND bucket=?";
    const QByteArray upsert = QByteArray("INSERT OR REPLACE INTO ") + table
                              + "(image, source, bucket, total, ok, failures, latency, "
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

Status SqliteHistoryStore::storeIncident(IncidentTracker::Open &open, bool closed)
{
    const Incident &i = open.incident;
    SqliteStatement &q = open.rowId ? m_updateIncident : m_insertIncident;
    if (open.rowId) {
        q.bind(1, open.rowId);
        q.bind(2, i.lastFailure);
        q.bindOrNull(3, closed ? i.recoveredAt : -1, -1);
        q.bind(4, i.failures);
        q.bind(5, qint64(i.dominant));
        q.bindBlob(6, varint::encodeCounts(open.counts));
        q.bind(7, open.keptFailures);
        q.bindBlob(8, varint::encodeCounts(open.keptCounts));
        q.bind(9, open.keptLast);
    } else {
        q.bind(1, i.imageId);
        q.bind(2, i.start);
        q.bind(3, i.lastFailure);
        q.bindOrNull(4, closed ? i.recoveredAt : -1, -1);
        q.bind(5, i.failures);
        q.bind(6, qint64(i.dominant));
        q.bindBlob(7, varint::encodeCounts(open.counts));
        q.bind(8, open.keptFailures);
        q.bindBlob(9, varint::encodeCounts(open.keptCounts));
        q.bind(10, open.keptLast);
    }
    if (open.rowId) {
        if (q.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store incident"));
    } else if ((open.rowId = q.insertReturningId()) == 0) {
        return sqlError(QStringLiteral("cannot store incident"));
    }
    return {};
}

Status SqliteHistoryStore::rebuildIncidents(int imageId, qint64 fromTs)
{
    // Before the retention horizon there are no raw events to recompute from.
    fromTs = std::max(fromTs, m_rawFrom);
    // Restart from the incident in progress at fromTs, if any: before it the image was up.
    SqliteStatement during(m_db, "SELECT start_ts, kept_failures, kept_counts, kept_last, category "
                                 "FROM incident WHERE image=?1 AND start_ts<=?2 "
                                 "AND (recovered_ts IS NULL OR recovered_ts>?2) "
                                 "ORDER BY start_ts DESC LIMIT 1");
    during.bind(1, imageId);
    during.bind(2, fromTs);
    qint64 from = fromTs;
    IncidentTracker tracker(imageId);
    if (during.step() == SQLITE_ROW) {
        from = during.int64(0);
        if (from < m_rawFrom) { // carry the part before the horizon, recompute the rest
            IncidentTracker::Open kept;
            kept.incident = Incident{imageId, from, during.int64(3), -1, during.int64(1),
                                     Category(during.int64(4))};
            kept.keptFailures = during.int64(1);
            varint::addCounts(during.blobData(2), during.blobSize(2), kept.keptCounts);
            kept.counts = kept.keptCounts;
            kept.keptLast = during.int64(3);
            kept.incident.dominant = IncidentTracker::dominant(kept.counts);
            tracker.setOpen(kept);
        }
    }
    during.reset();
    SqliteStatement drop(m_db, "DELETE FROM incident WHERE image=? AND start_ts>=?");
    drop.bind(1, imageId);
    drop.bind(2, from);
    if (drop.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot rebuild incidents"));

    SqliteStatement scan(m_db, "SELECT id, kind FROM event WHERE id>=? AND image=? ORDER BY id");
    scan.bind(1, idOf(std::max(from, m_rawFrom)));
    scan.bind(2, imageId);
    while (scan.step() == SQLITE_ROW) {
        if (std::optional<IncidentTracker::Open> closed =
                tracker.feed(tsOf(scan.int64(0)),
                             (scan.int64(1) & SqliteSchema::CategoryMask) == 0,
                             Category(scan.int64(1) & SqliteSchema::CategoryMask))) {
            if (Status s = storeIncident(*closed, true); !s)
                return s;
        }
    }
    if (tracker.open()) {
        IncidentTracker::Open open = *tracker.open();
        if (Status s = storeIncident(open, false); !s)
            return s;
        tracker.setOpen(open);
    }
    m_trackers.insert(imageId, std::move(tracker));
    return {};
}

Status SqliteHistoryStore::rebuildDerived()
{
    if (Status s = exec("BEGIN IMMEDIATE; DELETE FROM rollup_hour; DELETE FROM rollup_day; "
                        "DELETE FROM incident;");
        !s)
        return s;
    m_trackers.clear();
    RollupAccumulator hours(Granularity::Hour), days(Granularity::Day);
    Status result;
    SqliteStatement scan(m_db, "SELECT id, image, kind, latency FROM event ORDER BY id");
    PullEvent e;
    while (result && scan.step() == SQLITE_ROW) {
        const int image = int(scan.int64(1));
        e.ts = tsOf(scan.int64(0));
        decodeKind(scan.int64(2), e);
        e.latencyMs = scan.isNull(3) ? -1 : scan.int64(3);
        hours.add(image, e);
        days.add(image, e);
        auto it = m_trackers.find(image);
        if (it == m_trackers.end())
            it = m_trackers.insert(image, IncidentTracker(image));
        if (std::optional<IncidentTracker::Open> closed = it->feed(e.ts, e.ok, e.category))
            result = storeIncident(*closed, true);
    }
    for (auto it = m_trackers.begin(); result && it != m_trackers.end(); ++it) {
        if (it->open()) {
            IncidentTracker::Open open = *it->open();
            result = storeIncident(open, false);
            it->setOpen(open);
        }
    }
    if (result)
        result = flushRollups("rollup_hour", hours);
    if (result)
        result = flushRollups("rollup_day", days);
    if (result)
        result = exec("COMMIT");
    if (!result) {
        (void)exec("ROLLBACK");
        forgetCaches();
    }
    return result;
}

Status SqliteHistoryStore::setImageInfo(const QString &image, const QString &group,
                                        const QString &label)
{
    auto it = m_imageIds.constFind(image);
    if (it == m_imageIds.constEnd()) {
        PullEvent probe;
        probe.image = image;
        const int slash = image.indexOf(QLatin1Char('/'));
        probe.registry = slash > 0 ? image.left(slash) : QStringLiteral("docker.io");
        const Result<int> id = imageId(probe);
        if (!id)
            return Error{id.error()};
        it = m_imageIds.constFind(image);
    }
    SqliteStatement q(m_db, "UPDATE image SET grp=?, label=? WHERE id=?");
    q.bindText(1, group);
    q.bindText(2, label);
    q.bind(3, *it);
    if (q.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot update image %1").arg(image));
    ImageInfo &info = m_images[*it];
    info.group = group;
    info.label = label;
    return {};
}

QList<ImageInfo> SqliteHistoryStore::images() const
{
    QList<ImageInfo> list = m_images.values();
    std::sort(list.begin(), list.end(),
              [](const ImageInfo &a, const ImageInfo &b) { return a.id < b.id; });
    return list;
}

qint64 SqliteHistoryStore::eventCount() const
{
    qint64 total = 0;
    for (const ImageInfo &info : m_images)
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

QString SqliteHistoryStore::imageFilterSql(const EventFilter &filter, const char *column,
                                           bool *none) const
{
    *none = false;
    if (filter.images.isEmpty() && filter.registries.isEmpty() && filter.groups.isEmpty())
        return {};
    const QList<int> ids = selectImages(images(), filter);
    if (ids.isEmpty()) {
        *none = true;
        return {};
    }
    return QStringLiteral(" AND %1 IN (%2)").arg(QLatin1StringView(column), joinIds(ids));
}

bool SqliteHistoryStore::eventFilterSql(const EventFilter &filter, QString *sql) const
{
    bool none = false;
    *sql = imageFilterSql(filter, "image", &none);
    if (none)
        return false;
    if (filter.source)
        *sql += QStringLiteral(" AND (kind & %1)=%2")
                    .arg(SqliteSchema::CiBit)
                    .arg(*filter.source == Source::Ci ? SqliteSchema::CiBit : 0);
    if (filter.ok)
        *sql += QStringLiteral(" AND (kind & %1)%2")
                    .arg(SqliteSchema::CategoryMask)
                    .arg(*filter.ok ? QLatin1StringView("=0") : QLatin1StringView("<>0"));
    if (filter.category)
        *sql += QStringLiteral(" AND (kind & %1)=%2")
                    .arg(SqliteSchema::CategoryMask)
                    .arg(int(*filter.category));
    return true;
}

Status SqliteHistoryStore::scanOutcomes(const EventFilter &filter, const TimeRange &range,
                                        const std::function<void(const Outcome &)> &visit) const
{
    QString where;
    if (!eventFilterSql(filter, &where) || range.isEmpty())
        return {};
    const QString sql = QStringLiteral("SELECT id, image, kind, latency FROM event "
                                       "WHERE id>=?1 AND id<?2")
                        + where + QStringLiteral(" ORDER BY id");
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read events"));
    q.bind(1, idOf(range.from));
    q.bind(2, idOf(range.to));
    Outcome o;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        const qint64 kind = q.int64(2);
        o.ts = tsOf(q.int64(0));
        o.imageId = int(q.int64(1));
        o.source = (kind & SqliteSchema::CiBit) ? Source::Ci : Source::Probe;
        o.category = Category(kind & SqliteSchema::CategoryMask);
        o.cold = (kind & SqliteSchema::ColdBit) != 0;
        o.latencyMs = q.isNull(3) ? -1 : q.int64(3);
        visit(o);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read events"));
    return {};
}

Status SqliteHistoryStore::scanEvents(const EventFilter &filter, const TimeRange &range,
                                      const std::function<bool(const PullEvent &)> &visit) const
{
    QString where;
    if (!eventFilterSql(filter, &where) || range.isEmpty())
        return {};
    QString sql = QStringLiteral("SELECT %1 FROM event WHERE id>=?1 AND id<?2")
                      .arg(QLatin1StringView(EventColumns))
                  + where;
    sql += QStringLiteral(" ORDER BY id");
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read events"));
    q.bind(1, idOf(range.from));
    q.bind(2, idOf(range.to));
    PullEvent e;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        e.ts = tsOf(q.int64(0));
        const auto image = m_images.constFind(int(q.int64(1)));
        if (image != m_images.constEnd()) {
            e.image = image->image;
            e.registry = image->registry;
        }
        decodeKind(q.int64(2), e);
        e.httpStatus = int(q.int64(3));
        e.latencyMs = q.isNull(4) ? -1 : q.int64(4);
        e.bytes = q.int64(5);
        e.digest = q.isNull(6) ? QString() : textOf(m_digests, q.int64(6));
        e.rule = q.isNull(7) ? QString() : textOf(m_rules, q.int64(7));
        e.message = q.isNull(8) ? QString() : textOf(m_messages, q.int64(8));
        e.ci = q.isNull(9) ? CiContext() : jobOf(q.int64(9));
        e.ciLine = int(q.int64(10));
        if (!visit(e))
            return {};
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read events"));
    return {};
}

Status SqliteHistoryStore::scanRollups(Granularity granularity, const EventFilter &filter,
                                       const TimeRange &range,
                                       const std::function<void(const RollupRow &)> &visit) const
{
    bool none = false;
    QString sql = QStringLiteral("SELECT image, source, bucket, total, ok, failures, latency, "
                                 "cold_latency FROM %1 WHERE bucket>=?1 AND bucket<?2")
                      .arg(granularity == Granularity::Hour ? QLatin1StringView("rollup_hour")
                                                            : QLatin1StringView("rollup_day"))
                  + imageFilterSql(filter, "image", &none);
    if (none || range.isEmpty())
        return {};
    if (filter.source)
        sql += QStringLiteral(" AND source=%1").arg(int(*filter.source));
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read rollups"));
    q.bind(1, range.from);
    q.bind(2, range.to);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        RollupRow row;
        row.imageId = int(q.int64(0));
        row.source = Source(q.int64(1));
        row.bucketStart = q.int64(2);
        row.total = q.int64(3);
        row.ok = q.int64(4);
        varint::addCounts(q.blobData(5), q.blobSize(5), row.failures);
        row.latency = LatencyHistogram::decode(q.blobData(6), q.blobSize(6));
        row.coldLatency = LatencyHistogram::decode(q.blobData(7), q.blobSize(7));
        visit(row);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read rollups"));
    return {};
}

Result<QList<Incident>> SqliteHistoryStore::incidents(const EventFilter &filter,
                                                      const TimeRange &range) const
{
    bool none = false;
    const QString sql =
        QStringLiteral("SELECT image, start_ts, last_ts, recovered_ts, failures, category "
                       "FROM incident WHERE start_ts<?2 AND (recovered_ts IS NULL OR "
                       "recovered_ts>?1)")
        + imageFilterSql(filter, "image", &none) + QStringLiteral(" ORDER BY start_ts, image");
    QList<Incident> list;
    if (none || range.isEmpty())
        return list;
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    q.bind(1, range.from);
    q.bind(2, range.to);
    while (q.step() == SQLITE_ROW) {
        list.append(Incident{int(q.int64(0)), q.int64(1), q.int64(2),
                             q.isNull(3) ? -1 : q.int64(3), q.int64(4), Category(q.int64(5))});
    }
    return list;
}

Status SqliteHistoryStore::applyRetention(qint64 cutoffMs)
{
    if (cutoffMs <= m_rawFrom)
        return {};
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return s;
    Status result = keepIncidentsBefore(cutoffMs);
    SqliteStatement drop(m_db, "DELETE FROM event WHERE id<?");
    drop.bind(1, idOf(cutoffMs));
    if (result && drop.exec() != SQLITE_DONE)
        result = sqlError(QStringLiteral("cannot drop old events"));
    // Strings only old events used go too; rollups and incidents keep the long view.
    if (result)
        result = exec("DELETE FROM message WHERE id NOT IN (SELECT message FROM event "
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
    forgetCaches();
    return result;
}

Status SqliteHistoryStore::keepIncidentsBefore(qint64 cutoffMs)
{
    // For incidents that span the cutoff, remember the part whose raw events are about to go.
    SqliteStatement spanning(m_db, "SELECT id, image, start_ts, recovered_ts FROM incident "
                                   "WHERE start_ts<?1 AND (recovered_ts IS NULL OR recovered_ts>=?1)");
    SqliteStatement before(m_db, "SELECT id, kind FROM event WHERE id>=? AND id<? AND image=?");
    SqliteStatement keep(m_db, "UPDATE incident SET kept_failures=?2, kept_counts=?3, kept_last=?4 "
                               "WHERE id=?1");
    spanning.bind(1, cutoffMs);
    while (spanning.step() == SQLITE_ROW) {
        std::array<qint64, CategoryCount> counts{};
        qint64 failures = 0, last = 0;
        // The incident's own kept part (from an earlier retention) plus raw failures up to now.
        SqliteStatement old(m_db, "SELECT kept_failures, kept_counts, kept_last FROM incident "
                                  "WHERE id=?");
        old.bind(1, spanning.int64(0));
        if (old.step() == SQLITE_ROW) {
            failures = old.int64(0);
            varint::addCounts(old.blobData(1), old.blobSize(1), counts);
            last = old.int64(2);
        }
        before.reset();
        before.bind(1, idOf(std::max(spanning.int64(2), m_rawFrom)));
        before.bind(2, idOf(cutoffMs));
        before.bind(3, spanning.int64(1));
        while (before.step() == SQLITE_ROW) {
            const qint64 category = before.int64(1) & SqliteSchema::CategoryMask;
            if (category != 0) {
                ++failures;
                ++counts[size_t(category)];
                last = tsOf(before.int64(0));
            }
        }
        keep.bind(1, spanning.int64(0));
        keep.bind(2, failures);
        keep.bindBlob(3, varint::encodeCounts(counts));
        keep.bind(4, last);
        if (keep.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot keep incident"));
    }
    return {};
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
