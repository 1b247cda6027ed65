// The shared filter bar (choices from the history's images, one choice narrows every page's
// filter) and the status tray (worst status, notifications on becoming unavailable and on
// recovery, none for what was already so at start).
#include "items/DashboardState.h"
#include "FilterBar.h"
#include "StatusTray.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
ImageInfo info(int id, const QString &image, const QString &group = {}, const QString &label = {})
{
    ImageInfo i;
    i.id = id;
    i.image = image;
    i.registry = image.section(u'/', 0, 0);
    i.group = group;
    i.label = label;
    return i;
}

OverviewRow row(const QString &image, BucketState now, Category last = Category::None)
{
    OverviewRow r;
    r.image = image;
    r.statusNow = now;
    r.lastFailure = last;
    return r;
}
} // namespace

class TestFilterAndTray : public QObject
{
    Q_OBJECT

private slots:
    void filterBar();
    void tray();
};

void TestFilterAndTray::filterBar()
{
    DashboardState state;
    FilterBar bar(&state);
    QSignalSpy changed(&state, &DashboardState::changed);
    bar.setImages({info(1, u"nixery.dev/shell/jq"_s, u"tools"_s, u"nixery"_s),
                   info(2, u"ghcr.io/example/tools:latest"_s, u"tools"_s, u"self-hosted"_s),
                   info(3, u"docker.io/library/busybox:latest"_s)});
    QCOMPARE(changed.size(), 0);            // choices alone change nothing
    QCOMPARE(bar.groups()->count(), 2);     // All + tools
    QCOMPARE(bar.images()->count(), 4);     // All + 3
    QCOMPARE(bar.registries()->count(), 4); // All + 3 registries
    QCOMPARE(bar.images()->itemText(1), u"docker.io/library/busybox:latest"_s);
    QVERIFY(bar.images()->findText(u"tools · nixery"_s) > 0);

    bar.groups()->setCurrentIndex(1);
    QCOMPARE(state.filter().groups, QStringList{u"tools"_s});
    bar.sources()->setCurrentIndex(bar.sources()->findData(u"ci"_s));
    QCOMPARE(state.filter().source, Source::Ci);
    bar.images()->setCurrentIndex(bar.images()->findData(u"nixery.dev/shell/jq"_s));
    QCOMPARE(state.filter().images, QStringList{u"nixery.dev/shell/jq"_s});

    // New images arrive: the choice stays; a chosen image that is gone widens the filter.
    bar.setImages({info(1, u"nixery.dev/shell/jq"_s, u"tools"_s, u"nixery"_s),
                   info(4, u"quay.io/prometheus/node-exporter:v1.8.2"_s)});
    QCOMPARE(state.filter().images, QStringList{u"nixery.dev/shell/jq"_s});
    QCOMPARE(bar.registries()->count(), 3);
    bar.setImages({info(4, u"quay.io/prometheus/node-exporter:v1.8.2"_s)});
    QVERIFY(state.filter().images.isEmpty());
    QVERIFY(state.filter().groups.isEmpty());
    QCOMPARE(state.filter().source, Source::Ci); // not a choice of images: kept
}

void TestFilterAndTray::tray()
{
    StatusTray tray;
    QSignalSpy changed(&tray, &StatusTray::changed);
    const QString a = u"nixery.dev/shell/jq"_s;
    const QString b = u"ghcr.io/example/tools:latest"_s;
    // At start: what is down already is not news.
    tray.update({row(a, BucketState::Up), row(b, BucketState::Down, Category::Auth)});
    QCOMPARE(changed.size(), 0);
    QCOMPARE(tray.state(), BucketState::Down);
    QVERIFY(tray.toolTip().contains(u"1 image(s) down"_s) || tray.toolTip().contains(u"1 image"_s));

    tray.update({row(a, BucketState::Down, Category::Timeout), row(b, BucketState::Up)});
    QCOMPARE(changed.size(), 2);
    QCOMPARE(changed[0].at(0).toString(), u"nixery.dev/shell/jq is unavailable: Timeout"_s);
    QCOMPARE(changed[0].at(1).toBool(), true);
    QCOMPARE(changed[1].at(0).toString(), u"ghcr.io/example/tools:latest recovered"_s);
    QCOMPARE(changed[1].at(1).toBool(), false);

    tray.update({row(a, BucketState::Down, Category::Timeout), row(b, BucketState::Up)});
    QCOMPARE(changed.size(), 2); // nothing new
    tray.update({row(a, BucketState::Up), row(b, BucketState::Up)});
    QCOMPARE(changed.size(), 3);
    QCOMPARE(tray.state(), BucketState::Up);
    QCOMPARE(StatusTray::worst({row(a, BucketState::Up), row(b, BucketState::NoData)}),
             BucketState::NoData);
    QCOMPARE(StatusTray::worst({}), BucketState::NoData);
    QVERIFY(!StatusTray::icon(BucketState::Down).isNull());
}

QTEST_MAIN(TestFilterAndTray)
#include "tst_filterandtray.moc"
