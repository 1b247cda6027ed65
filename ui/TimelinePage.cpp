#include "TimelinePage.h"

#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "TimeFormat.h"
#include "TimelineGrid.h"
#include "items/TimelineModel.h"
#include "charts/LatencyTimeChart.h"

#include <QDateTime>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace pw {

TimelinePage::TimelinePage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data), m_model(new TimelineModel(this)),
      m_summary(new QLabel(this)), m_grid(new TimelineGrid(this)),
      m_chart(new LatencyTimeChart(this))
{
    m_summary->setTextFormat(Qt::PlainText);
    m_grid->setModel(m_model);
    m_chart->setMinimumHeight(260);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_grid);
    layout->addWidget(new TimelineLegend(this));
    layout->addWidget(m_chart, 1);

    connect(m_grid->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    showChartFor(current.row());
            });
    connect(m_grid, &TimelineGrid::bucketActivated, this, [this](const QModelIndex &index) {
        const TimelineRow &row = m_model->timeline().rows[index.row()];
        const BucketStats &bucket = row.buckets[index.column()];
        EventFilter filter = m_state ? m_state->filter() : EventFilter();
        filter.images = {row.image};
        emit showEvents(filter, {bucket.bucketStart, bucket.bucketEnd});
    });
    const auto zoom = [this](const TimeRange &range) {
        if (m_state)
            m_state->setCustomRange(range);
    };
    connect(m_grid, &TimelineGrid::columnsDragged, this, [this, zoom](int first, int last) {
        const TimelineData &t = m_model->timeline();
        zoom({std::max(t.range.from, t.firstBucket + first * t.bucketMs),
              std::min(t.range.to, t.firstBucket + (last + 1) * t.bucketMs)});
    });
    connect(m_chart, &LatencyTimeChart::rangeSelected, this, zoom);

    if (m_state)
        connect(m_state, &DashboardState::changed, this, &TimelinePage::refresh);
    if (m_data) {
        connect(m_data, &DashboardData::timelineReady, this, &TimelinePage::showTimeline);
        connect(m_data, &DashboardData::historyChanged, this, &TimelinePage::refresh);
        QTimer::singleShot(0, this, &TimelinePage::refresh);
    }
}

void TimelinePage::refresh()
{
    if (!m_data || !m_state)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_data->requestTimeline(m_state->filter(), m_state->range(now), m_state->bucketMs(now));
}

void TimelinePage::showTimeline(const TimelineData &timeline)
{
    const QModelIndex current = m_grid->currentIndex();
    m_model->setTimeline(timeline);
    std::array<qint64, 4> states{}; // buckets per BucketState
    for (const TimelineRow &row : timeline.rows) {
        for (const BucketStats &b : row.buckets)
            ++states[size_t(b.state())];
    }
    m_summary->setText(tr("%1 images from %2 to %3 UTC in buckets of %4: %5 buckets down, %6 "
                          "degraded, %7 without data.")
                           .arg(timeline.rows.size())
                           .arg(timeformat::toMinute(timeline.range.from),
                                timeformat::toMinute(timeline.range.to),
                                timeformat::durationText(timeline.bucketMs))
                           .arg(states[size_t(BucketState::Down)])
                           .arg(states[size_t(BucketState::Degraded)])
                           .arg(states[size_t(BucketState::NoData)]));
    // The chart keeps its image across refreshes; the first row otherwise.
    int row = m_model->rowOf(m_chartImageId);
    if (row < 0)
        row = timeline.rows.isEmpty() ? -1 : 0;
    if (row >= 0 && (!current.isValid() || current.row() != row))
        m_grid->selectionModel()->setCurrentIndex(
            m_model->index(row,
                           std::clamp(current.column(), 0, std::max(0, timeline.bucketCount - 1))),
            QItemSelectionModel::NoUpdate);
    showChartFor(row);
}

void TimelinePage::showChartFor(int row)
{
    const TimelineData &t = m_model->timeline();
    if (row < 0 || row >= t.rows.size()) {
        m_chartImageId = 0;
        m_chart->setRow(TimelineRow(), t.range);
        return;
    }
    m_chartImageId = t.rows[row].imageId;
    m_chart->setRow(t.rows[row], t.range);
}

} // namespace pw
