// The live monitor's toolbar actions and status-bar sentence, driven by a fake PullMonitor.
#include "MonitorActions.h"
#include "MonitorStatusLabel.h"
#include "ports/PullMonitor.h"

#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

// A PullMonitor that remembers what it was asked; the test plays its signals.
class FakeMonitor : public PullMonitor
{
public:
    MonitorState current;
    int probes = 0;
    QList<QStringList> imports;
    int cancels = 0;

    MonitorState state() const override { return current; }
    void probeNow() override { ++probes; }
    void importLogs(const QStringList &paths) override
    {
        imports.append(paths);
        setState([](MonitorState &s) { s.importing = true; });
    }
    void cancelImport() override { ++cancels; }

    void setState(const std::function<void(MonitorState &)> &change)
    {
        change(current);
        emit stateChanged(current);
    }
};

class TstMonitorActions : public QObject
{
    Q_OBJECT

private slots:
    void probeNowFollowsProbing();
    void importShowsProgressAndCancels();
    void importSummaryAfterSuccess();
    void statusSentenceFollowsState();
};

void TstMonitorActions::probeNowFollowsProbing()
{
    FakeMonitor monitor;
    ProbeNowAction action(&monitor, nullptr);
    QVERIFY(!action.isEnabled()); // probing off
    monitor.setState([](MonitorState &s) {
        s.probing = true;
        s.images = 2;
    });
    QVERIFY(action.isEnabled());
    action.trigger();
    QCOMPARE(monitor.probes, 1);
    monitor.setState([](MonitorState &s) {
        s.probing = false;
        s.demo = true;
    });
    QVERIFY(!action.isEnabled());
}

void TstMonitorActions::importShowsProgressAndCancels()
{
    FakeMonitor monitor;
    QMainWindow window;
    auto *action = new ImportLogsAction(&monitor, &window);
    QVERIFY(action->isEnabled());
    QVERIFY(action->menu());
    QCOMPARE(action->menu()->actions().size(), 2); // files, directory

    action->import({u"/var/log/ci/job.log"_s});
    QCOMPARE(monitor.imports, QList<QStringList>({{u"/var/log/ci/job.log"_s}}));
    QVERIFY(!action->isEnabled()); // one import at a time
    QProgressDialog *progress = action->progressDialog();
    QVERIFY(progress);

    emit monitor.importProgress(25'000'000, 50'000'000);
    QCOMPARE(progress->value(), 500);
    QVERIFY2(progress->labelText().contains(u"25.0 of 50.0 MB"_s),
             qPrintable(progress->labelText()));

    auto *cancel = progress->findChild<QPushButton *>();
    QVERIFY(cancel);
    QCOMPARE(cancel->text(), u"Cancel"_s);
    cancel->click();
    QCOMPARE(monitor.cancels, 1);
    QCOMPARE(progress->labelText(), u"Canceling…"_s);
    emit monitor.importProgress(30'000'000, 50'000'000); // in flight before the cancel
    QCOMPARE(progress->labelText(), u"Canceling…"_s);

    monitor.setState([](MonitorState &s) { s.importing = false; });
    emit monitor.importFinished(u"Import canceled: 0 files read"_s, false);
    QTRY_VERIFY(!action->progressDialog());
    QVERIFY(action->isEnabled());
    auto *summary = window.findChild<QMessageBox *>(u"importSummary"_s);
    QVERIFY(summary);
    QCOMPARE(summary->text(), u"Import canceled: 0 files read"_s);
    QCOMPARE(summary->icon(), QMessageBox::Warning);
    QVERIFY(summary->isVisible());
    QVERIFY(!summary->isModal() || summary->windowModality() == Qt::WindowModal);
}

void TstMonitorActions::importSummaryAfterSuccess()
{
    FakeMonitor monitor;
    QMainWindow window;
    auto *action = new ImportLogsAction(&monitor, &window);
    action->import({});
    QVERIFY(monitor.imports.isEmpty()); // a dialog closed without a choice
    action->import({u"/logs"_s});
    emit monitor.importProgress(10, 10);
    QCOMPARE(action->progressDialog()->value(), 1000);
    emit monitor.importFinished(u"2 files read, 5 pulls stored (1 failed)"_s, true);
    auto *summary = window.findChild<QMessageBox *>(u"importSummary"_s);
    QVERIFY(summary);
    QCOMPARE(summary->icon(), QMessageBox::Information);
    QCOMPARE(summary->text(), u"2 files read, 5 pulls stored (1 failed)"_s);
}

void TstMonitorActions::statusSentenceFollowsState()
{
    FakeMonitor monitor;
    monitor.current.demo = true;
    MonitorStatusLabel label(&monitor);
    QCOMPARE(label.text(), u"Probing off (demo history)"_s);
    monitor.setState([](MonitorState &s) {
        s.demo = false;
        s.probing = true;
        s.images = 3;
        s.probesRunning = 1;
        s.ciSources = 2;
        s.lastError = u"ghcr.io: HTTP 503"_s;
    });
    QCOMPARE(label.text(),
             u"Probing 3 images · 1 running · CI: 2 sources · error: ghcr.io: HTTP 503"_s);
    QCOMPARE(label.toolTip(), u"ghcr.io: HTTP 503"_s);
}

QTEST_MAIN(TstMonitorActions)
#include "tst_monitoractions.moc"
