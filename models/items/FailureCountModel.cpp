#include "items/FailureCountModel.h"

#include "items/OverviewModel.h"

#include <QCoreApplication>

namespace pw {

FailureCountModel::FailureCountModel(QString dimension, QObject *parent)
    : QAbstractTableModel(parent), m_dimension(std::move(dimension))
{}

void FailureCountModel::setCounts(const QList<FailureCount> &counts)
{
    if (counts == m_counts)
        return;
    beginResetModel();
    m_counts = counts;
    endResetModel();
}

int FailureCountModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_counts.size());
}

int FailureCountModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FailureCountModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FailureCount &count = m_counts[index.row()];
    if (role == CategoryRole)
        return static_cast<int>(count.category);
    if (role == RawRole) {
        switch (index.column()) {
        case NameColumn:
            return count.key;
        case FailuresColumn:
            return count.failures;
        case ShareColumn:
            return count.sharePct;
        }
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return count.category != Category::None ? categoryTitle(count.category) : count.key;
        case FailuresColumn:
            return QString::number(count.failures);
        case ShareColumn:
            return formatPercent(count.sharePct);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != NameColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant FailureCountModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return m_dimension;
    case FailuresColumn:
        return QCoreApplication::translate("FailureCountModel", "Failures");
    case ShareColumn:
        return QCoreApplication::translate("FailureCountModel", "Share");
    }
    return {};
}

} // namespace pw
