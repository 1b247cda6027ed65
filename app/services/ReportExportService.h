#pragma once

#include "ports/ReportExporter.h"

#include <QThread>

#include <atomic>

namespace pw {

// ReportExporter on a history file: a worker thread with its own connection to the history
// writes each report through QSaveFile. Cancel is a flag the worker checks between reports and
// every few ten thousand rows, so it takes effect within a fraction of a second.
class ReportExportService : public ReportExporter
{
    Q_OBJECT
public:
    explicit ReportExportService(QString historyPath, QObject *parent = nullptr);
    ~ReportExportService() override; // cancels what is running and waits for it

    void exportReports(const QList<ReportRequest> &requests, const QString &directory) override;
    void saveFile(const QString &path, const QByteArray &bytes) override;
    void saveKit(const QString &directory, const QList<KitFile> &files) override;
    void cancel() override;

private:
    class Worker;
    // Runs job(worker, isCanceled) on the worker thread and delivers its end here.
    template<class Job> void submit(Job job);

    QThread m_thread;
    Worker *m_worker = nullptr;
    // Jobs are numbered; cancel() marks every job numbered up to the latest as canceled.
    std::atomic<quint64> m_submitted{0};
    std::atomic<quint64> m_canceledThrough{0};
};

} // namespace pw
