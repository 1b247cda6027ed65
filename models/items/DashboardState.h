#pragma once

#include "history/HistoryStore.h"

#include <QObject>

namespace pw {

// The time range and filter every page of the dashboard obeys (one object, shared). A preset
// range moves with the clock; a custom one (from a drag-to-zoom, say) stays put.
class DashboardState : public QObject
{
    Q_OBJECT
public:
    enum class Preset
    {
        Hour,
        Day,
        Week,
        Month,
        Quarter,
        Custom,
    };
    Q_ENUM(Preset)

    explicit DashboardState(QObject *parent = nullptr);

    Preset preset() const { return m_preset; }
    // The range as of nowMs: [now - preset, now], or the custom range.
    TimeRange range(qint64 nowMs) const;
    // Buckets for time charts over the range: 1 min up to 1 h ranges … 1 d from 90 d.
    qint64 bucketMs(qint64 nowMs) const;
    // A coarser one where a chart wants at most maxBuckets (stacked areas stay legible):
    // the smallest of 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h, 1 d, 7 d that fits.
    qint64 bucketMs(qint64 nowMs, int maxBuckets) const;
    const EventFilter &filter() const { return m_filter; }

    void setPreset(Preset preset);
    void setCustomRange(const TimeRange &range); // ignored when empty
    void setFilter(const EventFilter &filter);

    static qint64 presetLengthMs(Preset preset);
    // "1 h", "24 h", "7 d", "30 d", "90 d", "Custom".
    static QString presetTitle(Preset preset);

signals:
    void changed();

private:
    Preset m_preset = Preset::Day;
    TimeRange m_custom;
    EventFilter m_filter;
};

} // namespace pw
