#pragma once

#include "analysis/Timeline.h"

#include <QAbstractTableModel>

namespace pw {

// The Timeline page's grid: one row per image, one column per bucket (TestGrid-style). Cells
// carry their state and numbers through roles; the tooltip says them in words. A refresh over
// the same images and buckets only changes data, so selection and scroll survive it.
class TimelineModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role
    {
        StateRole = Qt::UserRole + 1, // BucketState as int
        AvailabilityRole,             // percent, -1 without data
        TotalRole,                    // pulls in the bucket
        BucketStartRole,              // epoch ms (also on the horizontal header)
        ImageIdRole,                  // also on the vertical header
        ImageRole,                    // canonical reference
    };

    explicit TimelineModel(QObject *parent = nullptr);

    void setTimeline(const TimelineData &data);
    const TimelineData &timeline() const { return m_data; }
    // The row of an image id, -1 when absent.
    int rowOf(int imageId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString toolTip(const TimelineRow &row, int bucket) const;

    TimelineData m_data;
};

} // namespace pw
