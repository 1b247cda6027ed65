#include "items/OverviewModel.h"

#include <QCoreApplication>
#include <QSet>

namespace pw {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("OverviewModel", text);
}
} // namespace

QString formatPercent(double pct)
{
    if (pct < 0)
        return QStringLiteral("—");
    // Two decimals where they matter (99.97 %), fewer where they do not (40 %).
    const int decimals = pct >= 99 && pct < 100 ? 2 : pct == 100 || pct == 0 ? 0 : 1;
    return QStringLiteral("%1 %").arg(pct, 0, 'f', decimals);
}

QString formatLatency(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("—");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', ms < 10'000 ? 2 : 1);
}

QString formatAge(qint64 ageMs)
{
    const qint64 s = std::max<qint64>(0, ageMs / 1000);
    if (s < 60)
        return tr("%1 s ago").arg(s);
    if (s < 3600)
        return tr("%1 min ago").arg(s / 60);
    if (s < 2 * 86400)
        return tr("%1 h ago").arg(s / 3600);
    return tr("%1 d ago").arg(s / 86400);
}

OverviewModel::OverviewModel(QObject *parent) : QAbstractTableModel(parent) {}

int OverviewModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int OverviewModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void OverviewModel::setRows(const QList<OverviewRow> &rows, qint64 nowMs)
{
    m_nowMs = nowMs;
    // Sorted merge by position in the new order, keyed by image id: rows that went away are
    // removed, new ones inserted where they belong, the rest updated in place.
    QSet<int> incoming;
    for (const OverviewRow &row : rows)
        incoming.insert(row.imageId);
    for (int i = static_cast<int>(m_rows.size()) - 1; i >= 0; --i) {
        if (!incoming.contains(m_rows[i].imageId)) {
            beginRemoveRows({}, i, i);
            m_rows.removeAt(i);
            endRemoveRows();
        }
    }
    for (int i = 0; i < rows.size(); ++i) {
        const OverviewRow &row = rows[i];
        const auto at = std::find_if(m_rows.cbegin() + i, m_rows.cend(), [&](const OverviewRow &r) {
            return r.imageId == row.imageId;
        });
        const int found = static_cast<int>(at - m_rows.cbegin());
        if (at == m_rows.cend()) {
            beginInsertRows({}, i, i);
            m_rows.insert(i, row);
            endInsertRows();
            continue;
        }
        if (found != i) {
            beginMoveRows({}, found, found, {}, i);
            m_rows.move(found, i);
            endMoveRows();
        }
        m_rows[i] = row;
    }
    // Ages move with the clock even when nothing else changed.
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QVariant OverviewModel::raw(const OverviewRow &row, int column) const
{
    switch (column) {
    case ImageColumn:
        return row.image;
    case GroupColumn:
        return row.group;
    case StatusColumn:
        return static_cast<int>(row.statusNow);
    case HeartbeatColumn: {
        QList<int> states;
        for (const BucketState state : row.heartbeat)
            states.append(static_cast<int>(state));
        return QVariant::fromValue(states);
    }
    case Availability24hColumn:
        return row.availability24h;
    case Availability7dColumn:
        return row.availability7d;
    case Availability30dColumn:
        return row.availability30d;
    case LatencyP95Column:
        return row.latencyP95Ms;
    case DigestColumn:
        return row.digest;
    case LastFailureColumn:
        return row.lastFailureTs;
    }
    return {};
}

QVariant OverviewModel::display(const OverviewRow &row, int column) const
{
    switch (column) {
    case ImageColumn:
        return row.label.isEmpty() ? row.image
                                   : QString(row.image + QStringLiteral(" (") + row.label + u')');
    case GroupColumn:
        return row.group;
    case StatusColumn:
        return bucketStateTitle(row.statusNow);
    case HeartbeatColumn:
        return {}; // painted by a delegate
    case Availability24hColumn:
        return formatPercent(row.availability24h);
    case Availability7dColumn:
        return formatPercent(row.availability7d);
    case Availability30dColumn:
        return formatPercent(row.availability30d);
    case LatencyP95Column:
        return formatLatency(row.latencyP95Ms);
    case DigestColumn:
        if (row.digest.isEmpty())
            return QStringLiteral("—");
        // "sha256:" + 12 hex, as docker shortens ids; a change in the last day is flagged.
        return QString(row.digest.mid(7, 12) + (row.digestChanged ? tr(" (changed)") : QString()));
    case LastFailureColumn:
        if (row.lastFailureTs < 0)
            return tr("none in 30 d");
        return QString(categoryTitle(row.lastFailure) + QStringLiteral(", ") +
                       formatAge(m_nowMs - row.lastFailureTs));
    }
    return {};
}

QVariant OverviewModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const OverviewRow &row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case RawRole:
        return raw(row, index.column());
    case StateRole:
        return static_cast<int>(row.statusNow);
    case HeartbeatRole:
        return raw(row, HeartbeatColumn);
    case ImageIdRole:
        return row.imageId;
    case Qt::ToolTipRole:
        if (index.column() == DigestColumn)
            return row.digest;
        if (index.column() == ImageColumn)
            return row.registry;
        return {};
    case Qt::TextAlignmentRole:
        return index.column() >= Availability24hColumn && index.column() <= LatencyP95Column
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant();
    }
    return {};
}

QVariant OverviewModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ImageColumn:
        return tr("Image");
    case GroupColumn:
        return tr("Group");
    case StatusColumn:
        return tr("Status");
    case HeartbeatColumn:
        return tr("Last 48 h");
    case Availability24hColumn:
        return tr("24 h");
    case Availability7dColumn:
        return tr("7 d");
    case Availability30dColumn:
        return tr("30 d");
    case LatencyP95Column:
        return tr("p95 (24 h)");
    case DigestColumn:
        return tr("Digest");
    case LastFailureColumn:
        return tr("Last failure");
    }
    return {};
}

} // namespace pw
