#include "history/sqlite/SqliteDimensions.h"

namespace pw {

namespace {
QString jobKey(const CiContext &ci)
{
    const QChar sep(0x1f); // unit separator: cannot appear in any of the fields
    return ci.provider + sep + ci.repo + sep + ci.runId + sep + ci.jobId + sep + ci.jobName + sep +
           ci.jobUrl;
}
} // namespace

quint64 stableHash(const QByteArray &bytes)
{
    quint64 h = 1469598103934665603ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

SqliteDimensions::SqliteDimensions(sqlite3 *db, sqlite3 *reader, QString path)
    : m_db(db), m_reader(reader), m_path(std::move(path))
{}

Error SqliteDimensions::sqlError(sqlite3 *db, const QString &what) const
{
    return sqliteError(db, m_path, what);
}

int SqliteDimensions::maxId(const char *table) const
{
    const QByteArray sql = QByteArray("SELECT coalesce(max(id), 0) FROM ") + table;
    SqliteStatement q(m_db, sql.constData());
    return q.step() == SQLITE_ROW ? int(q.int64(0)) : 0;
}

Status SqliteDimensions::prepare()
{
    bool valid = true;
    for (TextTable *t : {&m_registries, &m_digests, &m_rules, &m_messages}) {
        const QByteArray name(t->name);
        const QByteArray lookup =
            "SELECT id, text FROM " + name + (t->hashed ? " WHERE hash=?" : " WHERE text=?");
        const QByteArray add =
            "INSERT INTO " + name +
            (t->hashed ? "(id, text, hash) VALUES(?, ?, ?)" : "(id, text) VALUES(?, ?)");
        const QByteArray byId = "SELECT text FROM " + name + " WHERE id=?";
        t->lookup = SqliteStatement(m_reader, lookup.constData());
        t->add = SqliteStatement(m_db, add.constData());
        t->byId = SqliteStatement(m_db, byId.constData());
        valid = valid && t->lookup.isValid() && t->add.isValid() && t->byId.isValid();
    }
    m_lookupJob = SqliteStatement(m_reader, "SELECT id, provider, repo, run_id, job_id, job_name, "
                                            "job_url FROM job WHERE hash=?");
    m_addJob = SqliteStatement(m_db, "INSERT INTO job(id, hash, provider, repo, run_id, job_id, "
                                     "job_name, job_url) VALUES(?,?,?,?,?,?,?,?)");
    m_jobById = SqliteStatement(m_db, "SELECT provider, repo, run_id, job_id, job_name, job_url "
                                      "FROM job WHERE id=?");
    m_addImage = SqliteStatement(m_db, "INSERT INTO image(id, ref, registry) VALUES(?, ?, ?)");
    m_updateImage = SqliteStatement(m_db, "UPDATE image SET first_ts=?, last_ts=?, events=? "
                                          "WHERE id=?");
    valid = valid && m_lookupJob.isValid() && m_addJob.isValid() && m_jobById.isValid() &&
            m_addImage.isValid() && m_updateImage.isValid();
    if (!valid)
        return sqlError(m_db, QStringLiteral("cannot prepare statements"));
    reset();
    return {};
}

void SqliteDimensions::reset()
{
    for (TextTable *t : {&m_registries, &m_digests, &m_rules, &m_messages}) {
        t->ids.clear();
        t->texts.clear();
        t->nextId = maxId(t->name) + 1;
    }
    m_jobIds.clear();
    m_jobs.clear();
    m_lastJobId = 0;
    m_unwritten = {};
    m_nextJobId = maxId("job") + 1;

    m_imageIds.clear();
    m_images.clear();
    m_nextImageId = maxId("image") + 1;
    SqliteStatement q(m_db, "SELECT image.id, ref, registry.text, grp, label, first_ts, last_ts, "
                            "events, registry.id FROM image JOIN registry "
                            "ON registry.id = image.registry");
    while (q.step() == SQLITE_ROW) {
        const ImageInfo info{int(q.int64(0)), q.text(1),  q.text(2),  q.text(3),
                             q.text(4),       q.int64(5), q.int64(6), q.int64(7)};
        m_imageIds.insert(info.image, info.id);
        m_registries.ids.insert(info.registry, int(q.int64(8)));
        m_images.insert(info.id, info);
    }
}

void SqliteDimensions::trimCaches()
{
    constexpr qsizetype MaxCached = 65536;
    for (TextTable *t : {&m_digests, &m_rules, &m_messages}) {
        if (t->ids.size() > MaxCached || t->texts.size() > MaxCached) {
            t->ids.clear();
            t->texts.clear();
        }
    }
    if (m_jobIds.size() > MaxCached || m_jobs.size() > MaxCached) {
        m_jobIds.clear();
        m_jobs.clear();
    }
}

Result<int> SqliteDimensions::intern(TextTable &t, const QString &text)
{
    if (text.isEmpty())
        return 0;
    if (const auto it = t.ids.constFind(text); it != t.ids.constEnd())
        return *it;
    const QByteArray utf8 = text.toUtf8();
    if (t.hashed)
        t.lookup.bind(1, qint64(stableHash(utf8)));
    else
        t.lookup.bindText(1, utf8);
    int id = 0;
    int rc;
    while ((rc = t.lookup.step()) == SQLITE_ROW) {
        if (t.lookup.text(1) == text) {
            id = int(t.lookup.int64(0));
            break;
        }
    }
    t.lookup.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sqlError(m_reader, QStringLiteral("cannot read %1").arg(QLatin1StringView(t.name)));
    if (id == 0) {
        id = t.nextId++;
        m_unwritten.texts.push_back({&t, id, text});
    }
    t.ids.insert(text, id);
    return id;
}

Result<int> SqliteDimensions::image(const QString &ref, const QString &registry)
{
    if (const auto it = m_imageIds.constFind(ref); it != m_imageIds.constEnd())
        return *it;
    if (ref.isEmpty())
        return Error{m_path + QStringLiteral(": an event without an image reference")};
    if (registry.isEmpty())
        return Error{m_path + QStringLiteral(": image %1 without a registry").arg(ref)};
    const Result<int> registryId = intern(m_registries, registry);
    if (!registryId)
        return registryId;
    const int id = m_nextImageId++;
    m_unwritten.images.push_back({id, ref, *registryId});
    m_imageIds.insert(ref, id);
    m_images.insert(id, ImageInfo{id, ref, registry, {}, {}, 0, 0, 0});
    return id;
}

Result<int> SqliteDimensions::job(const CiContext &ci)
{
    if (ci.isEmpty())
        return 0;
    if (m_lastJobId && ci == m_lastJob)
        return m_lastJobId;
    const QString key = jobKey(ci);
    if (const auto it = m_jobIds.constFind(key); it != m_jobIds.constEnd()) {
        m_lastJob = ci;
        m_lastJobId = *it;
        return *it;
    }
    const qint64 hash = qint64(stableHash(key.toUtf8()));
    m_lookupJob.bind(1, hash);
    int id = 0;
    while (m_lookupJob.step() == SQLITE_ROW) {
        const CiContext found{m_lookupJob.text(1), m_lookupJob.text(2), m_lookupJob.text(3),
                              m_lookupJob.text(4), m_lookupJob.text(5), m_lookupJob.text(6)};
        if (found == ci) {
            id = int(m_lookupJob.int64(0));
            break;
        }
    }
    m_lookupJob.reset();
    if (id == 0) {
        id = m_nextJobId++;
        m_unwritten.jobs.push_back({id, hash, ci});
        m_jobs.insert(id, ci);
    }
    m_jobIds.insert(key, id);
    m_lastJob = ci;
    m_lastJobId = id;
    return id;
}

SqliteDimensions::Unwritten SqliteDimensions::takeUnwritten()
{
    return std::exchange(m_unwritten, Unwritten{});
}

Status SqliteDimensions::flush()
{
    return write(takeUnwritten());
}

Status SqliteDimensions::write(const Unwritten &rows)
{
    for (const Unwritten::Text &row : rows.texts) {
        const QByteArray utf8 = row.text.toUtf8();
        SqliteStatement &add = row.table->add;
        add.bind(1, row.id);
        add.bindText(2, utf8);
        if (row.table->hashed)
            add.bind(3, qint64(stableHash(utf8)));
        if (add.exec() != SQLITE_DONE)
            return sqlError(
                m_db, QStringLiteral("cannot store %1").arg(QLatin1StringView(row.table->name)));
    }
    for (const auto &[id, hash, ci] : rows.jobs) {
        m_addJob.bind(1, id);
        m_addJob.bind(2, hash);
        m_addJob.bindText(3, ci.provider);
        m_addJob.bindText(4, ci.repo);
        m_addJob.bindText(5, ci.runId);
        m_addJob.bindText(6, ci.jobId);
        m_addJob.bindText(7, ci.jobName);
        m_addJob.bindText(8, ci.jobUrl);
        if (m_addJob.exec() != SQLITE_DONE)
            return sqlError(m_db, QStringLiteral("cannot store CI job"));
    }
    for (const Unwritten::Image &image : rows.images) {
        m_addImage.bind(1, image.id);
        m_addImage.bindText(2, image.ref);
        m_addImage.bind(3, image.registryId);
        if (m_addImage.exec() != SQLITE_DONE)
            return sqlError(m_db, QStringLiteral("cannot store image %1").arg(image.ref));
    }
    return {};
}

Status SqliteDimensions::setImageInfo(const QString &ref, const QString &group,
                                      const QString &label)
{
    if (!m_imageIds.contains(ref)) {
        const qsizetype slash = ref.indexOf(QLatin1Char('/'));
        const Result<int> id =
            image(ref, slash > 0 ? ref.left(slash) : QStringLiteral("docker.io"));
        if (!id)
            return Error{id.error()};
        if (Status s = flush(); !s)
            return s;
    }
    const int id = m_imageIds.value(ref);
    SqliteStatement q(m_db, "UPDATE image SET grp=?, label=? WHERE id=?");
    q.bindText(1, group);
    q.bindText(2, label);
    q.bind(3, id);
    if (q.exec() != SQLITE_DONE)
        return sqlError(m_db, QStringLiteral("cannot update image %1").arg(ref));
    m_images[id].group = group;
    m_images[id].label = label;
    return {};
}

Status SqliteDimensions::storeImageCounts(const ImageInfo &info)
{
    m_updateImage.bind(1, info.firstTs);
    m_updateImage.bind(2, info.lastTs);
    m_updateImage.bind(3, info.events);
    m_updateImage.bind(4, info.id);
    if (m_updateImage.exec() != SQLITE_DONE)
        return sqlError(m_db, QStringLiteral("cannot update image %1").arg(info.image));
    return {};
}

QString SqliteDimensions::textOf(TextTable &t, qint64 id) const
{
    if (const auto it = t.texts.constFind(int(id)); it != t.texts.constEnd())
        return *it;
    t.byId.bind(1, id);
    const QString text = t.byId.step() == SQLITE_ROW ? t.byId.text(0) : QString();
    t.byId.reset();
    t.texts.insert(int(id), text);
    return text;
}

CiContext SqliteDimensions::jobOf(qint64 id) const
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

} // namespace pw
