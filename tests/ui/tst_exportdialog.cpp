// ExportDialog under the offscreen platform: it asks the exporter for the chosen reports over
// the shared range and filter, renders the current chart to PNG or SVG bytes for it to save,
// shows progress while the export runs, cancels it, and says what was written or why not.
#include "items/DashboardState.h"
#include "ExportDialog.h"
#include "ports/ReportExporter.h"
#include "TimeFormat.h"

#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

Q_DECLARE_METATYPE(pw::ReportKind)

namespace {
// ReportExporter that remembers what it was asked; the test plays the worker's signals.
class FakeExporter : public ReportExporter
{
public:
    QList<QList<ReportRequest>> exports;
    QStringList directories;
    QList<std::pair<QString, QByteArray>> saved;
    int cancels = 0;

    void exportReports(const QList<ReportRequest> &requests, const QString &directory) override
    {
        exports << requests;
        directories << directory;
    }
    void saveFile(const QString &path, const QByteArray &bytes) override
    {
        saved.append({path, bytes});
    }
    void saveKit(const QString &directory, const QList<KitFile> &files) override
    {
        for (const KitFile &file : files)
            saved.append({directory + u'/' + file.path, file.content});
    }
    void cancel() override { ++cancels; }
};

// A "chart": one colour, so its picture is easy to recognise.
class SolidChart : public QWidget
{
public:
    SolidChart() { resize(320, 200); }

protected:
    void paintEvent(QPaintEvent *) override { QPainter(this).fillRect(rect(), Qt::red); }
};

const TimeRange Range{1747526400000, 1747526400000 + 7 * 86'400'000LL};
const QString Directory = u"/srv/exports"_s;
} // namespace

class TestExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init();
    void asksForTheChosenReports_data();
    void asksForTheChosenReports();
    void savesTheChartAfterTheReports_data();
    void savesTheChartAfterTheReports();
    void cancelStopsTheExport();
    void showsAFailure();
    void withoutAChartThatOptionIsOff();

private:
    QCheckBox *reportBox(ExportDialog &dialog, ReportKind kind)
    {
        return dialog.findChild<QCheckBox *>(reportId(kind));
    }
    QString status(ExportDialog &dialog)
    {
        return dialog.findChild<QLabel *>(u"exportStatus"_s)->text();
    }

    DashboardState m_state;
    EventFilter m_filter;
};

void TestExportDialog::init()
{
    m_filter = {};
    m_filter.groups = {u"keystone-tools"_s};
    m_state.setCustomRange(Range);
    m_state.setFilter(m_filter);
}

void TestExportDialog::asksForTheChosenReports_data()
{
    QTest::addColumn<QList<ReportKind>>("unchecked");
    QTest::newRow("all five (the default)") << QList<ReportKind>();
    QTest::newRow("without events") << QList<ReportKind>{ReportKind::Events};
    QTest::newRow("only compare") << QList<ReportKind>{ReportKind::Events, ReportKind::Availability,
                                                       ReportKind::Breakdown};
}

void TestExportDialog::asksForTheChosenReports()
{
    QFETCH(QList<ReportKind>, unchecked);
    FakeExporter exporter;
    ExportDialog dialog(&exporter, &m_state, nullptr);
    dialog.setDirectory(Directory);
    dialog.show();
    const QString scope = dialog.findChild<QLabel *>(u"exportScope"_s)->text();
    QVERIFY2(scope.contains(timeformat::toMinute(Range.from)) &&
                 scope.contains(timeformat::toMinute(Range.to)) &&
                 scope.contains(u"keystone-tools"_s),
             qPrintable(scope));
    for (ReportKind kind : unchecked)
        reportBox(dialog, kind)->setChecked(false);

    auto *start = dialog.findChild<QPushButton *>(u"startExport"_s);
    QTest::mouseClick(start, Qt::LeftButton);
    QCOMPARE(exporter.exports.size(), 1);
    QCOMPARE(exporter.directories, QStringList{Directory});
    QList<ReportKind> asked;
    for (const ReportRequest &request : exporter.exports.first()) {
        asked << request.kind;
        QCOMPARE(request.range, Range);
        QCOMPARE(request.filter, m_filter);
        QCOMPARE(request.bucketMs, m_state.bucketMs(Range.to));
    }
    QList<ReportKind> expected;
    for (ReportKind kind :
         {ReportKind::Events, ReportKind::Availability, ReportKind::Breakdown, ReportKind::Compare,
          ReportKind::Verdicts})
        if (!unchecked.contains(kind))
            expected << kind;
    QCOMPARE(asked, expected);

    // Running: progress and a way to cancel, no second export.
    QVERIFY(dialog.isRunning());
    QVERIFY(dialog.findChild<QProgressBar *>()->isVisible());
    QVERIFY(dialog.findChild<QPushButton *>(u"cancelExport"_s)->isVisible());
    QVERIFY(!start->isEnabled());
    emit exporter.progress(1234, u"pullwatch-events.csv"_s, 0, int(expected.size()));
    QVERIFY2(status(dialog).contains(u"pullwatch-events.csv"_s), qPrintable(status(dialog)));

    // Done: the files are listed and another export can start.
    const QStringList files = {Directory + u"/a.csv"_s, Directory + u"/b.csv"_s};
    emit exporter.finished(files, 4321);
    QVERIFY(!dialog.isRunning());
    QVERIFY(!dialog.findChild<QProgressBar *>()->isVisible());
    QVERIFY(start->isEnabled());
    QVERIFY2(status(dialog).contains(files[1]) && status(dialog).contains(QLocale().toString(4321)),
             qPrintable(status(dialog)));
}

void TestExportDialog::savesTheChartAfterTheReports_data()
{
    QTest::addColumn<int>("format"); // the combo box's row
    QTest::addColumn<QString>("suffix");
    QTest::newRow("PNG") << 0 << u".png"_s;
    QTest::newRow("SVG") << 1 << u".svg"_s;
}

void TestExportDialog::savesTheChartAfterTheReports()
{
    QFETCH(int, format);
    QFETCH(QString, suffix);
    FakeExporter exporter;
    SolidChart chart;
    ExportDialog dialog(&exporter, &m_state, &chart);
    dialog.setDirectory(Directory);
    dialog.show();
    auto *chartBox = dialog.findChild<QCheckBox *>(u"exportChart"_s);
    QVERIFY(chartBox && chartBox->isEnabled());
    chartBox->setChecked(true);
    dialog.findChild<QComboBox *>(u"chartFormat"_s)->setCurrentIndex(format);
    dialog.startExport();
    QCOMPARE(exporter.exports.size(), 1);
    QVERIFY(exporter.saved.isEmpty()); // the reports come first
    emit exporter.finished({Directory + u"/r.csv"_s}, 10);
    QCOMPARE(exporter.saved.size(), 1);
    QVERIFY(dialog.isRunning());

    const auto &[path, bytes] = exporter.saved.first();
    QVERIFY2(path.startsWith(Directory + u"/pullwatch-chart-"_s) && path.endsWith(suffix),
             qPrintable(path));
    if (suffix == u".png"_s) {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), chart.size());
        QCOMPARE(image.pixelColor(160, 100), QColor(Qt::red));
    } else {
        QVERIFY(bytes.startsWith("<?xml"));
        QVERIFY(bytes.contains("<svg"));
        QVERIFY(bytes.contains("#ff0000")); // the chart's colour, drawn
    }
    emit exporter.finished({path}, 0);
    QVERIFY(!dialog.isRunning());
    QVERIFY2(status(dialog).contains(path) && status(dialog).contains(Directory + u"/r.csv"_s),
             qPrintable(status(dialog)));
}

void TestExportDialog::cancelStopsTheExport()
{
    FakeExporter exporter;
    SolidChart chart;
    ExportDialog dialog(&exporter, &m_state, &chart);
    dialog.setDirectory(Directory);
    dialog.show();
    dialog.findChild<QCheckBox *>(u"exportChart"_s)->setChecked(true);
    dialog.startExport();

    QTest::mouseClick(dialog.findChild<QPushButton *>(u"cancelExport"_s), Qt::LeftButton);
    QCOMPARE(exporter.cancels, 1);
    QVERIFY(dialog.isRunning()); // until the exporter says it stopped
    // Escape cancels too, rather than closing the dialog under a running export.
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QVERIFY(dialog.isVisible());
    emit exporter.canceled();
    QVERIFY(!dialog.isRunning());
    QVERIFY(exporter.saved.isEmpty()); // no chart after a canceled export
    QVERIFY2(status(dialog).contains(u"canceled"_s), qPrintable(status(dialog)));
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QVERIFY(!dialog.isVisible());
}

void TestExportDialog::showsAFailure()
{
    FakeExporter exporter;
    ExportDialog dialog(&exporter, &m_state, nullptr);
    dialog.setDirectory(Directory);
    dialog.show();
    dialog.startExport();
    const QString message = u"Cannot write /srv/exports/x.csv: No space left on device"_s;
    emit exporter.failed(message);
    QVERIFY(!dialog.isRunning());
    QVERIFY2(status(dialog).contains(message), qPrintable(status(dialog)));
    QVERIFY(dialog.findChild<QPushButton *>(u"startExport"_s)->isEnabled());
}

void TestExportDialog::withoutAChartThatOptionIsOff()
{
    FakeExporter exporter;
    ExportDialog dialog(&exporter, &m_state, nullptr);
    dialog.setDirectory(Directory);
    QVERIFY(!dialog.findChild<QCheckBox *>(u"exportChart"_s)->isEnabled());
    QVERIFY(!dialog.findChild<QComboBox *>(u"chartFormat"_s)->isEnabled());
    // Nothing chosen: nothing to start.
    for (ReportKind kind :
         {ReportKind::Events, ReportKind::Availability, ReportKind::Breakdown, ReportKind::Compare,
          ReportKind::Verdicts})
        reportBox(dialog, kind)->setChecked(false);
    QVERIFY(!dialog.findChild<QPushButton *>(u"startExport"_s)->isEnabled());
}

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
