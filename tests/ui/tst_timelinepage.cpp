// TimelinePage under the offscreen platform: it asks for the shared range, fills the grid,
// keeps the chosen image across refreshes, a click on a cell asks for that bucket's events,
// a drag across cells or the chart sets the shared range, and the chart gets decimated series.
#include "items/DashboardState.h"
#include "TimelineGrid.h"
#include "items/TimelineModel.h"
#include "TimelinePage.h"
#include "charts/LatencyTimeChart.h"
#include "fakedata.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
constexpr qint64 Hour = 3'600'000;

TimelineData sample(int buckets, int images = 3)
{
    TimelineData t;
    t.bucketMs = Hour;
    t.firstBucket = 1'747'526'400'000; // 2025-05-18T00:00:00Z
    t.range = {t.firstBucket, t.firstBucket + buckets * Hour};
    t.bucketCount = buckets;
    for (int id = 1; id <= images; ++id) {
        TimelineRow row;
        row.imageId = id;
        row.image = u"registry.example/image-%1:latest"_s.arg(id);
        for (int i = 0; i < buckets; ++i) {
            BucketStats s;
            s.imageId = id;
            s.bucketStart = t.firstBucket + i * Hour;
            s.bucketEnd = s.bucketStart + Hour;
            s.total = 4;
            s.ok = i % 10 == 0 ? 0 : 4;
            s.failures[int(Category::Timeout)] = s.total - s.ok;
            // Latency: flat with a spike every 97 buckets.
            for (int k = 0; k < 4; ++k)
                s.latency.add(i % 97 == 5 ? 60'000 : 200 + k);
            row.buckets << s;
        }
        row.probes = row.buckets;
        row.ciFailures.fill(0, buckets);
        row.ciFailures[3] = 2;
        row.digests << DigestChange{id, t.firstBucket + 5 * Hour + 60'000, u"sha256:bb"_s,
                                    u"sha256:aa"_s};
        t.rows << row;
    }
    return t;
}
} // namespace

class TestTimelinePage : public QObject
{
    Q_OBJECT

private slots:
    void followsRangeAndKeepsImage();
    void clickAndDrag();
    void decimatedChart();
    void chartsFollowThePalette();
};

void TestTimelinePage::followsRangeAndKeepsImage()
{
    DashboardState state;
    state.setPreset(DashboardState::Preset::Week);
    FakeData data;
    data.timeline = sample(168);
    TimelinePage page(&state, &data);
    page.resize(1200, 700);
    page.show();
    QTRY_COMPARE(page.model()->rowCount(), 3);
    QCOMPARE(page.model()->columnCount(), 168);
    QCOMPARE(data.askedRanges.last().length(), 7 * 86'400'000LL + 1);

    // The chart follows the chosen image, and keeps it when the data refreshes.
    page.grid()->setCurrentIndex(page.model()->index(2, 10));
    QVERIFY(page.chart()->chart()->title().contains(u"image-3"_s));
    emit data.historyChanged(); // live: new events somewhere
    QCOMPARE(page.model()->rowCount(), 3);
    QVERIFY(page.chart()->chart()->title().contains(u"image-3"_s));
    QCOMPARE(page.grid()->currentIndex().row(), 2);

    state.setPreset(DashboardState::Preset::Day);
    QCOMPARE(data.askedRanges.last().length(), 86'400'000LL + 1);
}

void TestTimelinePage::clickAndDrag()
{
    DashboardState state;
    FakeData data;
    data.timeline = sample(48);
    TimelinePage page(&state, &data);
    page.resize(1200, 700);
    page.show();
    QTRY_COMPARE(page.model()->columnCount(), 48);
    QSignalSpy events(&page, &TimelinePage::showEvents);

    // A click on a cell: that image's events in that bucket.
    const QModelIndex cell = page.model()->index(1, 20);
    const QPoint at = page.grid()->visualRect(cell).center();
    QTest::mouseClick(page.grid()->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(events.size(), 1);
    const auto filter = events.last().at(0).value<EventFilter>();
    const auto range = events.last().at(1).value<TimeRange>();
    QCOMPARE(filter.images, QStringList{u"registry.example/image-2:latest"_s});
    QCOMPARE(range.from, data.timeline.firstBucket + 20 * Hour);
    QCOMPARE(range.length(), Hour);

    // A drag across cells 10..14: that span becomes the shared range on every page.
    const QPoint from = page.grid()->visualRect(page.model()->index(0, 10)).center();
    const QPoint to = page.grid()->visualRect(page.model()->index(0, 14)).center();
    QTest::mousePress(page.grid()->viewport(), Qt::LeftButton, {}, from);
    QMouseEvent move(QEvent::MouseMove, to, page.grid()->viewport()->mapToGlobal(to), Qt::NoButton,
                     Qt::LeftButton, {});
    QApplication::sendEvent(page.grid()->viewport(), &move);
    QTest::mouseRelease(page.grid()->viewport(), Qt::LeftButton, {}, to);
    QCOMPARE(events.size(), 1); // not a click
    QCOMPARE(state.preset(), DashboardState::Preset::Custom);
    QCOMPARE(state.range(0).from, data.timeline.firstBucket + 10 * Hour);
    QCOMPARE(state.range(0).to, data.timeline.firstBucket + 15 * Hour);

    // A drag across the latency chart likewise.
    LatencyTimeChart *chart = page.chart();
    const QRectF plot = chart->chart()->plotArea();
    const QPoint left = chart->mapFromScene(plot.left() + plot.width() * 0.25, plot.center().y());
    const QPoint right = chart->mapFromScene(plot.left() + plot.width() * 0.5, plot.center().y());
    QSignalSpy zoomed(chart, &ZoomChartView::rangeSelected);
    QTest::mousePress(chart->viewport(), Qt::LeftButton, {}, left);
    QMouseEvent drag(QEvent::MouseMove, right, chart->viewport()->mapToGlobal(right), Qt::NoButton,
                     Qt::LeftButton, {});
    QApplication::sendEvent(chart->viewport(), &drag);
    QTest::mouseRelease(chart->viewport(), Qt::LeftButton, {}, right);
    QCOMPARE(zoomed.size(), 1);
    const auto chosen = zoomed.last().at(0).value<TimeRange>();
    QVERIFY(chosen.length() > 0);
    QCOMPARE(state.range(0), chosen);
}

void TestTimelinePage::decimatedChart()
{
    // 30 days of minute buckets: 43 200 points per line, far more than the plot's pixels.
    TimelinePage page(nullptr, nullptr);
    page.resize(1000, 700);
    page.show();
    const TimelineData t = [] {
        TimelineData d = sample(43'200, 1);
        d.bucketMs = 60'000;
        d.range.to = d.firstBucket + 43'200 * 60'000LL;
        for (qsizetype i = 0; i < d.rows[0].probes.size(); ++i) {
            d.rows[0].probes[i].bucketStart = d.firstBucket + i * 60'000;
            d.rows[0].probes[i].bucketEnd = d.rows[0].probes[i].bucketStart + 60'000;
        }
        return d;
    }();
    page.showTimeline(t);
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    const int width = int(page.chart()->chart()->plotArea().width());
    QVERIFY(width > 100);
    // Two lines of at most two points per column, plus the marks.
    QVERIFY2(page.chart()->pointCount() <= 2 * 2 * std::max(100, width) + 10,
             qPrintable(QString::number(page.chart()->pointCount())));
    QVERIFY(page.chart()->pointCount() > 100);
}

void TestTimelinePage::chartsFollowThePalette()
{
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::Base, QColor(0x18, 0x18, 0x18));
    dark.setColor(QPalette::Text, QColor(0xEE, 0xEE, 0xEE));
    QApplication::setPalette(dark);
    {
        LatencyTimeChart chart;
        QCOMPARE(chart.chart()->theme(), QChart::ChartThemeDark);
        QCOMPARE(chart.chart()->backgroundBrush().color(), QColor(0x18, 0x18, 0x18));
    }
    QApplication::setPalette(light);
    LatencyTimeChart chart;
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeLight);
}

QTEST_MAIN(TestTimelinePage)
#include "tst_timelinepage.moc"
