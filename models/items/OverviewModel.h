#pragma once

#include "analysis/Overview.h"

#include <QAbstractTableModel>

namespace pw {

// The Overview page's table: one row per image (OverviewRow). Display strings are made in
// data(); raw values come through RawRole for sorting and painting. setRows() merges a new
// snapshot into the current one by image, so selection and scroll survive a refresh.
class OverviewModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        ImageColumn,
        GroupColumn,
        StatusColumn,
        HeartbeatColumn,
        Availability24hColumn,
        Availability7dColumn,
        Availability30dColumn,
        LatencyP95Column,
        DigestColumn,
        LastFailureColumn,
        ColumnCount
    };
    enum Role
    {
        RawRole = Qt::UserRole + 1, // the unformatted value (number, enum as int, list of states)
        StateRole,                  // StatusColumn: BucketState as int
        HeartbeatRole,              // HeartbeatColumn: QList<int> of BucketState, oldest first
        ImageIdRole,
    };

    explicit OverviewModel(QObject *parent = nullptr);

    // The time the rows were computed for; ages ("3 h ago") are relative to it.
    void setRows(const QList<OverviewRow> &rows, qint64 nowMs);
    const QList<OverviewRow> &rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const OverviewRow &row, int column) const;
    QVariant raw(const OverviewRow &row, int column) const;

    QList<OverviewRow> m_rows;
    qint64 m_nowMs = 0;
};

// "99.97 %", "—" for no data.
QString formatPercent(double pct);
// "420 ms", "38.2 s", "—".
QString formatLatency(qint64 ms);
// "12 s", "5 min", "3 h", "2 d" ago.
QString formatAge(qint64 ageMs);

} // namespace pw
