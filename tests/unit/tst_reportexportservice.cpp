// ReportExportService: the files it writes are the CLI's reports byte for byte; a cancel stops a
// large export quickly and leaves the directory as it was; a directory it cannot write to fails
// with a message naming it; progress comes a few times a second, not per row.
#include "demo/DemoHistory.h"
#include "services/ReportExportService.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "testutil.h"

#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
constexpr qint64 End = 1764000000000; // 2025-11-24T16:00:00Z
// Enough that the events report takes several progress intervals to write.
constexpr qint64 DemoEvents = 400'000;
const QList<ReportKind> AllKinds = {ReportKind::Events, ReportKind::Availability,
                                    ReportKind::Breakdown, ReportKind::Compare};

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QStringList filesIn(const QString &directory)
{
    return QDir(directory).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}
} // namespace

class TestReportExportService : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void writesTheCliReports_data();
    void writesTheCliReports();
    void cancelLeavesTheDirectoryAsItWas();
    void failsOnADirectoryItCannotWrite_data();
    void failsOnADirectoryItCannotWrite();
    void savesAChart();
    void savesASelfHostKitOnce();

private:
    ReportRequest request(ReportKind kind, const EventFilter &filter = {}) const
    {
        return ReportRequest{kind, filter, m_range, 3600 * 1000, {}};
    }

    TestDir m_history;
    QString m_path;
    TimeRange m_range;
};

void TestReportExportService::initTestCase()
{
    m_path = m_history.path(u"history.db"_s);
    auto store = SqliteHistoryStore::open(m_path);
    QVERIFY2(store, qPrintable(store ? QString() : store.error()));
    DemoOptions options;
    options.events = DemoEvents;
    options.endMs = End;
    QVERIFY(DemoHistory::write(**store, options).ok());
    m_range = {End - options.spanMs - 1, End + 1};
}

void TestReportExportService::writesTheCliReports_data()
{
    QTest::addColumn<EventFilter>("filter");
    QTest::newRow("everything") << EventFilter();
    EventFilter group;
    group.groups = {u"keystone-tools"_s};
    QTest::newRow("one group") << group;
}

void TestReportExportService::writesTheCliReports()
{
    QFETCH(EventFilter, filter);
    TestDir out;
    QList<ReportRequest> requests;
    for (ReportKind kind : AllKinds)
        requests << request(kind, filter);

    ReportExportService service(m_path);
    QSignalSpy progress(&service, &ReportExporter::progress);
    QSignalSpy finished(&service, &ReportExporter::finished);
    QSignalSpy failed(&service, &ReportExporter::failed);
    QElapsedTimer clock;
    clock.start();
    service.exportReports(requests, out.dir.path());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size() + failed.size(), 1, 60'000);
    const qint64 elapsedMs = clock.elapsed();
    QCOMPARE(failed.size(), 0);

    // The same bytes as `pullwatch export` (writeReport) for the same request.
    auto store = SqliteHistoryStore::open(m_path);
    QVERIFY(store);
    const QStringList files = finished.first().at(0).toStringList();
    QCOMPARE(files.size(), requests.size());
    qint64 rows = 0;
    for (int i = 0; i < requests.size(); ++i) {
        QCOMPARE(files[i], QDir(out.dir.path()).filePath(ReportExporter::fileName(requests[i])));
        QBuffer expected;
        expected.open(QIODevice::WriteOnly);
        const Result<qint64> written = writeReport(**store, requests[i], &expected);
        QVERIFY(written.ok());
        rows += *written;
        const QByteArray actual = readAll(files[i]);
        QVERIFY2(actual.size() > 100, qPrintable(files[i]));
        QVERIFY2(actual == expected.data(), qPrintable(files[i]));
    }
    QCOMPARE(finished.first().at(1).toLongLong(), rows);
    QCOMPARE(filesIn(out.dir.path()).size(), requests.size()); // no temporary files left

    // Progress names each file as it starts, counts up, and stays at a few signals a second.
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.first().at(1).toString(), ReportExporter::fileName(requests.first()));
    QCOMPARE(progress.last().at(3).toInt(), requests.size());
    qint64 lastRows = 0;
    for (const QList<QVariant> &signal : progress) {
        QVERIFY(signal.at(0).toLongLong() >= lastRows);
        lastRows = signal.at(0).toLongLong();
    }
    QVERIFY(lastRows <= rows);
    QVERIFY2(progress.size() <= elapsedMs / 50 + requests.size() + 1,
             qPrintable(u"%1 progress signals in %2 ms"_s.arg(progress.size()).arg(elapsedMs)));
}

void TestReportExportService::cancelLeavesTheDirectoryAsItWas()
{
    TestDir out;
    const ReportRequest events = request(ReportKind::Events);
    const QString path = QDir(out.dir.path()).filePath(ReportExporter::fileName(events));
    const QByteArray old = "an earlier export\r\n";
    QVERIFY(writeAll(path, old));

    ReportExportService service(m_path);
    QSignalSpy progress(&service, &ReportExporter::progress);
    QSignalSpy finished(&service, &ReportExporter::finished);
    QSignalSpy canceled(&service, &ReportExporter::canceled);
    service.exportReports({events}, out.dir.path());
    // Cancel once rows are being written: the report is well under way.
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).toLongLong() > 0, 30'000);
    QElapsedTimer clock;
    clock.start();
    service.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(canceled.size(), 1, 5'000);
    QVERIFY2(clock.elapsed() < 1000, qPrintable(u"canceled after %1 ms"_s.arg(clock.elapsed())));
    QCOMPARE(finished.size(), 0);
    QCOMPARE(progress.last().at(0).toLongLong() < DemoEvents, true);
    QCOMPARE(filesIn(out.dir.path()), QStringList{ReportExporter::fileName(events)});
    QCOMPARE(readAll(path), old);

    // The cancel was for that job only: the next one replaces the old file with the report.
    service.exportReports({events}, out.dir.path());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60'000);
    QCOMPARE(canceled.size(), 1);
    QVERIFY(readAll(path).startsWith("ts,source,image,"));
}

void TestReportExportService::failsOnADirectoryItCannotWrite_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("missing directory") << u"no/such/dir"_s << false;
    QTest::newRow("a file, not a directory") << u"plain-file"_s << false;
    QTest::newRow("read-only directory") << u"locked"_s << true;
}

void TestReportExportService::failsOnADirectoryItCannotWrite()
{
    QFETCH(QString, name);
    QFETCH(bool, readOnly);
    TestDir out;
    const QString directory = out.path(name);
    if (name == u"plain-file"_s)
        QVERIFY(writeAll(directory, "not a directory"));
    if (readOnly) {
        if (::geteuid() == 0)
            QSKIP("root writes into read-only directories");
        QVERIFY(QDir().mkpath(directory));
        QVERIFY(QFile::setPermissions(directory, QFile::ReadOwner | QFile::ExeOwner));
    }

    ReportExportService service(m_path);
    QSignalSpy finished(&service, &ReportExporter::finished);
    QSignalSpy failed(&service, &ReportExporter::failed);
    service.exportReports({request(ReportKind::Breakdown)}, directory);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10'000);
    QCOMPARE(finished.size(), 0);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.contains(directory), qPrintable(message));
    if (readOnly)
        QVERIFY(filesIn(directory).isEmpty());
}

void TestReportExportService::savesAChart()
{
    TestDir out;
    const QString path = out.path(u"chart.svg"_s);
    QVERIFY(writeAll(path, "old chart"));
    ReportExportService service(m_path);
    QSignalSpy finished(&service, &ReportExporter::finished);
    service.saveFile(path, "<svg/>");
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toStringList(), QStringList{path});
    QCOMPARE(readAll(path), "<svg/>");

    QSignalSpy failed(&service, &ReportExporter::failed);
    service.saveFile(out.path(u"missing/chart.png"_s), "png");
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(failed.first().first().toString().contains(out.path(u"missing/chart.png"_s)));
}

// The dashboard's "Self-host this image…": every file under the folder, mirror.sh executable,
// and a second save into the same folder refused without touching what is there.
void TestReportExportService::savesASelfHostKitOnce()
{
    TestDir out;
    SelfHostRequest request;
    request.source = *ImageReference::parse(u"nixery.dev/shell/jq"_s);
    request.target = *ImageReference::parse(u"ghcr.io/acme/jq-tools"_s);
    request.onDemand = true;
    const QList<KitFile> files = selfHostKit(request);
    QCOMPARE(files.size(), 5);
    const QString dir = out.path(u"selfhost-jq-tools"_s);
    ReportExportService service(m_path);
    QSignalSpy finished(&service, &ReportExporter::finished);
    QSignalSpy failed(&service, &ReportExporter::failed);
    service.saveKit(dir, files);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toStringList().size(), 5);
    for (const KitFile &file : files)
        QCOMPARE(readAll(dir + u'/' + file.path), file.content);
    QVERIFY(QFileInfo(dir + u"/mirror.sh"_s).isExecutable());
    QVERIFY(!QFileInfo(dir + u"/image.nix"_s).isExecutable());

    QVERIFY(writeAll(dir + u"/image.nix"_s, "mine"));
    QList<KitFile> changed = files;
    changed.first().content = "#!/bin/sh\n";
    service.saveKit(dir, changed);
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(failed.first().first().toString().contains(u"exists"_s));
    QCOMPARE(readAll(dir + u"/image.nix"_s), "mine");
    QCOMPARE(readAll(dir + u"/mirror.sh"_s), files.first().content); // none written
}

QTEST_GUILESS_MAIN(TestReportExportService)
#include "tst_reportexportservice.moc"
