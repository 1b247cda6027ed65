#include "CompareCharts.h"

#include "ChartTheme.h"
#include "VerdictStyle.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QCoreApplication>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHorizontalStackedBarSeries>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

namespace pw {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("CompareCharts", text);
}

QString sideName(const QString &label, const QString &image)
{
    return label.isEmpty() ? image : label;
}

QList<const TimelineRow *> sidesOf(const ComparisonData &data, const QString &group)
{
    QList<const TimelineRow *> sides;
    for (const TimelineRow &row : data.timeline.rows)
        if (row.group == group)
            sides.append(&row);
    return sides;
}

QDateTimeAxis *timeAxis(QChart *chart, const TimeRange &range)
{
    auto *time = new QDateTimeAxis;
    time->setFormat(range.length() > 3 * 86400'000LL ? QStringLiteral("MMM d")
                                                     : QStringLiteral("HH:mm"));
    time->setTitleText(tr("local time"));
    time->setRange(QDateTime::fromMSecsSinceEpoch(range.from, Qt::UTC),
                   QDateTime::fromMSecsSinceEpoch(range.to, Qt::UTC));
    chart->addAxis(time, Qt::AlignBottom);
    return time;
}

// A side's series: one per run of buckets with data, so a gap in the data is a gap in the line
// (never a straight line across hours nobody pulled); only the first carries the legend entry.
void addRuns(QChart *chart, QAbstractAxis *x, QAbstractAxis *y, const QString &name,
             const QColor &color, const QList<std::pair<qint64, std::optional<qreal>>> &points)
{
    QLineSeries *series = nullptr;
    bool named = false;
    for (const auto &[t, value] : points) {
        if (!value) {
            series = nullptr;
            continue;
        }
        if (!series) {
            series = new QLineSeries;
            series->setName(name);
            series->setPen(QPen(color, 2));
            series->setPointsVisible(true);
            chart->addSeries(series);
            series->attachAxis(x);
            series->attachAxis(y);
            if (named)
                chart->legend()->markers(series).constFirst()->setVisible(false);
            named = true;
        }
        series->append(qreal(t), *value);
    }
}
} // namespace

QColor sideColor(qsizetype side)
{
    static const QColor colors[] = {QColor(0xD9, 0x5F, 0x02), QColor(0x1B, 0x9E, 0x77),
                                    QColor(0x75, 0x70, 0xB3), QColor(0xE7, 0x29, 0x8A)};
    return colors[side % qsizetype(std::size(colors))];
}

void drawAvailabilityOverTime(QChart *chart, const ComparisonData &data, const QString &group)
{
    clearChart(chart);
    chart->setTitle(tr("Availability per bucket of %1 (probes and CI pulls)").arg(group));
    const QList<const TimelineRow *> sides = sidesOf(data, group);
    if (sides.isEmpty() || data.timeline.range.isEmpty())
        return;
    QDateTimeAxis *time = timeAxis(chart, data.timeline.range);
    auto *pct = new QValueAxis;
    pct->setRange(0, 100);
    pct->setLabelFormat(QStringLiteral("%d"));
    pct->setTitleText(tr("% of pulls ok"));
    chart->addAxis(pct, Qt::AlignLeft);
    for (qsizetype s = 0; s < sides.size(); ++s) {
        QList<std::pair<qint64, std::optional<qreal>>> points;
        for (const BucketStats &b : sides[s]->buckets)
            points.append({b.bucketStart + (b.bucketEnd - b.bucketStart) / 2,
                           b.total ? std::optional<qreal>(b.availabilityPct()) : std::nullopt});
        addRuns(chart, time, pct, sideName(sides[s]->label, sides[s]->image), sideColor(s),
                points);
    }
}

void drawCiFailuresOverTime(QChart *chart, const ComparisonData &data, const QString &group)
{
    clearChart(chart);
    chart->setTitle(tr("Failed CI pulls per bucket of %1").arg(group));
    const QList<const TimelineRow *> sides = sidesOf(data, group);
    if (sides.isEmpty() || data.timeline.range.isEmpty())
        return;
    QDateTimeAxis *time = timeAxis(chart, data.timeline.range);
    auto *count = new QValueAxis;
    qint64 most = 1;
    for (const TimelineRow *side : sides)
        for (qint64 n : side->ciFailures)
            most = std::max(most, n);
    count->setRange(0, qreal(std::max<qint64>(most, 4)));
    count->applyNiceNumbers(); // whole, round ticks
    count->setLabelFormat(QStringLiteral("%d"));
    count->setTitleText(tr("failed CI pulls"));
    chart->addAxis(count, Qt::AlignLeft);
    for (qsizetype s = 0; s < sides.size(); ++s) {
        QList<std::pair<qint64, std::optional<qreal>>> points;
        for (qsizetype i = 0; i < sides[s]->buckets.size(); ++i) {
            const BucketStats &b = sides[s]->buckets[i];
            points.append({b.bucketStart + (b.bucketEnd - b.bucketStart) / 2,
                           qreal(sides[s]->ciFailures.value(i))});
        }
        addRuns(chart, time, count, sideName(sides[s]->label, sides[s]->image), sideColor(s),
                points);
    }
}

void drawVerdictMix(QChart *chart, const ComparisonData &data, const QString &group)
{
    clearChart(chart);
    chart->setTitle(tr("Why each side's CI pulls failed (verdicts)"));
    QList<const ImageVerdicts *> sides;
    for (const ImageVerdicts &row : data.verdicts)
        if (row.group == group)
            sides.append(&row);
    if (sides.isEmpty())
        return;
    auto *series = new QHorizontalStackedBarSeries;
    qint64 most = 1;
    for (const ImageVerdicts *side : sides)
        most = std::max(most, side->ciFailures);
    for (Verdict verdict : AllVerdicts) {
        auto *set = new QBarSet(verdictTitle(verdict));
        set->setColor(verdictColor(verdict));
        set->setBorderColor(verdictColor(verdict).darker(140));
        for (const ImageVerdicts *side : sides)
            set->append(qreal(side->verdicts[size_t(verdict)]));
        series->append(set);
    }
    series->setLabelsVisible(true);
    chart->addSeries(series);
    auto *names = new QBarCategoryAxis;
    for (const ImageVerdicts *side : sides)
        names->append(tr("%1 (%2 failed)").arg(sideName(side->label, side->image)).arg(side->ciFailures));
    chart->addAxis(names, Qt::AlignLeft);
    series->attachAxis(names);
    auto *count = new QValueAxis;
    count->setRange(0, qreal(std::max<qint64>(most, 4)));
    count->applyNiceNumbers();
    count->setLabelFormat(QStringLiteral("%d"));
    count->setTitleText(tr("failed CI pulls"));
    chart->addAxis(count, Qt::AlignBottom);
    series->attachAxis(count);
    // A verdict no side has gets no legend entry.
    for (QBarSet *set : series->barSets()) {
        if (set->sum() == 0)
            for (QLegendMarker *marker : chart->legend()->markers(series))
                if (marker->label() == set->label())
                    marker->setVisible(false);
    }
}

} // namespace pw
