#pragma once

#include "reports/Reports.h"

#include <QDialog>
#include <QMap>
#include <QPointer>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace pw {

class DashboardState;
class ReportExporter;

// Exports the CSV reports for the shared range and filter, and the current chart as PNG or SVG.
// The chart is rendered here; every file is written by the ReportExporter. While an export runs
// the dialog shows its progress and can cancel it; afterwards it says what was written or why not.
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    // chart may be null (the page has none): then the chart option is disabled.
    ExportDialog(ReportExporter *exporter, const DashboardState *state, QWidget *chart,
                 QWidget *parent = nullptr);

    QString directory() const;
    void setDirectory(const QString &directory);
    bool isRunning() const { return m_running; }

public slots:
    void startExport();
    void cancelExport();
    void reject() override; // while running: cancels the export instead of closing

private:
    struct PendingFile
    {
        QString path;
        QByteArray bytes;
    };

    void describeScope();
    void updateButtons();
    void setRunning(bool running);
    void onFinished(const QStringList &files, qint64 rows);
    void onProgress(qint64 rows, const QString &file, int done, int total);
    // The outcome and the files written; writtenBefore introduces them after a failure or cancel.
    void showEnd(const QString &headline, const QString &writtenBefore);
    // The chart in the chosen format; its file goes into directory.
    PendingFile renderChart(const QString &directory, const TimeRange &range) const;

    ReportExporter *m_exporter;
    const DashboardState *m_state;
    QPointer<QWidget> m_chart; // a page may go away while the dialog is open
    QMap<ReportKind, QCheckBox *> m_reports;
    QCheckBox *m_chartBox = nullptr;
    QComboBox *m_chartFormat = nullptr;
    QLineEdit *m_directory = nullptr;
    QLabel *m_scope = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_cancel = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_close = nullptr;

    bool m_running = false;
    std::optional<PendingFile> m_pendingChart; // saved after the reports
    QStringList m_written;
    qint64 m_rows = 0;
};

} // namespace pw
