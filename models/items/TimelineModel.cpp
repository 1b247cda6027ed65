#include "items/TimelineModel.h"

#include "items/OverviewModel.h"
#include "TimeFormat.h"

namespace pw {

TimelineModel::TimelineModel(QObject *parent) : QAbstractTableModel(parent) {}

void TimelineModel::setTimeline(const TimelineData &data)
{
    const auto ids = [](const TimelineData &d) {
        QList<int> list;
        for (const TimelineRow &row : d.rows)
            list.append(row.imageId);
        return list;
    };
    if (ids(data) != ids(m_data)) {
        beginResetModel();
        m_data = data;
        endResetModel();
        return;
    }
    // The same images: columns added or removed at the end, then every cell may change.
    const int before = m_data.bucketCount;
    const int after = data.bucketCount;
    if (after < before) {
        beginRemoveColumns({}, after, before - 1);
        m_data.bucketCount = after;
        endRemoveColumns();
    }
    if (after > before)
        beginInsertColumns({}, before, after - 1);
    m_data = data;
    if (after > before)
        endInsertColumns();
    if (!m_data.rows.isEmpty() && after > 0) {
        emit dataChanged(index(0, 0), index(rowCount() - 1, after - 1));
        emit headerDataChanged(Qt::Horizontal, 0, after - 1);
    }
}

int TimelineModel::rowOf(int imageId) const
{
    for (qsizetype i = 0; i < m_data.rows.size(); ++i) {
        if (m_data.rows[i].imageId == imageId)
            return int(i);
    }
    return -1;
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_data.rows.size());
}

int TimelineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_data.bucketCount;
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TimelineRow &row = m_data.rows[index.row()];
    if (index.column() >= row.buckets.size())
        return {};
    const BucketStats &bucket = row.buckets[index.column()];
    switch (role) {
    case Qt::AccessibleTextRole:
        return bucketStateTitle(bucket.state());
    case Qt::ToolTipRole:
        return toolTip(row, index.column());
    case StateRole:
        return int(bucket.state());
    case AvailabilityRole:
        return bucket.total ? bucket.availabilityPct() : -1.0;
    case TotalRole:
        return bucket.total;
    case BucketStartRole:
        return bucket.bucketStart;
    case ImageIdRole:
        return row.imageId;
    case ImageRole:
        return row.image;
    default:
        return {};
    }
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= m_data.bucketCount)
            return {};
        const qint64 start = m_data.firstBucket + section * m_data.bucketMs;
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return timeformat::toMinute(start);
        if (role == BucketStartRole)
            return start;
        return {};
    }
    if (section < 0 || section >= m_data.rows.size())
        return {};
    const TimelineRow &row = m_data.rows[section];
    switch (role) {
    case Qt::DisplayRole:
        // "group · label" names a compared side briefly; the reference is the tooltip.
        return row.group.isEmpty() ? row.image
                                   : row.group + QStringLiteral(" · ") +
                                         (row.label.isEmpty() ? row.image : row.label);
    case Qt::ToolTipRole:
    case ImageRole:
        return row.image;
    case ImageIdRole:
        return row.imageId;
    default:
        return {};
    }
}

QString TimelineModel::toolTip(const TimelineRow &row, int bucket) const
{
    const BucketStats &b = row.buckets[bucket];
    QStringList lines{row.image, tr("%1 – %2 UTC")
                                     .arg(timeformat::toMinute(b.bucketStart),
                                          timeformat::toMinute(b.bucketEnd))};
    if (b.total == 0) {
        lines << tr("No pulls recorded");
        return lines.join(u'\n');
    }
    lines << tr("%1: %2 of %3 pulls ok (%4)")
                 .arg(bucketStateTitle(b.state()))
                 .arg(b.ok)
                 .arg(b.total)
                 .arg(formatPercent(b.availabilityPct()));
    const BucketStats &probes = row.probes[bucket];
    if (probes.latency.count() > 0)
        lines << tr("Probe latency p50 %1, p95 %2")
                     .arg(formatLatency(probes.latency.percentile(50)),
                          formatLatency(probes.latency.percentile(95)));
    for (const Category category : FailureCategories) {
        if (const qint64 n = b.failures[int(category)])
            lines << tr("%1: %2 failed").arg(categoryTitle(category)).arg(n);
    }
    if (const qint64 ci = row.ciFailures[bucket])
        lines << tr("of which %1 in CI logs").arg(ci);
    for (const DigestChange &change : row.digests) {
        if (change.ts >= b.bucketStart && change.ts < b.bucketEnd)
            lines << tr("Digest changed to %1 at %2")
                         .arg(change.digest.mid(7, 12), timeformat::toMinute(change.ts));
    }
    lines << tr("Click for this bucket's events");
    return lines.join(u'\n');
}

} // namespace pw
