// CompareModel shows the figures of `export --report compare` for the same range (DESIGN.md,
// issue 5's "same figures"), and compareVerdict says them in a sentence.
#include "items/CompareModel.h"
#include "reports/Reports.h"
#include "csvparse.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

class TestCompareModel : public QObject
{
    Q_OBJECT

private slots:
    void sameFiguresAsTheReport();
    void verdict();
};

void TestCompareModel::sameFiguresAsTheReport()
{
    TestDir dir;
    auto store = openStore(dir.path(u"h.db"_s));
    QVERIFY(store);
    const QStringList images = {u"nixery.dev/shell/jq:latest"_s, u"ghcr.io/acme/jq:1"_s,
                                u"nixery.dev/shell/git:latest"_s, u"ghcr.io/acme/git:1"_s,
                                u"docker.io/library/busybox:latest"_s};
    const QList<PullEvent> events = randomHistory(7, 20'000, T0, 10 * Day, images);
    QVERIFY(store->append(events).ok());
    QHash<QString, int> seen;
    for (const PullEvent &e : events)
        ++seen[e.image];
    int i = 0;
    for (auto it = seen.cbegin(); it != seen.cend(); ++it, ++i)
        if (i < 4) // two groups of two, the rest ungrouped
            QVERIFY(store
                        ->setImageInfo(it.key(), i < 2 ? u"g1"_s : u"g2"_s,
                                       i % 2 ? u"self-hosted"_s : u"nixery"_s)
                        .ok());

    const TimeRange range{T0 + Day + 17 * Minute, T0 + 8 * Day + 5 * Hour}; // ragged ends
    const auto rows = Aggregator(*store).compare({}, range);
    QVERIFY(rows.ok());
    CompareModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows(*rows);

    QBuffer csv;
    QVERIFY(csv.open(QIODevice::WriteOnly));
    ReportRequest request;
    request.kind = ReportKind::Compare;
    request.range = range;
    QVERIFY(writeReport(*store, request, &csv).ok());
    QString error;
    const auto table = parseCsv(csv.data(), &error);
    QVERIFY2(table, qPrintable(error));
    QCOMPARE(table->size() - 1, model.rowCount());
    const auto cell = [&](int row, int column) { return model.index(row, column); };
    for (int r = 0; r < model.rowCount(); ++r) {
        const QStringList &csvRow = (*table)[r + 1];
        // group,label,image,total,ok,availability_pct,latency_p50_ms,latency_p95_ms,incidents,
        // mttr_s,top_category,cold_p50_ms,warm_p50_ms
        QCOMPARE(cell(r, CompareModel::GroupColumn).data().toString(), csvRow[0]);
        QCOMPARE(cell(r, CompareModel::LabelColumn).data().toString(), csvRow[1]);
        QCOMPARE(cell(r, CompareModel::ImageColumn).data().toString(), csvRow[2]);
        QCOMPARE(cell(r, CompareModel::PullsColumn).data().toString(), csvRow[3]);
        QCOMPARE(cell(r, CompareModel::AvailabilityColumn).data().toString(), csvRow[5] + u" %"_s);
        const auto ms = [](const QVariant &v) {
            return v.toLongLong() < 0 ? QString() : QString::number(v.toLongLong());
        };
        QCOMPARE(ms(cell(r, CompareModel::P50Column).data(CompareModel::RawRole)), csvRow[6]);
        QCOMPARE(ms(cell(r, CompareModel::P95Column).data(CompareModel::RawRole)), csvRow[7]);
        QCOMPARE(cell(r, CompareModel::IncidentsColumn).data().toString(), csvRow[8]);
        QCOMPARE(cell(r, CompareModel::MttrColumn).data().toString(),
                 csvRow[9].isEmpty() ? u"—"_s : csvRow[9] + u" s"_s);
        QCOMPARE(cell(r, CompareModel::TopFailureColumn).data(CompareModel::RawRole).toString(),
                 csvRow[10]);
        QCOMPARE(ms(cell(r, CompareModel::ColdP50Column).data(CompareModel::RawRole)), csvRow[11]);
        QCOMPARE(ms(cell(r, CompareModel::WarmP50Column).data(CompareModel::RawRole)), csvRow[12]);
    }
}

void TestCompareModel::verdict()
{
    CompareRow hosted;
    hosted.group = u"tools"_s;
    hosted.label = u"self-hosted"_s;
    hosted.stats.total = 10'000;
    hosted.stats.ok = 9'997;
    hosted.stats.failures[static_cast<int>(Category::ServerError)] = 3;
    for (int i = 0; i < 100; ++i)
        hosted.stats.latency.add(400);
    CompareRow nixery;
    nixery.group = u"tools"_s;
    nixery.label = u"nixery"_s;
    nixery.stats.total = 1'000;
    nixery.stats.ok = 971;
    nixery.stats.failures[static_cast<int>(Category::Timeout)] = 18;
    nixery.stats.failures[static_cast<int>(Category::ServerError)] = 11;
    for (int i = 0; i < 100; ++i)
        nixery.stats.latency.add(i < 90 ? 1200 : 38'000);
    nixery.coldP50 = 31'200;
    nixery.warmP50 = 1'200;
    QCOMPARE(compareVerdict({hosted, nixery}),
             u"self-hosted: 99.97 % available, p95 0.4 s, 100 % of its failures are server "
             u"error; nixery: 97.10 % available, p95 38.0 s, 62 % of its failures are timeout, "
             u"cold pulls p50 31.2 s vs 1.2 s warm."_s);
}

QTEST_GUILESS_MAIN(TestCompareModel)
#include "tst_comparemodel.moc"
