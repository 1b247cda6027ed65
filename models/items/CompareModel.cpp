#include "items/CompareModel.h"

#include "items/OverviewModel.h"

#include <QCoreApplication>

namespace pw {

namespace {
QString trc(const char *text)
{
    return QCoreApplication::translate("CompareModel", text);
}

QString seconds(qint64 ms)
{
    return ms < 0 ? QStringLiteral("—")
                  : QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
}
} // namespace

CompareModel::CompareModel(QObject *parent) : QAbstractTableModel(parent) {}

void CompareModel::setRows(const QList<CompareRow> &rows)
{
    // The same images again (a live refresh): new figures, same rows, so selection stays.
    const bool sameImages = std::equal(rows.cbegin(), rows.cend(), m_rows.cbegin(), m_rows.cend(),
                                       [](const CompareRow &a, const CompareRow &b) {
                                           return a.image == b.image && a.group == b.group;
                                       });
    if (!sameImages) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    m_rows = rows;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int CompareModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CompareModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CompareModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CompareRow &row = m_rows[index.row()];
    const BucketStats &s = row.stats;
    if (role == RawRole) { // the numbers of the compare report
        switch (index.column()) {
        case GroupColumn:
            return row.group;
        case LabelColumn:
            return row.label;
        case ImageColumn:
            return row.image;
        case PullsColumn:
            return s.total;
        case AvailabilityColumn:
            return s.availabilityPct();
        case P50Column:
            return s.latency.percentile(50);
        case P95Column:
            return s.latency.percentile(95);
        case IncidentsColumn:
            return row.incidents;
        case MttrColumn:
            return row.mttrS;
        case TopFailureColumn:
            return categoryId(s.topCategory());
        case ColdP50Column:
            return row.coldP50;
        case WarmP50Column:
            return row.warmP50;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() >= PullsColumn &&
        index.column() != TopFailureColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case GroupColumn:
        return row.group;
    case LabelColumn:
        return row.label;
    case ImageColumn:
        return row.image;
    case PullsColumn:
        return QString::number(s.total);
    case AvailabilityColumn:
        // Two decimals, as the report has them.
        return QStringLiteral("%1 %").arg(s.availabilityPct(), 0, 'f', 2);
    case P50Column:
        return formatLatency(s.latency.percentile(50));
    case P95Column:
        return formatLatency(s.latency.percentile(95));
    case IncidentsColumn:
        return QString::number(row.incidents);
    case MttrColumn:
        return row.mttrS < 0 ? QStringLiteral("—")
                             : QStringLiteral("%1 s").arg(row.mttrS, 0, 'f', 1);
    case TopFailureColumn:
        return s.topCategory() == Category::None ? QString() : categoryTitle(s.topCategory());
    case ColdP50Column:
        return formatLatency(row.coldP50);
    case WarmP50Column:
        return formatLatency(row.warmP50);
    }
    return {};
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[ColumnCount] = {
        "Group",       "Label",     "Image",
        "Pulls",       "Available", "p50",
        "p95",         "Incidents", "Mean time to recover",
        "Top failure", "Cold p50",  "Warm p50"};
    return section >= 0 && section < ColumnCount ? trc(titles[section]) : QVariant();
}

QString compareVerdict(const QList<CompareRow> &groupRows)
{
    QStringList parts;
    for (const CompareRow &row : groupRows) {
        const BucketStats &s = row.stats;
        if (s.total == 0)
            continue;
        QString part = QStringLiteral("%1: %2 % available, p95 %3")
                           .arg(row.label.isEmpty() ? row.image : row.label)
                           .arg(s.availabilityPct(), 0, 'f', 2)
                           .arg(seconds(s.latency.percentile(95)));
        if (const Category top = s.topCategory(); top != Category::None) {
            const double share = 100.0 * double(s.failures[static_cast<int>(top)]) /
                                 double(std::max<qint64>(1, s.failed()));
            part += trc(", %1 % of its failures are %2")
                        .arg(share, 0, 'f', 0)
                        .arg(categoryTitle(top).toLower());
        }
        if (row.coldP50 >= 0 && row.warmP50 >= 0)
            part += trc(", cold pulls p50 %1 vs %2 warm")
                        .arg(seconds(row.coldP50), seconds(row.warmP50));
        parts << part;
    }
    return parts.isEmpty() ? QString() : parts.join(QStringLiteral("; ")) + u'.';
}

} // namespace pw
