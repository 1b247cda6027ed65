#pragma once

#include "reports/Reports.h"
#include "reports/SelfHostKit.h"

#include <QObject>
#include <QStringList>

namespace pw {

// Writes the dashboard's exports to files, off the GUI thread (app/ReportExportService implements
// it; the ui renders charts to bytes itself and never touches files). Jobs run one after another;
// each ends with exactly one of finished(), failed() or canceled(). A job that fails or is
// canceled leaves the files it would have written as they were: no partial file, no half report
// over an old one.
class ReportExporter : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // One CSV file per request in directory (an existing one), named by fileName(). All files
    // are replaced together at the end, so a job either writes every report or none.
    virtual void exportReports(const QList<ReportRequest> &requests, const QString &directory) = 0;
    // Writes bytes (a rendered chart) to path, replacing an existing file only when complete.
    virtual void saveFile(const QString &path, const QByteArray &bytes) = 0;
    // Writes a self-host kit under directory (created as needed): every file or, when any is
    // already there, none.
    virtual void saveKit(const QString &directory, const QList<KitFile> &files) = 0;
    // Stops the running and queued jobs soon after: each ends with canceled().
    virtual void cancel() = 0;

    // "pullwatch-availability-20250518T0842Z-20250617T0842Z.csv": what, the range (UTC, to the
    // minute) and the suffix, so exports of different ranges sit side by side.
    static QString fileName(QStringView what, const TimeRange &range, QStringView suffix);
    static QString fileName(const ReportRequest &request);

signals:
    // Rows written so far by the job (all its reports), the file being written, and how many of
    // the job's files are done. Throttled: a few per second, not one per row.
    void progress(qint64 rowsWritten, const QString &currentFile, int filesDone, int filesTotal);
    // The full paths written and the job's total of data rows (0 for a saved chart).
    void finished(const QStringList &filesWritten, qint64 rowsWritten);
    void failed(const QString &message);
    void canceled();
};

} // namespace pw
