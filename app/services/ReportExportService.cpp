#include "services/ReportExportService.h"

#include "reports/OutputFile.h"
#include "history/OpenHistory.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

#include <vector>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
// How one job ended; delivered to the GUI thread as one of the three end signals.
struct JobResult
{
    enum class End
    {
        Finished,
        Failed,
        Canceled
    };
    End end = End::Finished;
    QStringList files;
    qint64 rows = 0;
    QString message;

    static JobResult failed(QString message) { return {End::Failed, {}, 0, std::move(message)}; }
    static JobResult canceled() { return {End::Canceled, {}, 0, {}}; }
};

using IsCanceled = std::function<bool()>;
using JobProgress = std::function<void(qint64 rows, const QString &file, int done, int total)>;

// At most one progress signal per interval: a million-row export must not flood the GUI.
constexpr qint64 ProgressIntervalMs = 50;
} // namespace

// Lives on the worker thread with its own connection to the history, opened there on first use.
class ReportExportService::Worker : public QObject
{
public:
    explicit Worker(QString path) : m_history(std::move(path)) {}

    JobResult writeReports(const QList<ReportRequest> &requests, const QString &directory,
                           const IsCanceled &isCanceled, const JobProgress &report)
    {
        if (!QFileInfo(directory).isDir())
            return JobResult::failed(tr("%1: not an existing directory").arg(directory));
        Result<HistoryStore *> store = this->store();
        if (!store)
            return JobResult::failed(store.error());

        // Every report goes to a temporary file first and is committed only when all are
        // complete; an uncommitted OutputFile removes its temporary file when destroyed, so a
        // failure or cancel leaves the directory as it was.
        std::vector<std::unique_ptr<OutputFile>> files;
        qint64 total = 0;
        QElapsedTimer sinceProgress;
        sinceProgress.start();
        for (const ReportRequest &request : requests) {
            if (isCanceled())
                return JobResult::canceled();
            auto file = std::make_unique<OutputFile>(QDir(directory).filePath(fileName(request)));
            if (!file->open())
                return JobResult::failed(cannotWrite(*file, file->errorString()));
            const QString name = QFileInfo(file->fileName()).fileName();
            const int done = int(files.size());
            report(total, name, done, int(requests.size()));
            const Result<qint64> rows = writeReport(**store, request, file->device(), [&](qint64 n) {
                if (sinceProgress.elapsed() >= ProgressIntervalMs) {
                    report(total + n, name, done, int(requests.size()));
                    sinceProgress.restart();
                }
                return !isCanceled();
            });
            if (isCanceled())
                return JobResult::canceled();
            if (!rows)
                return JobResult::failed(cannotWrite(*file, rows.error()));
            total += *rows;
            files.push_back(std::move(file));
        }
        if (isCanceled())
            return JobResult::canceled();
        JobResult finished;
        finished.rows = total;
        for (const auto &file : files) {
            if (!file->commit())
                return JobResult::failed(cannotWrite(*file, file->errorString()));
            finished.files << file->fileName();
        }
        return finished;
    }

    static JobResult saveFile(const QString &path, const QByteArray &bytes,
                              const IsCanceled &isCanceled)
    {
        OutputFile file(path);
        if (!file.open() || file.device()->write(bytes) != bytes.size())
            return JobResult::failed(cannotWrite(file, file.errorString()));
        if (isCanceled())
            return JobResult::canceled();
        if (!file.commit())
            return JobResult::failed(cannotWrite(file, file.errorString()));
        JobResult finished;
        finished.files << path;
        return finished;
    }

private:
    Result<HistoryStore *> store() { return m_history.store(); }

    static QString cannotWrite(const OutputFile &file, const QString &why)
    {
        return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(file.fileName()), why);
    }

    static QString tr(const char *text) { return ReportExportService::tr(text); }

    HistoryConnection m_history;
};

ReportExportService::ReportExportService(QString historyPath, QObject *parent)
    : ReportExporter(parent), m_worker(new Worker(std::move(historyPath)))
{
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("export"));
    m_thread.start();
}

ReportExportService::~ReportExportService()
{
    cancel();
    m_thread.quit();
    m_thread.wait();
}

// Runs job(isCanceled, report) on the worker thread unless it was canceled while queued, and
// emits its progress and its end here, in that order.
template<class Job> void ReportExportService::submit(Job job)
{
    const quint64 id = ++m_submitted;
    QMetaObject::invokeMethod(m_worker, [this, id, job] {
        const IsCanceled isCanceled = [this, id] { return m_canceledThrough.load() >= id; };
        const JobProgress report = [this](qint64 rows, const QString &file, int done, int total) {
            QMetaObject::invokeMethod(
                this, [this, rows, file, done, total] { emit progress(rows, file, done, total); });
        };
        const JobResult result = isCanceled() ? JobResult::canceled() : job(isCanceled, report);
        QMetaObject::invokeMethod(this, [this, result] {
            switch (result.end) {
            case JobResult::End::Finished:
                emit finished(result.files, result.rows);
                break;
            case JobResult::End::Failed:
                emit failed(result.message);
                break;
            case JobResult::End::Canceled:
                emit canceled();
                break;
            }
        });
    });
}

void ReportExportService::exportReports(const QList<ReportRequest> &requests,
                                        const QString &directory)
{
    submit([worker = m_worker, requests, directory](const IsCanceled &isCanceled,
                                                    const JobProgress &report) {
        return worker->writeReports(requests, directory, isCanceled, report);
    });
}

void ReportExportService::saveFile(const QString &path, const QByteArray &bytes)
{
    submit([path, bytes](const IsCanceled &isCanceled, const JobProgress &) {
        return Worker::saveFile(path, bytes, isCanceled);
    });
}

void ReportExportService::saveKit(const QString &directory, const QList<KitFile> &files)
{
    submit([directory, files](const IsCanceled &, const JobProgress &) {
        if (const Status written = writeSelfHostKit(directory, files); !written)
            return JobResult::failed(written.error());
        JobResult finished;
        for (const KitFile &file : files)
            finished.files << QDir(directory).filePath(file.path);
        return finished;
    });
}

void ReportExportService::cancel()
{
    m_canceledThrough.store(m_submitted.load());
}

} // namespace pw
