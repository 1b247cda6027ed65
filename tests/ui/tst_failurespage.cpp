// FailuresPage under the offscreen platform: it asks for the shared range and filter, fills
// its charts' models, and a click on a category, registry or image asks for those events.
#include "items/DashboardState.h"
#include "items/FailureCountModel.h"
#include "FailuresPage.h"
#include "charts/CountCharts.h"
#include "fakedata.h"

#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestFailuresPage : public QObject
{
    Q_OBJECT

private slots:
    void showsAndNarrows();
    void unknownGroupsUnderTheCharts();
};

void TestFailuresPage::showsAndNarrows()
{
    DashboardState state;
    state.setPreset(DashboardState::Preset::Week);
    FakeData data;
    data.failures.failures = 10;
    data.failures.byCategory = {{u"rate_limit"_s, Category::RateLimit, 7, 70.0},
                                {u"timeout"_s, Category::Timeout, 3, 30.0}};
    data.failures.byRegistry = {{u"docker.io"_s, Category::None, 7, 70.0},
                                {u"nixery.dev"_s, Category::None, 3, 30.0}};
    data.failures.byImage = {{u"docker.io/library/busybox:latest"_s, Category::None, 7, 70.0}};
    FailuresPage page(&state, &data);
    page.resize(1200, 700);
    page.show();
    QTRY_COMPARE(page.categories()->rowCount(), 2);
    QCOMPARE(data.askedRanges.last().length(), 7 * 86'400'000LL + 1);
    QCOMPARE(page.categories()->index(0, FailureCountModel::NameColumn).data().toString(),
             u"Rate limit"_s);
    QCOMPARE(page.categories()->index(0, FailureCountModel::ShareColumn).data().toString(),
             u"70.0 %"_s);
    QCOMPARE(page.registries()->rowCount(), 2);

    // A range change asks again for the new range.
    state.setPreset(DashboardState::Preset::Hour);
    QCOMPARE(data.askedRanges.last().length(), 3'600'000LL + 1);

    // Clicks narrow the shared filter to the slice or bar (failed pulls only).
    EventFilter shared;
    shared.groups = {u"tools"_s};
    state.setFilter(shared);
    QSignalSpy events(&page, &FailuresPage::showEvents);
    auto *donut = page.findChild<DonutChart *>();
    QVERIFY(donut);
    emit donut->rowActivated(1);
    QCOMPARE(events.size(), 1);
    auto filter = events.last().first().value<EventFilter>();
    QCOMPARE(filter.category, Category::Timeout);
    QCOMPARE(filter.ok, false);
    QCOMPARE(filter.groups, shared.groups);
    const auto bars = page.findChildren<BarChart *>();
    QCOMPARE(bars.size(), 3); // by registry, by image, failed CI pulls by verdict
    emit bars[0]->rowActivated(0);
    filter = events.last().first().value<EventFilter>();
    QCOMPARE(filter.registries, QStringList{u"docker.io"_s});
}

void TestFailuresPage::unknownGroupsUnderTheCharts()
{
    FailuresPage page(nullptr, nullptr);
    FailureSummary summary;
    summary.failures = 4;
    summary.byCategory = {{u"unknown"_s, Category::Unknown, 4, 100.0}};
    summary.unknownSampled = 4;
    summary.unknownGroups = {
        {u"ctr: failed to extract layer <digest>: input/output error"_s,
         u"ctr: failed to extract layer sha256:aaaa: input/output error"_s, 3},
        {u"Error: ErrImagePull"_s, u"Error: ErrImagePull"_s, 1}};
    page.showSummary(summary, {0, 3'600'000});
    QTableWidget *table = page.unknownGroups();
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(0, 0)->text(), u"3"_s);
    QCOMPARE(table->item(0, 1)->text(), summary.unknownGroups[0].text);
    QVERIFY(table->item(0, 1)->toolTip().contains(u"sha256:aaaa"_s));

    page.showSummary(FailureSummary(), {0, 3'600'000}); // none: the table empties
    QCOMPARE(table->rowCount(), 0);
}

QTEST_MAIN(TestFailuresPage)
#include "tst_failurespage.moc"
