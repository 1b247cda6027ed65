#include "items/DashboardState.h"

#include "analysis/Aggregator.h"

#include <QCoreApplication>

namespace pw {

namespace {
constexpr qint64 MinuteMs = 60 * 1000;
constexpr qint64 HourMs = 60 * MinuteMs;
constexpr qint64 DayMs = 24 * HourMs;

} // namespace

DashboardState::DashboardState(QObject *parent) : QObject(parent) {}

qint64 DashboardState::presetLengthMs(Preset preset)
{
    switch (preset) {
    case Preset::Hour:
        return HourMs;
    case Preset::Day:
        return DayMs;
    case Preset::Week:
        return 7 * DayMs;
    case Preset::Month:
        return 30 * DayMs;
    case Preset::Quarter:
        return 90 * DayMs;
    case Preset::Custom:
        break;
    }
    return 0;
}

QString DashboardState::presetTitle(Preset preset)
{
    const auto tr = [](const char *text) {
        return QCoreApplication::translate("DashboardState", text);
    };
    switch (preset) {
    case Preset::Hour:
        return tr("1 h");
    case Preset::Day:
        return tr("24 h");
    case Preset::Week:
        return tr("7 d");
    case Preset::Month:
        return tr("30 d");
    case Preset::Quarter:
        return tr("90 d");
    case Preset::Custom:
        break;
    }
    return tr("Custom");
}

TimeRange DashboardState::range(qint64 nowMs) const
{
    if (m_preset == Preset::Custom)
        return m_custom;
    return {nowMs - presetLengthMs(m_preset), nowMs + 1};
}

qint64 DashboardState::bucketMs(qint64 nowMs) const
{
    // At most a few hundred buckets per range: charts stay readable and queries cheap.
    const qint64 length = range(nowMs).length();
    if (length <= 2 * HourMs)
        return MinuteMs;
    if (length <= 2 * DayMs)
        return 15 * MinuteMs;
    if (length <= 31 * DayMs)
        return HourMs;
    // Whole days, as many per bucket as keep a range of years within MaxChartBuckets.
    return DayMs * std::max<qint64>(1, (length / DayMs + MaxChartBuckets - 1) / MaxChartBuckets);
}

qint64 DashboardState::bucketMs(qint64 nowMs, int maxBuckets) const
{
    const qint64 length = range(nowMs).length();
    const qint64 finest = bucketMs(nowMs);
    for (const qint64 step : {MinuteMs, 5 * MinuteMs, 15 * MinuteMs, HourMs, 3 * HourMs, 6 * HourMs,
                              12 * HourMs, DayMs, 7 * DayMs}) {
        if (step >= finest && length <= step * std::max(1, maxBuckets))
            return step;
    }
    const qint64 weeks = length / (7 * DayMs) / std::max(1, maxBuckets) + 1;
    return std::max(finest, 7 * DayMs * weeks);
}

void DashboardState::setPreset(Preset preset)
{
    if (preset == Preset::Custom || preset == m_preset)
        return;
    m_preset = preset;
    emit changed();
}

void DashboardState::setCustomRange(const TimeRange &range)
{
    if (range.isEmpty() || (m_preset == Preset::Custom && range == m_custom))
        return;
    m_preset = Preset::Custom;
    m_custom = range;
    emit changed();
}

void DashboardState::setFilter(const EventFilter &filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    emit changed();
}

} // namespace pw
