#pragma once

#include "analysis/Aggregator.h"

#include <QAbstractTableModel>

namespace pw {

// The Compare page's table: each image of a group side by side (grouped first), with the
// figures of `export --report compare` for the same range, formatted as it formats them.
class CompareModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        GroupColumn,
        LabelColumn,
        ImageColumn,
        PullsColumn,
        AvailabilityColumn,
        P50Column,
        P95Column,
        IncidentsColumn,
        MttrColumn,
        TopFailureColumn,
        ColdP50Column,
        WarmP50Column,
        ColumnCount
    };
    enum Role
    {
        RawRole = Qt::UserRole + 1,
    };

    explicit CompareModel(QObject *parent = nullptr);

    void setRows(const QList<CompareRow> &rows);
    const QList<CompareRow> &rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<CompareRow> m_rows;
};

// One sentence per group a maintainer can paste into an issue: "self-hosted: 99.97 %
// available, p95 0.4 s; nixery: 97.10 %, p95 38.0 s, 61 % of its failures are timeouts, cold
// pulls p50 31.2 s vs 1.2 s warm." Rows of one group, in the model's order.
QString compareVerdict(const QList<CompareRow> &groupRows);

} // namespace pw
