// Measures the store, query and CSV budgets of DESIGN.md "Performance budgets".
// Build in Release (cmake --preset release), then:
//   build/release/tests/bench/bench_history --events 10000000 --dir /tmp/pwbench
// Prints a Markdown table; the README's table comes from its output.
#include "analysis/Aggregator.h"
#include "analysis/Verdicts.h"
#include "demo/DemoHistory.h"
#include "reports/Reports.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "benchutil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace pw;

namespace {
void row(const char *what, const QString &measured, const char *budget)
{
    std::printf("| %s | %s | %s |\n", what, measured.toUtf8().constData(), budget);
    std::fflush(stdout);
}

[[noreturn]] void die(const QString &message)
{
    std::fprintf(stderr, "bench_history: %s\n", message.toUtf8().constData());
    std::exit(2);
}

// CPU time of the process (the store inserts on a second thread), to tell computing from waiting.
qint64 cpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Plain SQLite on this machine, right now: 1 M rows as wide as pullwatch's event rows, 32 rows per
// INSERT, in one transaction. The machine's speed varies from run to run; this reference moves
// with it, so the ingest figure can be read against it.
double sqliteBaselineRowsPerSecond(const QString &path)
{
    QFile::remove(path);
    sqlite3 *db = nullptr;
    sqlite3_open(QFile::encodeName(path).constData(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                 "CREATE TABLE e(id INTEGER PRIMARY KEY, a, b, c, d, f, g, h, i, j)",
                 nullptr, nullptr, nullptr);
    QByteArray sql = "INSERT INTO e VALUES";
    for (int r = 0; r < 32; ++r)
        sql += r ? ",(?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *insert = nullptr;
    sqlite3_prepare_v2(db, sql.constData(), -1, &insert, nullptr);
    constexpr qint64 Rows = 1000000;
    QElapsedTimer timer;
    timer.start();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    qint64 id = qint64(1) << 40;
    for (qint64 n = 0; n < Rows; n += 32) {
        for (int r = 0; r < 32; ++r) {
            const int base = r * 10;
            sqlite3_bind_int64(insert, base + 1, id += 1024);
            for (int c = 2; c <= 10; ++c) {
                if (c % 3 == 0)
                    sqlite3_bind_null(insert, base + c);
                else
                    sqlite3_bind_int64(insert, base + c, (n * c) % 300);
            }
        }
        sqlite3_step(insert);
        sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    const double rate = double(Rows) / (double(timer.nsecsElapsed()) / 1e9);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
    return rate;
}

qint64 fileBytes(const QString &path)
{
    qint64 total = 0;
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        total += QFileInfo(path + suffix).size();
    return total;
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("History size."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Scratch folder."),
                                       QStringLiteral("DIR"), QDir::tempPath());
    const QCommandLineOption csvOption(QStringLiteral("csv-rows"), QStringLiteral("CSV rows."),
                                       QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption reuseOption(QStringLiteral("reuse"),
                                         QStringLiteral("Query an existing bench history."));
    parser.addOptions({eventsOption, dirOption, csvOption, reuseOption});
    parser.addHelpOption();
    parser.process(app);
    const qint64 events = parser.value(eventsOption).toLongLong();
    const qint64 csvRows = std::min(events, parser.value(csvOption).toLongLong());
    const QString path =
        QDir(parser.value(dirOption)).filePath(QStringLiteral("bench-%1.db").arg(events));
    const bool reuse = parser.isSet(reuseOption) && QFileInfo::exists(path);
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (!reuse)
            QFile::remove(path + suffix);
    }

    qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = qint64(30) * 86400000;
    std::printf("| measure (%lld events) | measured | budget |\n|---|---|---|\n",
                qlonglong(events));

    row("reference: plain SQLite, 10-column rows, 32 per INSERT",
        QStringLiteral("%1 M rows/s")
            .arg(sqliteBaselineRowsPerSecond(path + QStringLiteral(".ref")) / 1e6, 0, 'f', 2),
        "—");
    // Ingest: only the time spent inside HistoryStore::append counts, not making the events.
    if (reuse) {
        now = (*SqliteHistoryStore::open(path))->span().to;
    } else {
        auto store = SqliteHistoryStore::open(path);
        if (!store)
            die(store.error());
        DemoHistory demo(DemoOptions{events, now, span, 7});
        for (const ImageInfo &info : demo.images())
            (void)(*store)->setImageInfo(info.image, info.group, info.label);
        std::vector<PullEvent> batch;
        qint64 appendNs = 0, appendCpuNs = 0;
        while (demo.nextBatch(batch)) {
            QElapsedTimer t;
            t.start();
            const qint64 cpu = cpuNs();
            if (Status s = (*store)->append(batch); !s)
                die(s.error());
            appendNs += t.nsecsElapsed();
            appendCpuNs += cpuNs() - cpu;
        }
        row("bulk ingest into SQLite",
            QStringLiteral("%1 M events/s (%2 µs CPU per event, both threads)")
                .arg(double(events) / (double(appendNs) / 1e9) / 1e6, 0, 'f', 2)
                .arg(double(appendCpuNs) / 1e3 / double(events), 0, 'f', 2),
            "≥ 1 M events/s");
    }
    // Closing the store checkpoints the WAL into the main file.
    row("history file size per event",
        QStringLiteral("%1 bytes").arg(double(fileBytes(path)) / double(events), 0, 'f', 1),
        "≤ 40 bytes");

    auto store = SqliteHistoryStore::open(path);
    if (!store)
        die(store.error());
    Aggregator aggregator(**store);
    const TimeRange month{now - span, now};
    const QString image = (*store)->images().first().image;
    AggregateQuery timeline{EventFilter{}, month, 3600 * 1000};
    timeline.filter.images = {image};
    qsizetype buckets = 0;
    const double timelineMs =
        medianMs(21, [&] { buckets = aggregator.availability(timeline)->size(); });
    row("30-day hourly timeline, one image",
        QStringLiteral("%1 ms (%2 buckets)").arg(timelineMs, 0, 'f', 2).arg(buckets), "≤ 10 ms");
    qsizetype breakdownRows = 0;
    const double breakdownMs =
        medianMs(11, [&] { breakdownRows = aggregator.breakdown(EventFilter{}, month)->size(); });
    row("full failure breakdown, 30 days",
        QStringLiteral("%1 ms (%2 rows)").arg(breakdownMs, 0, 'f', 2).arg(breakdownRows),
        "≤ 200 ms");

    // explain --summary: every failed CI pull of the month judged from the probes around it.
    qsizetype judged = 0;
    const double verdictsMs = medianMs(5, [&] {
        const auto rows = VerdictEngine(**store).summarize(EventFilter{}, month);
        judged = 0;
        for (const ImageVerdicts &row : *rows)
            judged += row.ciFailures;
    });
    row("explain --summary, 30 days",
        QStringLiteral("%1 ms (%2 failed CI pulls)").arg(verdictsMs, 0, 'f', 1).arg(judged),
        "≤ 1 s");

    // CSV: the events report over a range holding csvRows events.
    const TimeRange csvRange{
        now - span, now - span + qint64(double(span) * double(csvRows) / double(events)) + 1};
    const QString csvPath = path + QStringLiteral(".csv");
    qint64 written = 0;
    const double csvMs = medianMs(3, [&] {
        QFile out(csvPath);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
            die(out.errorString());
        ReportRequest request;
        request.range = csvRange;
        written = *writeReport(**store, request, &out);
    });
    row("CSV export (events report)",
        QStringLiteral("%1 ms for %2 rows (%3 MB)")
            .arg(csvMs, 0, 'f', 0)
            .arg(written)
            .arg(double(QFileInfo(csvPath).size()) / 1e6, 0, 'f', 0),
        "1 M rows ≤ 1 s");
    QFile::remove(csvPath);
    return 0;
}
