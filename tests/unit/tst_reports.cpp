#include "reports/Reports.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "csvparse.h"
#include "referencehistory.h"
#include "testutil.h"

#include <QBuffer>
#include <QDateTime>
#include <QRegularExpression>
#include <QStringDecoder>
#include <QTest>

#include <cmath>
#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pw;
using namespace reference;

Q_DECLARE_METATYPE(pw::ReportKind)

namespace {

const QString ImageA = u"docker.io/library/busybox:latest"_s;
const QString ImageB = u"ghcr.io/example/keystone-tools:latest"_s;
const QString ImageC = u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s;
const QString ImageD = u"localhost:5000/tools:1"_s;

// The report range: ragged at both ends, so partial buckets appear.
const TimeRange Range{T0 + 30 * Minute + 5, T0 + 2 * Day + 13 * Hour + 7};

using Table = QList<QStringList>;

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(u"yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"_s);
}

qint64 parseIso(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, u"yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"_s);
    t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

// What a text cell reads as: spreadsheet formulas get a leading '.
QString guarded(const QString &text)
{
    static const QString starts = u"=+-@\t\r"_s;
    return !text.isEmpty() && starts.contains(text[0]) ? u"'"_s + text : text;
}

QString optionalNumber(qint64 v, qint64 absent = -1)
{
    return v == absent ? QString() : QString::number(v);
}

QStringList expectedEventRow(const PullEvent &e)
{
    return {iso(e.ts),
            sourceId(e.source),
            e.image,
            e.registry,
            e.ok ? u"ok"_s : u"fail"_s,
            e.ok ? QString() : categoryId(e.category),
            QString::number(e.httpStatus),
            optionalNumber(e.latencyMs),
            QString::number(e.bytes),
            guarded(e.digest),
            guarded(e.rule),
            guarded(e.ci.provider),
            guarded(e.ci.repo),
            guarded(e.ci.runId),
            guarded(e.ci.jobId),
            guarded(e.ci.jobName),
            guarded(e.ci.jobUrl),
            optionalNumber(e.ciLine, 0),
            guarded(e.message)};
}

const QStringList EventsHeader = {
    u"ts"_s,          u"source"_s,      u"image"_s,      u"registry"_s,  u"outcome"_s,
    u"category"_s,    u"http_status"_s, u"latency_ms"_s, u"bytes"_s,     u"digest"_s,
    u"rule"_s,        u"ci_provider"_s, u"ci_repo"_s,    u"ci_run_id"_s, u"ci_job_id"_s,
    u"ci_job_name"_s, u"ci_job_url"_s,  u"ci_line"_s,    u"message"_s};
const QStringList AvailabilityHeader = {u"bucket_start"_s,
                                        u"bucket_end"_s,
                                        u"image"_s,
                                        u"group"_s,
                                        u"label"_s,
                                        u"total"_s,
                                        u"ok"_s,
                                        u"failed"_s,
                                        u"availability_pct"_s,
                                        u"latency_p50_ms"_s,
                                        u"latency_p95_ms"_s,
                                        u"latency_p99_ms"_s};
const QStringList BreakdownHeader = {u"category"_s, u"registry"_s, u"image"_s, u"failures"_s,
                                     u"share_pct"_s};
const QStringList CompareHeader = {u"group"_s,
                                   u"label"_s,
                                   u"image"_s,
                                   u"total"_s,
                                   u"ok"_s,
                                   u"availability_pct"_s,
                                   u"latency_p50_ms"_s,
                                   u"latency_p95_ms"_s,
                                   u"incidents"_s,
                                   u"mttr_s"_s,
                                   u"top_category"_s,
                                   u"cold_p50_ms"_s,
                                   u"warm_p50_ms"_s};

// Within the histogram's promise: exact below 256 ms, 0.4 % above.
bool nearLatency(const QString &cell, qint64 exact)
{
    if (exact < 0)
        return cell.isEmpty();
    bool ok = false;
    const qint64 got = cell.toLongLong(&ok);
    if (!ok)
        return false;
    return exact < 256 ? got == exact : std::abs(double(got - exact)) <= 0.004 * double(exact);
}

// A fixed-point cell with the given decimals that rounds value (either way on an exact tie).
bool decimalCell(const QString &cell, double value, int decimals)
{
    static const QRegularExpression fixed(u"^\\d+\\.(\\d+)$"_s);
    const QRegularExpressionMatch m = fixed.match(cell);
    if (!m.hasMatch() || m.captured(1).size() != decimals)
        return false;
    return std::abs(cell.toDouble() - value) <= 0.5 * std::pow(10.0, -decimals) + 1e-9;
}

double pct(qint64 part, qint64 whole)
{
    return 100.0 * double(part) / double(whole);
}

} // namespace

class TstReports : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestDir> m_dir;
    std::unique_ptr<SqliteHistoryStore> m_store;
    QList<PullEvent> m_events;                            // store order
    QHash<QString, std::pair<QString, QString>> m_groups; // image -> (group, label)

    // Writes a report to a buffer and parses it; the test fails on anything not RFC 4180.
    Table report(ReportKind kind, qint64 bucketMs = Hour, const EventFilter &filter = {},
                 QByteArray *raw = nullptr)
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const Result<qint64> rows = writeReport(*m_store, {kind, filter, Range, bucketMs, {}}, &buffer);
        if (!rows) {
            qWarning("report failed: %s", qPrintable(rows.error()));
            return {};
        }
        if (raw)
            *raw = buffer.data();
        QString error;
        const std::optional<Table> table = parseCsv(buffer.data(), &error);
        if (!table) {
            qWarning("not RFC 4180: %s", qPrintable(error));
            return {};
        }
        if (*rows != table->size() - 1) {
            qWarning("writeReport says %lld rows, the CSV has %lld", *rows,
                     qint64(table->size() - 1));
            return {};
        }
        return *table;
    }

    QList<PullEvent> eventsInRange(const EventFilter &filter = {}) const
    {
        QList<PullEvent> list;
        for (const PullEvent &e : m_events) {
            if (!Range.contains(e.ts))
                continue;
            if (!filter.images.isEmpty() && !filter.images.contains(e.image))
                continue;
            if (!filter.groups.isEmpty() && !filter.groups.contains(m_groups.value(e.image).first))
                continue;
            list.append(e);
        }
        return list;
    }

private slots:
    void initTestCase()
    {
        m_dir = std::make_unique<TestDir>();
        auto store = SqliteHistoryStore::open(m_dir->path(u"history.db"_s));
        QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error()));
        m_store = std::move(*store);

        QList<PullEvent> events =
            randomHistory(31, 1500, T0 - Hour, 3 * Day, {ImageA, ImageB, ImageC, ImageD});
        // Hand-made events whose cells need care.
        const qint64 t = T0 + 3 * Hour + 123;
        const auto add = [&](PullEvent e) { events.append(e); };
        PullEvent e = makeEvent(t, ImageA, Category::RateLimit, 812, Source::Ci);
        e.message = u"=HYPERLINK(\"http://x\",\"click\")"_s;
        e.ci = CiContext{u"github"_s,
                         u"rook/rook"_s,
                         u"1"_s,
                         u"2"_s,
                         u"=cmd|' /C calc'!A0"_s,
                         u"https://github.com/rook/rook/actions/runs/1/job/2"_s};
        e.ciLine = 42;
        e.rule = u"docker-rate-limit"_s;
        add(e);
        for (const QString &m : {u"+1 retries"_s, u"-x failed"_s, u"@SUM(A1)"_s, u"\ttab first"_s,
                                 u"\rcarriage return first"_s}) {
            e.ts += 1;
            e.message = m;
            add(e);
        }
        e.ts += 1;
        e.message = u"line one\r\nline two, with \"quotes\"\nline three\r"_s;
        e.ci.jobName = u"build, test \"all\""_s;
        add(e);
        e.ts += 1;
        e.message = u"Zeitüberschreitung – 超时 🐳"_s;
        add(e);
        PullEvent bare = makeEvent(t + 100, ImageD, Category::Timeout); // nothing optional
        add(bare);
        PullEvent probe = makeEvent(t + 200, ImageC, Category::None, 45000);
        probe.digest = u"sha256:abc"_s;
        probe.bytes = 987654321;
        probe.httpStatus = 200;
        probe.cold = true;
        add(probe);
        // A failure run inside the range, recovered inside it, for the compare report's mttr.
        add(makeEvent(T0 + Day + 10 * Hour, ImageB, Category::ServerError, 300));
        add(makeEvent(T0 + Day + 10 * Hour + 90 * Second, ImageB, Category::ServerError, 300));
        add(makeEvent(T0 + Day + 10 * Hour + 150 * Second, ImageB, Category::None, 300));

        m_events = inStoreOrder(events);
        QVERIFY(m_store->append(m_events).ok());
        m_groups = {{ImageA, {u"keystone-tools"_s, u"hub"_s}},
                    {ImageB, {u"keystone-tools"_s, u"self-hosted"_s}},
                    {ImageC, {u"nixery"_s, u"on demand, \"cold\""_s}}};
        for (auto it = m_groups.cbegin(); it != m_groups.cend(); ++it)
            QVERIFY(m_store->setImageInfo(it.key(), it->first, it->second).ok());
    }

    void headers_data()
    {
        QTest::addColumn<ReportKind>("kind");
        QTest::addColumn<qint64>("bucketMs");
        QTest::addColumn<QStringList>("header");
        QTest::newRow("events") << ReportKind::Events << Hour << EventsHeader;
        QTest::newRow("availability 1h") << ReportKind::Availability << Hour << AvailabilityHeader;
        QTest::newRow("availability 1d") << ReportKind::Availability << Day << AvailabilityHeader;
        QTest::newRow("breakdown") << ReportKind::Breakdown << Hour << BreakdownHeader;
        QTest::newRow("compare") << ReportKind::Compare << Hour << CompareHeader;
    }

    void headers()
    {
        QFETCH(ReportKind, kind);
        QFETCH(qint64, bucketMs);
        QFETCH(QStringList, header);
        QByteArray raw;
        const Table table = report(kind, bucketMs, {}, &raw);
        QVERIFY(table.size() > 1);
        QCOMPARE(table[0], header);
        for (const QStringList &row : table)
            QCOMPARE(row.size(), header.size());
        QVERIFY(raw.startsWith(QByteArray(header.join(u',').toUtf8() + "\r\n")));
        QVERIFY(raw.endsWith("\r\n"));
        QVERIFY(!raw.startsWith("\xEF\xBB\xBF")); // no byte order mark
    }

    void emptyRangeHasOnlyTheHeader_data() { headers_data(); }

    void emptyRangeHasOnlyTheHeader()
    {
        QFETCH(ReportKind, kind);
        QFETCH(qint64, bucketMs);
        QFETCH(QStringList, header);
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const Result<qint64> rows =
            writeReport(*m_store, {kind, {}, {T0 + 100 * Day, T0 + 101 * Day}, bucketMs, {}}, &buffer);
        QVERIFY(rows.ok());
        QCOMPARE(*rows, 0);
        QCOMPARE(buffer.data(), QByteArray(header.join(u',').toUtf8() + "\r\n"));
    }

    void eventsReport()
    {
        const Table table = report(ReportKind::Events);
        const QList<PullEvent> expected = eventsInRange();
        QCOMPARE(table.size() - 1, expected.size());
        static const QRegularExpression isoMs(
            u"^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"_s);
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const QStringList &row = table[i + 1];
            QVERIFY2(isoMs.match(row[0]).hasMatch(), qPrintable(row[0]));
            QCOMPARE(row, expectedEventRow(expected[i]));
        }
    }

    void eventsReportKeepsTrickyCells()
    {
        const Table table = report(ReportKind::Events);
        const auto find = [&](const QString &messageStart) -> QStringList {
            for (const QStringList &row : table) {
                if (row.last().startsWith(messageStart))
                    return row;
            }
            return {};
        };
        const QStringList formula = find(u"'=HYPERLINK(\"http://x\""_s);
        QVERIFY2(!formula.isEmpty(), "the =HYPERLINK message is missing or unguarded");
        QCOMPARE(formula.last(), u"'=HYPERLINK(\"http://x\",\"click\")"_s);
        QCOMPARE(formula[15], u"'=cmd|' /C calc'!A0"_s); // ci_job_name is guarded too
        QCOMPARE(formula[0], u"2025-05-18T03:00:00.123Z"_s);
        const QList<std::pair<QString, QString>> guardedStarts = {
            {u"'+1"_s, u"'+1 retries"_s},
            {u"'-x"_s, u"'-x failed"_s},
            {u"'@SUM"_s, u"'@SUM(A1)"_s},
            {u"'\t"_s, u"'\ttab first"_s},
            {u"'\r"_s, u"'\rcarriage return first"_s},
            {u"line one\r\n"_s, u"line one\r\nline two, with \"quotes\"\nline three\r"_s},
            {u"Zeitüberschreitung –"_s, u"Zeitüberschreitung – 超时 🐳"_s}};
        for (const auto &[start, message] : guardedStarts) {
            const QStringList row = find(start);
            QVERIFY2(!row.isEmpty(), qPrintable(u"no message starting with "_s + start));
            QCOMPARE(row.last(), message);
        }
        QCOMPARE(find(u"line one\r\n"_s)[15], u"build, test \"all\""_s);

        // An event with nothing optional: empty cells, zero status and bytes.
        QStringList bare;
        for (const QStringList &row : table) {
            if (row[2] == ImageD && row[5] == u"timeout"_s && row[7].isEmpty() &&
                row[18].isEmpty() && row[0] == iso(T0 + 3 * Hour + 223))
                bare = row;
        }
        QCOMPARE(bare, (QStringList{iso(T0 + 3 * Hour + 223), u"probe"_s, ImageD,
                                    u"localhost:5000"_s, u"fail"_s, u"timeout"_s, u"0"_s, QString(),
                                    u"0"_s, QString(), QString(), QString(), QString(), QString(),
                                    QString(), QString(), QString(), QString(), QString()}));
    }

    void availabilityAgreesWithEvents_data()
    {
        QTest::addColumn<qint64>("bucketMs");
        QTest::newRow("1h") << Hour;
        QTest::newRow("1d") << Day;
    }

    void availabilityAgreesWithEvents()
    {
        QFETCH(qint64, bucketMs);
        const Table events = report(ReportKind::Events);
        const Table availability = report(ReportKind::Availability, bucketMs);
        QVERIFY(events.size() > 1);
        QVERIFY(availability.size() > 1);

        // Count the events report per image x bucket.
        struct Cell
        {
            qint64 total = 0, ok = 0;
            QList<qint64> latencies;
        };
        QMap<std::pair<qint64, QString>, Cell> cells;
        for (qsizetype i = 1; i < events.size(); ++i) {
            const QStringList &row = events[i];
            Cell &c = cells[{floorToStep(parseIso(row[0]), bucketMs), row[2]}];
            ++c.total;
            c.ok += row[4] == u"ok"_s;
            if (!row[7].isEmpty())
                c.latencies.append(row[7].toLongLong());
        }
        QCOMPARE(availability.size() - 1, cells.size());
        auto want = cells.cbegin();
        for (qsizetype i = 1; i < availability.size(); ++i, ++want) {
            const QStringList &row = availability[i];
            const QString where = row.mid(0, 3).join(u' ');
            QCOMPARE(row[0], iso(want.key().first)); // ordered by bucket, then image
            QCOMPARE(row[1], iso(want.key().first + bucketMs));
            QCOMPARE(row[2], want.key().second);
            QCOMPARE(row[3], m_groups.value(row[2]).first);
            QCOMPARE(row[4], m_groups.value(row[2]).second);
            QCOMPARE(row[5], QString::number(want->total));
            QCOMPARE(row[6], QString::number(want->ok));
            QCOMPARE(row[7], QString::number(want->total - want->ok));
            QVERIFY2(decimalCell(row[8], pct(want->ok, want->total), 2),
                     qPrintable(where + u": "_s + row[8]));
            QVERIFY2(nearLatency(row[9], nearestRank(want->latencies, 50)), qPrintable(where));
            QVERIFY2(nearLatency(row[10], nearestRank(want->latencies, 95)), qPrintable(where));
            QVERIFY2(nearLatency(row[11], nearestRank(want->latencies, 99)), qPrintable(where));
        }
    }

    void breakdownAgreesWithEvents()
    {
        const Table events = report(ReportKind::Events);
        const Table breakdown = report(ReportKind::Breakdown);
        QMap<QStringList, qint64> failures; // category, registry, image
        qint64 all = 0;
        for (qsizetype i = 1; i < events.size(); ++i) {
            if (events[i][4] == u"fail"_s) {
                ++failures[{events[i][5], events[i][3], events[i][2]}];
                ++all;
            }
        }
        QVERIFY(all > 0);
        QCOMPARE(breakdown.size() - 1, failures.size());
        double sum = 0;
        qint64 previous = std::numeric_limits<qint64>::max();
        for (qsizetype i = 1; i < breakdown.size(); ++i) {
            const QStringList &row = breakdown[i];
            const QStringList key = row.mid(0, 3);
            QVERIFY2(failures.contains(key), qPrintable(key.join(u' ')));
            QCOMPARE(row[3], QString::number(failures.value(key)));
            QVERIFY2(decimalCell(row[4], pct(failures.value(key), all), 2), qPrintable(row[4]));
            QVERIFY(row[3].toLongLong() <= previous); // most failures first
            previous = row[3].toLongLong();
            sum += row[4].toDouble();
        }
        // Rounded to 0.01 each: the sum is within half a hundredth per row of 100.
        QVERIFY2(std::abs(sum - 100.0) <= 0.005 * double(breakdown.size()) + 1e-9,
                 qPrintable(QString::number(sum)));
    }

    void compareAgreesWithEvents()
    {
        const Table events = report(ReportKind::Events);
        const Table compare = report(ReportKind::Compare);
        const QList<PullEvent> inRange = eventsInRange();
        QStringList images;
        for (const PullEvent &e : inRange) {
            if (!images.contains(e.image))
                images.append(e.image);
        }
        QCOMPARE(compare.size() - 1, images.size());
        // Grouped images first (by group, then label), then the ungrouped with an empty group.
        QStringList order;
        for (qsizetype i = 1; i < compare.size(); ++i)
            order.append(compare[i][2]);
        QCOMPARE(order, (QStringList{ImageA, ImageB, ImageC, ImageD})); // hub < self-hosted

        // Incidents as cut from the whole history, counted when they start inside the range.
        const QList<IncidentRef> incidents = incidentsOf(m_events);
        for (qsizetype i = 1; i < compare.size(); ++i) {
            const QStringList &row = compare[i];
            const QString image = row[2];
            QCOMPARE(row[0], m_groups.value(image).first);
            QCOMPARE(row[1], m_groups.value(image).second);
            qint64 total = 0, ok = 0;
            QList<qint64> latencies, cold, warm;
            std::array<qint64, CategoryCount> failures{};
            for (qsizetype r = 1; r < events.size(); ++r) { // from the events report
                if (events[r][2] != image)
                    continue;
                ++total;
                ok += events[r][4] == u"ok"_s;
                if (!events[r][7].isEmpty())
                    latencies.append(events[r][7].toLongLong());
                if (events[r][4] == u"fail"_s)
                    ++failures[int(categoryFromId(events[r][5]).value_or(Category::None))];
            }
            for (const PullEvent &e : inRange) { // the cold flag is not in the CSV
                if (e.image == image && e.latencyMs >= 0)
                    (e.cold ? cold : warm).append(e.latencyMs);
            }
            QCOMPARE(row[3], QString::number(total));
            QCOMPARE(row[4], QString::number(ok));
            QVERIFY2(decimalCell(row[5], pct(ok, total), 2), qPrintable(row[5]));
            QVERIFY2(nearLatency(row[6], nearestRank(latencies, 50)), qPrintable(image));
            QVERIFY2(nearLatency(row[7], nearestRank(latencies, 95)), qPrintable(image));
            qint64 count = 0, recovered = 0, ttr = 0;
            for (const IncidentRef &incident : incidents) {
                if (incident.image != image || !Range.contains(incident.start))
                    continue;
                ++count;
                if (incident.recoveredAt >= 0 && incident.recoveredAt < Range.to) {
                    ++recovered;
                    ttr += incident.recoveredAt - incident.start;
                }
            }
            QCOMPARE(row[8], QString::number(count));
            if (recovered) {
                QVERIFY2(decimalCell(row[9], double(ttr) / double(recovered) / 1000.0, 1),
                         qPrintable(image + u" mttr "_s + row[9]));
            } else {
                QCOMPARE(row[9], QString());
            }
            Category top = Category::None;
            for (Category c : FailureCategories) {
                if (failures[int(c)] > (top == Category::None ? 0 : failures[int(top)]))
                    top = c;
            }
            QCOMPARE(row[10], categoryId(top));
            QVERIFY2(nearLatency(row[11], nearestRank(cold, 50)), qPrintable(image + u" cold"_s));
            QVERIFY2(nearLatency(row[12], nearestRank(warm, 50)), qPrintable(image + u" warm"_s));
        }
    }

    void filteredReports_data()
    {
        QTest::addColumn<EventFilter>("filter");
        EventFilter f;
        f.images = {ImageC};
        QTest::newRow("one image") << f;
        f = {};
        f.groups = {u"keystone-tools"_s};
        QTest::newRow("one group") << f;
    }

    void filteredReports()
    {
        QFETCH(EventFilter, filter);
        const QList<PullEvent> expected = eventsInRange(filter);
        QVERIFY(!expected.isEmpty());
        const Table events = report(ReportKind::Events, Hour, filter);
        QCOMPARE(events.size() - 1, expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i)
            QCOMPARE(events[i + 1], expectedEventRow(expected[i]));
        QSet<QString> images;
        for (const PullEvent &e : expected)
            images.insert(e.image);
        for (ReportKind kind :
             {ReportKind::Availability, ReportKind::Breakdown, ReportKind::Compare}) {
            const Table table = report(kind, Hour, filter);
            QVERIFY(table.size() > 1);
            const int column = 2; // image
            qint64 total = 0;
            for (qsizetype i = 1; i < table.size(); ++i) {
                QVERIFY2(images.contains(table[i][column]), qPrintable(table[i][column]));
                if (kind != ReportKind::Breakdown)
                    total += table[i][kind == ReportKind::Availability ? 5 : 3].toLongLong();
            }
            if (kind != ReportKind::Breakdown)
                QCOMPARE(total, expected.size());
        }
    }
};

QTEST_GUILESS_MAIN(TstReports)
#include "tst_reports.moc"
