// MainWindow under the offscreen platform: every page is there and fed, the range presets
// drive the shared state, and a breakdown click lands on the Events page narrowed to it.
#include "items/DashboardState.h"
#include "items/EventsModel.h"
#include "EventsPage.h"
#include "FailuresPage.h"
#include "FilterBar.h"
#include "MainWindow.h"
#include "items/OverviewModel.h"
#include "OverviewPage.h"
#include "StatusTray.h"
#include "fakedata.h"

#include <QAction>
#include <QComboBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void pagesAndRange();
};

void TestMainWindow::pagesAndRange()
{
    DashboardState state;
    FakeData data;
    OverviewRow row;
    row.imageId = 1;
    row.image = u"ghcr.io/a/b:1"_s;
    row.heartbeat = QList<BucketState>(OverviewRow::HeartbeatBuckets, BucketState::Up);
    data.rows = {row};
    MainWindow window(&state, &data);
    window.show();
    auto *tabs = window.findChild<QTabWidget *>();
    QVERIFY(tabs);
    QCOMPARE(tabs->count(), 5);
    QVERIFY(window.overviewPage() && window.timelinePage() && window.failuresPage() &&
            window.eventsPage() && window.comparePage());
    QTRY_COMPARE(window.overviewPage()->model()->rowCount(), 1);

    // Ctrl+3 is the 7-day preset.
    QAction *week = nullptr;
    for (QAction *action : window.findChildren<QAction *>())
        if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_3))
            week = action;
    QVERIFY(week);
    state.setPreset(DashboardState::Preset::Day); // whatever an earlier run left in QSettings
    const qsizetype askedBefore = data.askedRanges.size();
    const qsizetype pagesBefore = data.askedPages.size();
    week->trigger();
    QCOMPARE(state.preset(), DashboardState::Preset::Week);
    // Every range-bound page asks again, for the new range: Timeline, Failures, Compare, Events.
    QCOMPARE(data.askedRanges.size(), askedBefore + 3);
    for (qsizetype i = askedBefore; i < data.askedRanges.size(); ++i)
        QCOMPARE(data.askedRanges[i].length(), 7 * 86'400'000LL + 1);
    QCOMPARE(data.askedPages.size(), pagesBefore + 1);
    QCOMPARE(data.askedPages.last().range.length(), 7 * 86'400'000LL + 1);

    // The filter bar narrows every page too.
    emit data.imagesChanged({ImageInfo{1, u"ghcr.io/a/b:1"_s, u"ghcr.io"_s, u"g"_s, u"x"_s}});
    auto *images = window.filterBar()->images();
    images->setCurrentIndex(images->findData(u"ghcr.io/a/b:1"_s));
    QCOMPARE(state.filter().images, QStringList{u"ghcr.io/a/b:1"_s});
    QCOMPARE(data.asked.last().images, QStringList{u"ghcr.io/a/b:1"_s});
    QCOMPARE(data.askedPages.last().filter.images, QStringList{u"ghcr.io/a/b:1"_s});

    // The tray follows every image's status, not the filtered Overview.
    OverviewRow down = row;
    down.statusNow = BucketState::Down;
    emit data.statusNow({down}, 1'747'526'400'000);
    QCOMPARE(window.tray()->state(), BucketState::Down);
    emit data.overviewReady({row}, 1'747'526'400'000);
    QCOMPARE(window.tray()->state(), BucketState::Down);

    // Without services the actions are there but disabled.
    for (const QString &name : {u"E&xport…"_s, u"&Settings…"_s}) {
        QAction *action = nullptr;
        for (QAction *a : window.findChildren<QAction *>())
            if (a->text() == name)
                action = a;
        QVERIFY2(action, qPrintable(name));
        QVERIFY(!action->isEnabled());
    }

    EventFilter slice;
    slice.ok = false;
    slice.category = Category::Timeout;
    emit window.failuresPage()->showEvents(slice);
    QCOMPARE(tabs->currentWidget(), window.eventsPage());
    QCOMPARE(data.askedPages.last().filter.category, Category::Timeout);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
