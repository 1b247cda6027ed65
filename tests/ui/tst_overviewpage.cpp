// OverviewPage under the offscreen platform: it asks DashboardData with the shared filter,
// shows the rows it gets, and a refresh keeps the selected image selected.
#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "items/OverviewModel.h"
#include "OverviewPage.h"
#include "fakedata.h"

#include <QItemSelectionModel>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestOverviewPage : public QObject
{
    Q_OBJECT

private slots:
    void followsTheFilterAndKeepsSelection();
};

namespace {
OverviewRow row(int id, const QString &image, BucketState status)
{
    OverviewRow r;
    r.imageId = id;
    r.image = image;
    r.statusNow = status;
    r.heartbeat = QList<BucketState>(OverviewRow::HeartbeatBuckets, status);
    r.availability24h = status == BucketState::Up ? 100 : 50;
    return r;
}
} // namespace

void TestOverviewPage::followsTheFilterAndKeepsSelection()
{
    DashboardState state;
    FakeData data;
    data.rows = {row(1, u"ghcr.io/a/b:1"_s, BucketState::Up),
                 row(2, u"nixery.dev/shell/jq:latest"_s, BucketState::Down)};
    OverviewPage page(&state, &data);
    page.resize(1200, 400);
    page.show();
    QTRY_COMPARE(page.model()->rowCount(), 2); // the first request goes out once shown

    auto *table = page.findChild<QTableView *>();
    QVERIFY(table);
    table->selectRow(1);
    QCOMPARE(table->selectionModel()->selectedRows().first().data(OverviewModel::ImageIdRole), 2);

    // A filter change asks again with the new filter; the answer puts a new image first.
    EventFilter filter;
    filter.registries = {u"nixery.dev"_s};
    data.rows.prepend(row(3, u"docker.io/library/busybox:latest"_s, BucketState::Up));
    state.setFilter(filter);
    QCOMPARE(data.asked.last().registries, filter.registries);
    QCOMPARE(page.model()->rowCount(), 3);
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(OverviewModel::ImageIdRole), 2); // still the same image
    QCOMPARE(selected.first().row(), 2);
    QCOMPARE(page.model()->index(2, OverviewModel::StatusColumn).data().toString(), u"Down"_s);
}

QTEST_MAIN(TestOverviewPage)
#include "tst_overviewpage.moc"
