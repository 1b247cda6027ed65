#include "StackedTimeChart.h"

#include "CategoryColors.h"
#include "ChartTheme.h"
#include "TimeFormat.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>

namespace pw {

StackedTimeChart::StackedTimeChart(QWidget *parent) : ZoomChartView(parent)
{
    auto *chart = themedChart(palette());
    chart->setTitle(tr("Failures over time, by category"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    setChart(chart);
}

void StackedTimeChart::setBuckets(const QList<BucketStats> &buckets)
{
    QChart *chart = this->chart();
    clearChart(chart);
    if (buckets.isEmpty())
        return;

    auto *time = new QDateTimeAxis;
    const qint64 span = buckets.last().bucketEnd - buckets.first().bucketStart;
    time->setFormat(span > 3 * 86400'000LL ? QStringLiteral("MMM d") : QStringLiteral("HH:mm"));
    time->setTitleText(tr("local time")); // Qt 6.4's axis labels in local time only
    time->setRange(QDateTime::fromMSecsSinceEpoch(buckets.first().bucketStart, Qt::UTC),
                   QDateTime::fromMSecsSinceEpoch(buckets.last().bucketEnd, Qt::UTC));
    chart->addAxis(time, Qt::AlignBottom);
    auto *count = new QValueAxis;
    count->setLabelFormat(QStringLiteral("%d"));
    count->setTitleText(tr("failed pulls per %1")
                            .arg(timeformat::durationText(buckets.first().bucketEnd -
                                                          buckets.first().bucketStart)));
    chart->addAxis(count, Qt::AlignLeft);

    QList<qreal> base(buckets.size(), 0);
    qreal max = 1;
    for (const Category category : FailureCategories) {
        const int c = static_cast<int>(category);
        if (std::none_of(buckets.cbegin(), buckets.cend(),
                         [c](const BucketStats &b) { return b.failures[c] > 0; }))
            continue;
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        for (qsizetype i = 0; i < buckets.size(); ++i) {
            // Steps, not slopes: a bucket's count holds over the whole bucket.
            const qreal top = base[i] + qreal(buckets[i].failures[c]);
            for (const qint64 x : {buckets[i].bucketStart, buckets[i].bucketEnd}) {
                lower->append(qreal(x), base[i]);
                upper->append(qreal(x), top);
            }
            base[i] = top;
            max = std::max(max, top);
        }
        auto *area = new QAreaSeries(upper, lower);
        area->setName(categoryTitle(category));
        area->setColor(categoryColor(category));
        area->setBorderColor(categoryColor(category).darker(120));
        chart->addSeries(area);
        area->attachAxis(time);
        area->attachAxis(count);
    }
    count->setRange(0, max * 1.1);
    count->applyNiceNumbers();
}

} // namespace pw
