#pragma once

#include "analysis/Failures.h"

#include <QAbstractTableModel>

namespace pw {

// Failures by one dimension (category, registry or image) as a table the Failures page's charts
// and their accessible table views read: name, failures, share.
class FailureCountModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        NameColumn,
        FailuresColumn,
        ShareColumn,
        ColumnCount
    };
    enum Role
    {
        RawRole = Qt::UserRole + 1, // key (category id, registry, image), count, share
        CategoryRole,               // category rows: Category as int
    };

    explicit FailureCountModel(QString dimension, QObject *parent = nullptr);

    void setCounts(const QList<FailureCount> &counts);
    const QList<FailureCount> &counts() const { return m_counts; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString m_dimension; // header of the name column: "Category", "Registry", "Image"
    QList<FailureCount> m_counts;
};

} // namespace pw
