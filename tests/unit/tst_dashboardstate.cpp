// DashboardState: the one range and filter every page obeys.
#include "items/DashboardState.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestDashboardState : public QObject
{
    Q_OBJECT

private slots:
    void presetsMoveWithTheClock();
    void customRangeStays();
    void changedOnlyOnChange();
    void buckets_data();
    void buckets();
};

constexpr qint64 Now = 1'747'526'400'000;
constexpr qint64 Hour = 3'600'000;

void TestDashboardState::presetsMoveWithTheClock()
{
    DashboardState state;
    QCOMPARE(state.preset(), DashboardState::Preset::Day);
    QCOMPARE(state.range(Now), (TimeRange{Now - 24 * Hour, Now + 1}));
    QCOMPARE(state.range(Now + Hour), (TimeRange{Now - 23 * Hour, Now + Hour + 1}));
    state.setPreset(DashboardState::Preset::Quarter);
    QCOMPARE(state.range(Now).length(), 90 * 24 * Hour + 1);
    QCOMPARE(DashboardState::presetTitle(DashboardState::Preset::Month), u"30 d"_s);
}

void TestDashboardState::customRangeStays()
{
    DashboardState state;
    const TimeRange zoom{Now - 5 * Hour, Now - 2 * Hour};
    state.setCustomRange(zoom);
    QCOMPARE(state.preset(), DashboardState::Preset::Custom);
    QCOMPARE(state.range(Now), zoom);
    QCOMPARE(state.range(Now + 10 * Hour), zoom);
    state.setCustomRange({Now, Now}); // empty: ignored
    QCOMPARE(state.range(Now), zoom);
    state.setPreset(DashboardState::Preset::Custom); // not a preset one can pick
    QCOMPARE(state.range(Now), zoom);
}

void TestDashboardState::changedOnlyOnChange()
{
    DashboardState state;
    QSignalSpy changed(&state, &DashboardState::changed);
    state.setPreset(DashboardState::Preset::Day); // already
    QCOMPARE(changed.size(), 0);
    state.setPreset(DashboardState::Preset::Week);
    QCOMPARE(changed.size(), 1);
    EventFilter filter;
    filter.groups = {u"tools"_s};
    state.setFilter(filter);
    state.setFilter(filter);
    QCOMPARE(changed.size(), 2);
    QCOMPARE(state.filter().groups, QStringList{u"tools"_s});
    filter.source = Source::Ci;
    state.setFilter(filter);
    QCOMPARE(changed.size(), 3);
}

void TestDashboardState::buckets_data()
{
    QTest::addColumn<DashboardState::Preset>("preset");
    QTest::addColumn<qint64>("bucket");
    QTest::addColumn<qint64>("chartBucket"); // at most 150 buckets
    QTest::newRow("1 h") << DashboardState::Preset::Hour << qint64(60'000) << qint64(60'000);
    QTest::newRow("24 h") << DashboardState::Preset::Day << 15 * 60'000LL << 15 * 60'000LL;
    QTest::newRow("7 d") << DashboardState::Preset::Week << Hour << 3 * Hour;
    QTest::newRow("30 d") << DashboardState::Preset::Month << Hour << 6 * Hour;
    QTest::newRow("90 d") << DashboardState::Preset::Quarter << 24 * Hour << 24 * Hour;
}

void TestDashboardState::buckets()
{
    QFETCH(DashboardState::Preset, preset);
    QFETCH(qint64, bucket);
    QFETCH(qint64, chartBucket);
    DashboardState state;
    state.setPreset(preset);
    QCOMPARE(state.bucketMs(Now), bucket);
    QVERIFY(state.range(Now).length() / state.bucketMs(Now) <= 800);
    QCOMPARE(state.bucketMs(Now, 150), chartBucket);
    QVERIFY(state.range(Now).length() <= 150 * chartBucket);
}

QTEST_GUILESS_MAIN(TestDashboardState)
#include "tst_dashboardstate.moc"
