#pragma once

#include <QAction>
#include <QPointer>
#include <QProgressDialog>

class QWidget;

namespace pw {

class PullMonitor;
struct MonitorState;

// "Probe now": every configured image at once; disabled while probing is off (demo history,
// no images).
class ProbeNowAction : public QAction
{
    Q_OBJECT
public:
    ProbeNowAction(PullMonitor *monitor, QObject *parent);

private:
    void follow(const MonitorState &state);
};

// "Import logs…": asks for log files (or, from its menu, a directory), hands them to the monitor,
// follows the import in a progress dialog whose Cancel stops it, then shows the summary. The
// window stays usable meanwhile. Disabled while an import runs.
class ImportLogsAction : public QAction
{
    Q_OBJECT
public:
    // window: parent of the dialogs.
    ImportLogsAction(PullMonitor *monitor, QWidget *window);
    ~ImportLogsAction() override;

    // The dialog of the running import, nullptr when none runs (tests).
    QProgressDialog *progressDialog() const { return m_progress; }

public slots:
    void chooseFiles();
    void chooseDirectory();
    // Imports these paths, as if chosen in a dialog.
    void import(const QStringList &paths);

private:
    void showProgress(qint64 bytesDone, qint64 bytesTotal);
    void finish(const QString &summary, bool ok);

    PullMonitor *m_monitor;
    QWidget *m_window;
    QPointer<QProgressDialog> m_progress;
    QString m_lastDirectory; // the dialogs open where the last import came from
};

} // namespace pw
