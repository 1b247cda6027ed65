#include "LatencyTimeChart.h"

#include "ChartTheme.h"
#include "VerdictStyle.h"
#include "analysis/Decimation.h"
#include "items/OverviewModel.h"
#include "TimeFormat.h"

#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QToolTip>

namespace pw {

namespace {
constexpr int MaxDigestMarkers = 50; // beyond that the lines hide the data; the title says so
}

LatencyTimeChart::LatencyTimeChart(QWidget *parent) : ZoomChartView(parent)
{
    auto *chart = themedChart(palette());
    chart->legend()->setAlignment(Qt::AlignBottom);
    setChart(chart);
}

void LatencyTimeChart::setRow(const TimelineRow &row, const TimeRange &range)
{
    m_row = row;
    m_range = range;
    draw();
}

void LatencyTimeChart::resizeEvent(QResizeEvent *event)
{
    ZoomChartView::resizeEvent(event);
    // Decimation depends on the plot's width: redraw when it grew or shrank noticeably.
    if (std::abs(int(chart()->plotArea().width()) - m_drawnWidth) > 50)
        draw();
}

void LatencyTimeChart::draw()
{
    QChart *chart = this->chart();
    clearChart(chart);
    m_points = 0;
    const QString name =
        m_row.label.isEmpty() ? m_row.image : m_row.group + QStringLiteral(" · ") + m_row.label;
    chart->setTitle(m_row.image.isEmpty() ? tr("Probe latency (choose an image above)")
                                          : tr("Probe latency of %1").arg(name));
    if (m_range.isEmpty())
        return;

    auto *time = new QDateTimeAxis;
    time->setFormat(m_range.length() > 3 * 86400'000LL ? QStringLiteral("MMM d")
                                                       : QStringLiteral("HH:mm"));
    time->setTitleText(tr("local time")); // Qt 6.4's axis labels in local time only
    time->setRange(QDateTime::fromMSecsSinceEpoch(m_range.from, Qt::UTC),
                   QDateTime::fromMSecsSinceEpoch(m_range.to, Qt::UTC));
    chart->addAxis(time, Qt::AlignBottom);
    auto *latency = new QLogValueAxis; // 0.4 s next to 38 s: only a log scale shows both
    latency->setTitleText(tr("milliseconds (log scale)"));
    latency->setLabelFormat(QStringLiteral("%g"));
    latency->setBase(10);
    chart->addAxis(latency, Qt::AlignLeft);

    // Per bucket, at its middle; a log axis needs 1 ms at least.
    QList<QPointF> p50;
    QList<QPointF> p95;
    qreal low = 1e12;
    qreal high = 10;
    for (const BucketStats &b : std::as_const(m_row.probes)) {
        if (b.latency.count() == 0)
            continue;
        const qreal x = qreal(b.bucketStart + (b.bucketEnd - b.bucketStart) / 2);
        const qreal median = qreal(std::max<qint64>(1, b.latency.percentile(50)));
        const qreal tail = qreal(std::max<qint64>(1, b.latency.percentile(95)));
        p50.append({x, median});
        p95.append({x, tail});
        low = std::min(low, median);
        high = std::max(high, tail);
    }
    latency->setRange(std::max<qreal>(1, low / 2), high * 3);
    m_drawnWidth = int(chart->plotArea().width());
    const int columns = std::max(100, m_drawnWidth);
    const auto addLine = [&](const QList<QPointF> &points, const QString &title,
                             const QColor &color) {
        auto *series = new QLineSeries;
        series->setName(title);
        series->setColor(color);
        const QList<QPointF> decimated =
            decimateMinMax(points, qreal(m_range.from), qreal(m_range.to), columns);
        series->replace(decimated); // one replace(): one repaint, whatever the size
        series->setPointsVisible(decimated.size() < 200);
        m_points += decimated.size();
        chart->addSeries(series);
        series->attachAxis(time);
        series->attachAxis(latency);
        connect(series, &QLineSeries::hovered, this,
                [this, title](const QPointF &point, bool state) {
                    if (state)
                        QToolTip::showText(QCursor::pos(),
                                           tr("%1 at %2 UTC: %3")
                                               .arg(title, timeformat::toMinute(qint64(point.x())),
                                                    formatLatency(qint64(point.y()))));
                });
    };
    addLine(p95, tr("p95"), QColor(0xD5, 0x5E, 0x00));
    addLine(p50, tr("p50"), QColor(0x00, 0x72, 0xB2));

    // Failed CI pulls along the top of the plot, one mark per bucket and verdict, in the
    // verdict's shape and colour (the legend names each): was it the registry or the runner?
    for (Verdict verdict : AllVerdicts) {
        auto *ci = new QScatterSeries;
        ci->setName(tr("failed CI pull: %1").arg(verdictTitle(verdict).toLower()));
        ci->setMarkerShape(verdictShape(verdict));
        ci->setMarkerSize(10);
        ci->setColor(verdictColor(verdict));
        ci->setBorderColor(verdictColor(verdict).darker(140));
        for (qsizetype i = 0; i < m_row.ciVerdicts.size() && i < m_row.buckets.size(); ++i) {
            if (m_row.ciVerdicts[i][size_t(verdict)] > 0) {
                const BucketStats &b = m_row.buckets[i];
                ci->append(qreal(b.bucketStart + (b.bucketEnd - b.bucketStart) / 2), high * 2);
            }
        }
        if (ci->count() == 0) {
            delete ci;
            continue;
        }
        m_points += ci->count();
        chart->addSeries(ci);
        ci->attachAxis(time);
        ci->attachAxis(latency);
        connect(ci, &QScatterSeries::hovered, this, [this, verdict](const QPointF &point, bool state) {
            if (!state)
                return;
            for (qsizetype i = 0; i < m_row.buckets.size(); ++i) {
                const BucketStats &b = m_row.buckets[i];
                if (qint64(point.x()) >= b.bucketStart && qint64(point.x()) < b.bucketEnd)
                    QToolTip::showText(QCursor::pos(),
                                       tr("%1 failed CI pulls from %2 UTC, %3: %4")
                                           .arg(m_row.ciFailures.value(i))
                                           .arg(timeformat::toMinute(b.bucketStart))
                                           .arg(m_row.ciVerdicts[i][size_t(verdict)])
                                           .arg(verdictTitle(verdict).toLower()));
            }
        });
    }

    // Digest changes: a dashed vertical line each (the first one carries the legend entry).
    const qsizetype marked = std::min<qsizetype>(m_row.digests.size(), MaxDigestMarkers);
    for (qsizetype i = 0; i < marked; ++i) {
        const DigestChange &change = m_row.digests[i];
        auto *line = new QLineSeries;
        line->setName(i == 0 ? tr("digest changed") : QString());
        line->setPen(QPen(QColor(0x56, 0xB4, 0xE9), 1.5, Qt::DashLine));
        line->append(qreal(change.ts), std::max<qreal>(1, low / 2));
        line->append(qreal(change.ts), high * 3);
        m_points += 2;
        chart->addSeries(line);
        line->attachAxis(time);
        line->attachAxis(latency);
        if (i > 0)
            chart->legend()->markers(line).constFirst()->setVisible(false);
        connect(line, &QLineSeries::hovered, this, [this, change](const QPointF &, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(),
                                   tr("Digest %1 → %2 at %3 UTC")
                                       .arg(change.previous.mid(7, 12), change.digest.mid(7, 12),
                                            timeformat::toMinute(change.ts)));
        });
    }
    if (m_row.digests.size() > marked)
        chart->setTitle(
            chart->title() +
            tr(" — %1 digest changes, first %2 marked").arg(m_row.digests.size()).arg(marked));
}

} // namespace pw
