// EventsPage under the offscreen platform: pages load as the table needs them, details show the
// message as plain text, search and a breakdown's narrowing go into the query.
#include "items/DashboardState.h"
#include "items/EventsModel.h"
#include "EventsPage.h"
#include "fakedata.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TestEventsPage : public QObject
{
    Q_OBJECT

private slots:
    void pagesSearchAndDetails();
    void liveRowsAndTimeOrder();
};

void TestEventsPage::pagesSearchAndDetails()
{
    DashboardState state;
    FakeData data;
    for (int i = 0; i < 1200; ++i) {
        StoredEvent stored;
        stored.id = 5000 - i; // newest first
        stored.event.ts = 1'747'526'400'000 - i * 1000LL;
        stored.event.image = u"docker.io/library/busybox:latest"_s;
        stored.event.ok = i % 3 != 0;
        stored.event.category = stored.event.ok ? Category::None : Category::RateLimit;
        stored.event.message =
            i == 1 ? u"<b>toomanyrequests</b>\nsecond line"_s : u"pull %1"_s.arg(i);
        if (i == 1)
            stored.event.ci = {u"github"_s, u"o/r"_s,
                               u"1"_s,      u"2"_s,
                               u"build"_s,  u"https://github.com/o/r/actions/runs/1/job/2"_s};
        data.events.append(stored);
    }
    EventsPage page(&state, &data);
    page.resize(1000, 600);
    page.show();
    QTRY_COMPARE(page.model()->rowCount(), EventsPage::PageSize);
    QCOMPARE(data.askedPages.first().beforeId, 0);

    // The view asks for more as it reaches the end: the next page starts after the last id.
    auto *table = page.findChild<QTableView *>();
    QVERIFY(table);
    table->scrollToBottom();
    QTRY_VERIFY(page.model()->rowCount() > EventsPage::PageSize);
    QCOMPARE(data.askedPages[1].beforeId, 5000 - (EventsPage::PageSize - 1));
    QCOMPARE(page.model()->index(EventsPage::PageSize, EventsModel::MessageColumn).data(),
             QVariant(u"pull %1"_s.arg(EventsPage::PageSize)));

    // Details: the whole message, as text (markup stays visible), and the job link.
    table->setCurrentIndex(page.model()->index(1, 0));
    auto *details = page.findChild<QPlainTextEdit *>();
    QVERIFY(details->toPlainText().contains(u"<b>toomanyrequests</b>\nsecond line"_s));
    QVERIFY(details->toPlainText().contains(u"CI: github o/r"_s));
    QPushButton *open = nullptr;
    for (QPushButton *button : page.findChildren<QPushButton *>())
        if (button->text() == u"Open CI job"_s)
            open = button;
    QVERIFY(open && open->isEnabled());
    table->setCurrentIndex(page.model()->index(2, 0));
    QVERIFY(!open->isEnabled());

    // Search goes into the query (after a short pause in typing).
    page.findChild<QLineEdit *>()->setText(u"toomany"_s);
    QTRY_COMPARE(page.model()->rowCount(), 1);
    QCOMPARE(data.askedPages.last().search, u"toomany"_s);

    // A breakdown slice narrows the events; the shared filter stays as it was.
    page.findChild<QLineEdit *>()->clear();
    EventFilter slice;
    slice.ok = false;
    slice.category = Category::RateLimit;
    page.showFilter(slice);
    QCOMPARE(data.askedPages.last().filter.category, Category::RateLimit);
    QCOMPARE(state.filter().category, std::nullopt);
}

void TestEventsPage::liveRowsAndTimeOrder()
{
    DashboardState state;
    FakeData data;
    const auto event = [](qint64 id) {
        StoredEvent stored;
        stored.id = id;
        stored.event.ts = 1'747'526'400'000 + id * 1000;
        stored.event.image = u"docker.io/library/busybox:latest"_s;
        stored.event.message = u"pull %1"_s.arg(id);
        return stored;
    };
    for (qint64 id = 100; id > 0; --id)
        data.events.append(event(id));
    EventsPage page(&state, &data);
    page.resize(1000, 600);
    page.show();
    QTRY_COMPARE(page.model()->rowCount(), 100);
    auto *table = page.findChild<QTableView *>();
    table->setCurrentIndex(page.model()->index(10, 0)); // event 90

    // New events arrive: they go on top, the chosen event stays chosen.
    data.events.prepend(event(101));
    data.events.prepend(event(102));
    emit data.historyChanged();
    QCOMPARE(data.askedPages.last().afterId, 100);
    QCOMPARE(page.model()->rowCount(), 102);
    QCOMPARE(page.model()->index(0, EventsModel::MessageColumn).data(), QVariant(u"pull 102"_s));
    QCOMPARE(table->currentIndex().row(), 12);
    QCOMPARE(table->currentIndex().data(EventsModel::EventIdRole).toLongLong(), 90);

    // The Time header turns the order (in the query: the store sorts).
    QTest::mouseClick(
        table->horizontalHeader()->viewport(), Qt::LeftButton, {},
        QPoint(table->horizontalHeader()->sectionViewportPosition(EventsModel::TimeColumn) + 5, 5));
    QTRY_COMPARE(page.model()->rowCount(), 102);
    QVERIFY(data.askedPages.last().oldestFirst);
    QCOMPARE(page.model()->index(0, EventsModel::MessageColumn).data(), QVariant(u"pull 1"_s));
    // Oldest first, a new event joins at the end.
    data.events.prepend(event(103));
    emit data.historyChanged();
    QTRY_COMPARE(page.model()->rowCount(), 103);
    QCOMPARE(page.model()->index(102, EventsModel::MessageColumn).data(), QVariant(u"pull 103"_s));
}

QTEST_MAIN(TestEventsPage)
#include "tst_eventspage.moc"
