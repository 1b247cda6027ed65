#include "history/sqlite/SqliteEventReader.h"

#include "history/sqlite/SqliteSchema.h"
#include "Varint.h"

namespace pw {

using sqliteschema::decodeKind;
using sqliteschema::idOf;
using sqliteschema::tsOf;

namespace {
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

SqliteEventReader::SqliteEventReader(sqlite3 *db, QString path, const SqliteDimensions &dimensions)
    : m_db(db), m_path(std::move(path)), m_dimensions(dimensions)
{}

Error SqliteEventReader::sqlError(const QString &what) const
{
    return sqliteError(m_db, m_path, what);
}

QString SqliteEventReader::imageFilterSql(const EventFilter &filter, bool *none) const
{
    *none = false;
    if (filter.images.isEmpty() && filter.registries.isEmpty() && filter.groups.isEmpty())
        return {};
    const QList<int> ids = selectImages(m_dimensions.images().values(), filter);
    *none = ids.isEmpty();
    if (ids.size() == m_dimensions.images().size())
        return {}; // every image: a test per row that never fails
    return QStringLiteral(" AND image IN (%1)").arg(joinIds(ids));
}

bool SqliteEventReader::eventFilterSql(const EventFilter &filter, QString *sql) const
{
    bool none = false;
    *sql = imageFilterSql(filter, &none);
    if (none)
        return false;
    if (filter.source)
        *sql += QStringLiteral(" AND (kind & %1)=%2")
                    .arg(sqliteschema::CiBit)
                    .arg(*filter.source == Source::Ci ? sqliteschema::CiBit : 0);
    if (filter.ok)
        *sql += QStringLiteral(" AND (kind & %1)%2")
                    .arg(sqliteschema::CategoryMask)
                    .arg(*filter.ok ? QLatin1StringView("=0") : QLatin1StringView("<>0"));
    if (filter.category)
        *sql += QStringLiteral(" AND (kind & %1)=%2")
                    .arg(sqliteschema::CategoryMask)
                    .arg(int(*filter.category));
    return true;
}

Status SqliteEventReader::prepareEventScan(const char *columns, const EventFilter &filter,
                                           const TimeRange &range, SqliteStatement &q) const
{
    QString where;
    if (!eventFilterSql(filter, &where) || range.isEmpty())
        return {}; // q stays invalid: nothing to read
    const QString sql = QStringLiteral("SELECT %1 FROM event WHERE id>=?1 AND id<?2")
                            .arg(QLatin1StringView(columns)) +
                        where + QStringLiteral(" ORDER BY id");
    q = SqliteStatement(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read events"));
    q.bind(1, idOf(range.from));
    q.bind(2, idOf(range.to));
    return {};
}

Status SqliteEventReader::scanOutcomes(const EventFilter &filter, const TimeRange &range,
                                       const std::function<void(const Outcome &)> &visit) const
{
    SqliteStatement q;
    if (Status s = prepareEventScan("id, image, kind, latency", filter, range, q); !s)
        return s;
    if (!q.isValid())
        return {};
    Outcome o;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        const qint64 kind = q.int64(2);
        o.ts = tsOf(q.int64(0));
        o.imageId = int(q.int64(1));
        o.source = (kind & sqliteschema::CiBit) ? Source::Ci : Source::Probe;
        o.category = Category(kind & sqliteschema::CategoryMask);
        o.cold = (kind & sqliteschema::ColdBit) != 0;
        o.latencyMs = q.isNull(3) ? -1 : q.int64(3);
        visit(o);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read events"));
    return {};
}

Status SqliteEventReader::scanEvents(const EventFilter &filter, const TimeRange &range,
                                     const std::function<bool(const PullEvent &)> &visit) const
{
    SqliteStatement q;
    if (Status s = prepareEventScan(sqliteschema::EventColumns, filter, range, q); !s)
        return s;
    if (!q.isValid())
        return {};
    PullEvent e;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        decode(q, e);
        if (!visit(e))
            return {};
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read events"));
    return {};
}

void SqliteEventReader::decode(const SqliteStatement &q, PullEvent &e) const
{
    e.ts = tsOf(q.int64(0));
    const QHash<int, ImageInfo> &images = m_dimensions.images();
    const auto image = images.constFind(int(q.int64(1)));
    if (image != images.constEnd()) {
        e.image = image->image;
        e.registry = image->registry;
    }
    decodeKind(q.int64(2), e);
    e.latencyMs = q.isNull(3) ? -1 : q.int64(3);
    e.bytes = q.int64(4);
    e.digest = q.isNull(5) ? QString() : m_dimensions.digestText(q.int64(5));
    e.rule = q.isNull(6) ? QString() : m_dimensions.ruleText(q.int64(6));
    e.message = q.isNull(7) ? QString() : m_dimensions.messageText(q.int64(7));
    e.ci = q.isNull(8) ? CiContext() : m_dimensions.jobOf(q.int64(8));
    e.ciLine = int(q.int64(9));
}

Result<QList<StoredEvent>> SqliteEventReader::eventPage(const EventPageQuery &query) const
{
    QList<StoredEvent> page;
    QString where;
    if (!eventFilterSql(query.filter, &where) || query.range.isEmpty() || query.limit <= 0)
        return page;
    if (query.beforeId > 0)
        where += QStringLiteral(" AND id<?3");
    if (query.afterId > 0)
        where += QStringLiteral(" AND id>?5");
    if (!query.search.isEmpty())
        where += QStringLiteral(
            " AND (message IN (SELECT id FROM message WHERE text LIKE ?4 ESCAPE '\\')"
            " OR image IN (SELECT id FROM image WHERE ref LIKE ?4 ESCAPE '\\'))");
    const QString sql =
        QStringLiteral("SELECT %1 FROM event WHERE id>=?1 AND id<?2")
            .arg(QLatin1StringView(sqliteschema::EventColumns)) +
        where +
        QStringLiteral(" ORDER BY id %1 LIMIT %2")
            .arg(query.oldestFirst ? QLatin1StringView("ASC") : QLatin1StringView("DESC"))
            .arg(query.limit);
    SqliteStatement q(m_db, sql.toUtf8().constData());
    if (!q.isValid())
        return sqlError(QStringLiteral("cannot read events"));
    q.bind(1, idOf(query.range.from));
    q.bind(2, idOf(query.range.to));
    if (query.beforeId > 0)
        q.bind(3, query.beforeId);
    if (query.afterId > 0)
        q.bind(5, query.afterId);
    if (!query.search.isEmpty()) {
        QString pattern = query.search;
        pattern.replace(u'\\', QStringLiteral("\\\\"))
            .replace(u'%', QStringLiteral("\\%"))
            .replace(u'_', QStringLiteral("\\_"));
        q.bindText(4, QString(u'%' + pattern + u'%'));
    }
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        StoredEvent stored;
        stored.id = q.int64(0);
        decode(q, stored.event);
        page.append(std::move(stored));
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read events"));
    return page;
}

Status SqliteEventReader::scanRollups(Granularity granularity, const EventFilter &filter,
                                      const TimeRange &range,
                                      const std::function<void(const RollupRow &)> &visit,
                                      bool latencies) const
{
    bool none = false;
    QString sql = QStringLiteral("SELECT image, source, bucket, total, ok, failures, %1 "
                                 "FROM %2 WHERE bucket>=?1 AND bucket<?2")
                      .arg(latencies ? QLatin1StringView("latency, cold_latency")
                                     : QLatin1StringView("NULL, NULL"),
                           granularity == Granularity::Hour ? QLatin1StringView("rollup_hour")
                                                            : QLatin1StringView("rollup_day")) +
                  imageFilterSql(filter, &none);
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
        if (latencies) {
            row.latency = LatencyHistogram::decode(q.blobData(6), q.blobSize(6));
            row.coldLatency = LatencyHistogram::decode(q.blobData(7), q.blobSize(7));
        }
        visit(row);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("cannot read rollups"));
    return {};
}

} // namespace pw
