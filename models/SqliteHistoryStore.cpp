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
    "id, image, source, ok, category, status, latency, bytes, digest, rule, message, job, line, cold";

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
    m_insertEvent = {};
    m_insertIncident = {};
    m_updateIncident = {};
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
                               "PRAGMA mmap_size=268435456; PRAGMA busy_timeout=5000;");
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
    const QByteArray insert = QByteArray("INSERT INTO event(") + EventColumns
                              + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    m_insertEvent = SqliteStatement(m_db, insert.constData());
    m_insertIncident = SqliteStatement(
        m_db, "INSERT INTO incident(image, start_ts, last_ts, recovered_ts, failures, category, "
              "counts) VALUES(?,?,?,?,?,?,?)");
    m_updateIncident = SqliteStatement(
        m_db, "UPDATE incident SET last_ts=?2, recovered_ts=?3, failures=?4, category=?5, "
              "counts=?6 WHERE id=?1");
    if (!m_insertEvent.isValid() || !m_insertIncident.isValid() || !m_updateIncident.isValid())
        return sqlError(QStringLiteral("cannot prepare statements"));
    return {};
}

void SqliteHistoryStore::loadImages()
{
    m_imageIds.clear();
    m_images.clear();
    m_registryIds.clear();
    SqliteStatement q(m_db, "SELECT image.id, ref, registry.text, grp, label, first_ts, last_ts, "
                            "events, registry.id FROM image JOIN registry "
                            "ON registry.id = image.registry");
    while (q.step() == SQLITE_ROW) {
        ImageInfo info{int(q.int64(0)), q.text(1), q.text(2), q.text(3), q.text(4),
                       q.int64(5), q.int64(6), q.int64(7)};
        m_imageIds.insert(info.image, info.id);
        m_registryIds.insert(info.registry, int(q.int64(8)));
        m_images.insert(info.id, info);
    }
    SqliteStatement m(m_db, "SELECT max(id) FROM event");
    m_maxId = (m.step() == SQLITE_ROW && !m.isNull(0)) ? m.int64(0)
                                                       : std::numeric_limits<qint64>::min();
}

void SqliteHistoryStore::forgetCaches()
{
    m_digestIds.clear();
    m_ruleIds.clear();
    m_messageIds.clear();
    m_jobIds.clear();
    m_digests.clear();
    m_rules.clear();
    m_messages.clear();
    m_jobs.clear();
    loadImages();
    (void)loadOpenIncidents();
}

Status SqliteHistoryStore::loadOpenIncidents()
{
    m_trackers.clear();
    SqliteStatement q(m_db, "SELECT id, image, start_ts, last_ts, failures, category, counts "
                            "FROM incident WHERE recovered_ts IS NULL");
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read incidents"));
    while (q.step() == SQLITE_ROW) {
        IncidentTracker::Open open;
        open.rowId = q.int64(0);
        open.incident = Incident{int(q.int64(1)), q.int64(2), q.int64(3), -1, q.int64(4),
                                 Category(q.int64(5))};
        varint::addCounts(q.blobData(6), q.blobSize(6), open.counts);
        IncidentTracker tracker(open.incident.imageId);
        tracker.setOpen(std::move(open));
        m_trackers.insert(tracker.open()->incident.imageId, std::move(tracker));
    }
    return {};
}

Result<int> SqliteHistoryStore::internText(const char *table, QHash<QString, int> &cache,
                                           const QString &text)
{
    if (const auto it = cache.constFind(text); it != cache.constEnd())
        return *it;
    const QByteArray utf8 = text.toUtf8();
    const QByteArray select = QByteArray("SELECT id FROM ") + table + " WHERE text=?";
    SqliteStatement find(m_db, select.constData());
    find.bindText(1, utf8);
    int id = 0;
    if (find.step() == SQLITE_ROW) {
        id = int(find.int64(0));
    } else {
        const QByteArray insert = QByteArray("INSERT INTO ") + table + "(text) VALUES(?)";
        SqliteStatement add(m_db, insert.constData());
        add.bindText(1, utf8);
        if (add.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store %1").arg(QLatin1StringView(table)));
        id = int(sqlite3_last_insert_rowid(m_db));
    }
    cache.insert(text, id);
    return id;
}

Result<int> SqliteHistoryStore::imageId(const PullEvent &event)
{
    if (const auto it = m_imageIds.constFind(event.image); it != m_imageIds.constEnd())
        return *it;
    if (event.image.isEmpty())
        return Error{m_path + QStringLiteral(": an event without an image reference")};
    const Result<int> registry = internText("registry", m_registryIds, event.registry);
    if (!registry)
        return registry;
    SqliteStatement add(m_db, "INSERT INTO image(ref, registry) VALUES(?, ?)");
    add.bindText(1, event.image);
    add.bind(2, *registry);
    if (add.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot store image %1").arg(event.image));
    const int id = int(sqlite3_last_insert_rowid(m_db));
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
    SqliteStatement find(m_db, "SELECT id FROM job WHERE key=?");
    find.bindText(1, key);
    int id = 0;
    if (find.step() == SQLITE_ROW) {
        id = int(find.int64(0));
    } else {
        SqliteStatement add(m_db, "INSERT INTO job(key, provider, repo, run_id, job_id, job_name, "
                                  "job_url) VALUES(?,?,?,?,?,?,?)");
        add.bindText(1, key);
        add.bindText(2, ci.provider);
        add.bindText(3, ci.repo);
        add.bindText(4, ci.runId);
        add.bindText(5, ci.jobId);
        add.bindText(6, ci.jobName);
        add.bindText(7, ci.jobUrl);
        if (add.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store CI job"));
        id = int(sqlite3_last_insert_rowid(m_db));
    }
    m_jobIds.insert(key, id);
    return id;
}

QString SqliteHistoryStore::textOf(const char *table, QHash<int, QString> &cache, qint64 id) const
{
    if (const auto it = cache.constFind(int(id)); it != cache.constEnd())
        return *it;
    const QByteArray sql = QByteArray("SELECT text FROM ") + table + " WHERE id=?";
    SqliteStatement q(m_db, sql.constData());
    q.bind(1, id);
    const QString text = q.step() == SQLITE_ROW ? q.text(0) : QString();
    cache.insert(int(id), text);
    return text;
}

CiContext SqliteHistoryStore::jobOf(qint64 id) const
{
    if (const auto it = m_jobs.constFind(int(id)); it != m_jobs.constEnd())
        return *it;
    SqliteStatement q(m_db,
                      "SELECT provider, repo, run_id, job_id, job_name, job_url FROM job WHERE id=?");
    q.bind(1, id);
    CiContext ci;
    if (q.step() == SQLITE_ROW)
        ci = CiContext{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)};
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
    SqliteStatement &ins = m_insertEvent;
    qint64 previousTs = std::numeric_limits<qint64>::min();
    qint64 previousId = std::numeric_limits<qint64>::min();

    for (const PullEvent &e : sorted) {
        const Result<int> image = imageId(e);
        if (!image)
            return Error{image.error()};
        int digest = 0, rule = 0, message = 0, job = 0;
        if (!e.digest.isEmpty()) {
            const Result<int> r = internText("digest", m_digestIds, e.digest);
            if (!r)
                return Error{r.error()};
            digest = *r;
        }
        if (!e.rule.isEmpty()) {
            const Result<int> r = internText("rule", m_ruleIds, e.rule);
            if (!r)
                return Error{r.error()};
            rule = *r;
        }
        if (!e.message.isEmpty()) {
            const Result<int> r = internText("message", m_messageIds, truncateMessage(e.message));
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

        ins.bind(1, id);
        ins.bind(2, *image);
        ins.bind(3, qint64(e.source));
        ins.bind(4, e.ok ? 1 : 0);
        ins.bindOrNull(5, qint64(e.ok ? Category::None : e.category));
        ins.bindOrNull(6, e.httpStatus);
        ins.bindOrNull(7, e.latencyMs, -1);
        ins.bindOrNull(8, e.bytes);
        ins.bindOrNull(9, digest);
        ins.bindOrNull(10, rule);
        ins.bindOrNull(11, message);
        ins.bindOrNull(12, job);
        ins.bindOrNull(13, e.ciLine);
        ins.bindOrNull(14, e.cold ? 1 : 0);
        if (ins.exec() != SQLITE_DONE)
            return sqlError(QStringLiteral("cannot store event"));

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
    } else {
        q.bind(1, i.imageId);
        q.bind(2, i.start);
        q.bind(3, i.lastFailure);
        q.bindOrNull(4, closed ? i.recoveredAt : -1, -1);
        q.bind(5, i.failures);
        q.bind(6, qint64(i.dominant));
        q.bindBlob(7, varint::encodeCounts(open.counts));
    }
    if (q.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot store incident"));
    if (!open.rowId)
        open.rowId = sqlite3_last_insert_rowid(m_db);
    return {};
}

Status SqliteHistoryStore::rebuildIncidents(int imageId, qint64 fromTs)
{
    // Restart from the incident that was in progress at fromTs, if any: before it the image was up.
    SqliteStatement during(m_db, "SELECT start_ts FROM incident WHERE image=?1 AND start_ts<=?2 "
                                 "AND (recovered_ts IS NULL OR recovered_ts>?2) "
                                 "ORDER BY start_ts DESC LIMIT 1");
    during.bind(1, imageId);
    during.bind(2, fromTs);
    const qint64 from = during.step() == SQLITE_ROW ? during.int64(0) : fromTs;
    SqliteStatement drop(m_db, "DELETE FROM incident WHERE image=? AND start_ts>=?");
    drop.bind(1, imageId);
    drop.bind(2, from);
    if (drop.exec() != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot rebuild incidents"));

    IncidentTracker tracker(imageId);
    SqliteStatement scan(m_db, "SELECT id, ok, category FROM event WHERE id>=? AND image=? "
                               "ORDER BY id");
    scan.bind(1, idOf(from));
    scan.bind(2, imageId);
    while (scan.step() == SQLITE_ROW) {
        if (std::optional<IncidentTracker::Open> closed =
                tracker.feed(tsOf(scan.int64(0)), scan.int64(1) != 0, Category(scan.int64(2)))) {
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
    SqliteStatement scan(m_db, "SELECT id, image, source, ok, category, latency, cold FROM event "
                               "ORDER BY id");
    PullEvent e;
    while (result && scan.step() == SQLITE_ROW) {
        const int image = int(scan.int64(1));
        e.ts = tsOf(scan.int64(0));
        e.source = Source(scan.int64(2));
        e.ok = scan.int64(3) != 0;
        e.category = Category(scan.int64(4));
        e.latencyMs = scan.isNull(5) ? -1 : scan.int64(5);
        e.cold = scan.int64(6) != 0;
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

Status SqliteHistoryStore::scanEvents(const EventFilter &filter, const TimeRange &range,
                                      const std::function<bool(const PullEvent &)> &visit) const
{
    bool none = false;
    QString sql = QStringLiteral("SELECT %1 FROM event WHERE id>=?1 AND id<?2")
                      .arg(QLatin1StringView(EventColumns))
                  + imageFilterSql(filter, "image", &none);
    if (none || range.isEmpty())
        return {};
    if (filter.source)
        sql += QStringLiteral(" AND source=%1").arg(int(*filter.source));
    if (filter.ok)
        sql += QStringLiteral(" AND ok=%1").arg(*filter.ok ? 1 : 0);
    if (filter.category)
        sql += QStringLiteral(" AND category=%1").arg(int(*filter.category));
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
        e.source = Source(q.int64(2));
        e.ok = q.int64(3) != 0;
        e.category = Category(q.int64(4));
        e.httpStatus = int(q.int64(5));
        e.latencyMs = q.isNull(6) ? -1 : q.int64(6);
        e.bytes = q.int64(7);
        e.digest = q.isNull(8) ? QString() : textOf("digest", m_digests, q.int64(8));
        e.rule = q.isNull(9) ? QString() : textOf("rule", m_rules, q.int64(9));
        e.message = q.isNull(10) ? QString() : textOf("message", m_messages, q.int64(10));
        e.ci = q.isNull(11) ? CiContext() : jobOf(q.int64(11));
        e.ciLine = int(q.int64(12));
        e.cold = q.int64(13) != 0;
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
    SqliteStatement drop(m_db, "DELETE FROM event WHERE id<?");
    drop.bind(1, idOf(cutoffMs));
    if (Status s = exec("BEGIN IMMEDIATE"); !s)
        return s;
    Status result;
    if (drop.exec() != SQLITE_DONE)
        result = sqlError(QStringLiteral("cannot drop old events"));
    // Strings only old events used go too; rollups and incidents keep the long view.
    if (result)
        result = exec("DELETE FROM message WHERE id NOT IN (SELECT message FROM event "
                      "WHERE message IS NOT NULL);"
                      "DELETE FROM job WHERE id NOT IN (SELECT job FROM event WHERE job IS NOT NULL);"
                      "UPDATE image SET events = (SELECT count(*) FROM event "
                      "WHERE event.image = image.id);"
                      "COMMIT;");
    if (!result)
        (void)exec("ROLLBACK");
    forgetCaches();
    return result;
}

} // namespace pw
