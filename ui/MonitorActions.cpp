#include "MonitorActions.h"

#include "ports/PullMonitor.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>

namespace pw {

ProbeNowAction::ProbeNowAction(PullMonitor *monitor, QObject *parent)
    : QAction(tr("Probe &now"), parent)
{
    setObjectName(QStringLiteral("probeNow"));
    setShortcut(QKeySequence(Qt::Key_F5));
    connect(this, &QAction::triggered, monitor, &PullMonitor::probeNow);
    connect(monitor, &PullMonitor::stateChanged, this, &ProbeNowAction::follow);
    follow(monitor->state());
}

void ProbeNowAction::follow(const MonitorState &state)
{
    setEnabled(state.probing);
    setToolTip(state.demo ? tr("The demo history is not probed")
                          : tr("Probe every configured image now (F5)"));
}

ImportLogsAction::ImportLogsAction(PullMonitor *monitor, QWidget *window)
    : QAction(tr("&Import logs…"), window), m_monitor(monitor), m_window(window)
{
    setObjectName(QStringLiteral("importLogs"));
    setToolTip(tr("Read CI logs for pull failures and add them to the history"));
    auto *menu = new QMenu(window);
    menu->addAction(tr("Log &files…"), this, &ImportLogsAction::chooseFiles);
    menu->addAction(tr("Log &directory…"), this, &ImportLogsAction::chooseDirectory);
    setMenu(menu);
    connect(this, &QAction::triggered, this, &ImportLogsAction::chooseFiles);
    connect(monitor, &PullMonitor::importProgress, this, &ImportLogsAction::showProgress);
    connect(monitor, &PullMonitor::importFinished, this, &ImportLogsAction::finish);
    connect(monitor, &PullMonitor::stateChanged, this,
            [this](const MonitorState &state) { setEnabled(!state.importing); });
}

ImportLogsAction::~ImportLogsAction() = default;

void ImportLogsAction::chooseFiles()
{
    import(QFileDialog::getOpenFileNames(m_window, tr("Import CI logs"), m_lastDirectory,
                                         tr("Logs (*.log *.txt *.gz);;All files (*)")));
}

void ImportLogsAction::chooseDirectory()
{
    const QString directory = QFileDialog::getExistingDirectory(
        m_window, tr("Import every log below a directory"), m_lastDirectory);
    if (!directory.isEmpty())
        import({directory});
}

void ImportLogsAction::import(const QStringList &paths)
{
    if (paths.isEmpty() || m_progress || m_monitor->state().importing)
        return;
    m_lastDirectory = QFileInfo(paths.first()).absolutePath();
    m_progress = new QProgressDialog(tr("Reading CI logs…"), tr("Cancel"), 0, 1000, m_window);
    m_progress->setObjectName(QStringLiteral("importProgress"));
    m_progress->setWindowTitle(tr("Import logs"));
    m_progress->setAttribute(Qt::WA_DeleteOnClose);
    m_progress->setAutoClose(false); // finish() closes it, with the summary
    m_progress->setAutoReset(false);
    m_progress->setMinimumDuration(500); // a quick import needs no dialog
    m_progress->setValue(0);
    // It stays up until the monitor says the import has stopped.
    connect(m_progress, &QProgressDialog::canceled, this, [this] {
        m_progress->setLabelText(tr("Canceling…"));
        m_monitor->cancelImport();
    });
    m_monitor->importLogs(paths);
}

void ImportLogsAction::showProgress(qint64 bytesDone, qint64 bytesTotal)
{
    if (!m_progress || m_progress->wasCanceled())
        return;
    // Per mille: byte counts overflow the dialog's int range.
    m_progress->setValue(bytesTotal > 0 ? static_cast<int>(bytesDone * 1000 / bytesTotal) : 0);
    m_progress->setLabelText(tr("Reading CI logs… %1 of %2 MB")
                                 .arg(bytesDone / 1e6, 0, 'f', 1)
                                 .arg(bytesTotal / 1e6, 0, 'f', 1));
}

void ImportLogsAction::finish(const QString &summary, bool ok)
{
    if (m_progress)
        m_progress->close();
    auto *box = new QMessageBox(ok ? QMessageBox::Information : QMessageBox::Warning,
                                tr("Import logs"), summary, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("importSummary"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // not exec(): the window keeps working behind it
}

} // namespace pw
