#include "CiIngester.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
QString ledgerKey(const QString &key)
{
    return u"ci.ingested "_s + key;
}

// What identifies a file's content so far: its first bytes (rotation or rewrite changes them).
constexpr qint64 HeadBytes = 4096;

QByteArray headHash(const QString &path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.read(bytes), QCryptographicHash::Sha1).toHex();
}

struct FileState
{
    qint64 size = -1;
    qint64 modifiedMs = 0;
    qint64 lines = 0;
    QByteArray head;

    QString toString() const
    {
        return u"%1 %2 %3 %4"_s.arg(size).arg(modifiedMs).arg(lines).arg(QString::fromLatin1(head));
    }
    static FileState parse(const QString &text)
    {
        const QStringList parts = text.split(u' ');
        FileState state;
        if (parts.size() == 4) {
            state.size = parts[0].toLongLong();
            state.modifiedMs = parts[1].toLongLong();
            state.lines = parts[2].toLongLong();
            state.head = parts[3].toLatin1();
        }
        return state;
    }
};
} // namespace

QStringList filesBelow(const QString &directory)
{
    QStringList files;
    QDirIterator it(directory, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(it.next());
    files.sort();
    return files;
}

HistoryLedger::HistoryLedger(HistoryStore *store) : m_store(store) {}

bool HistoryLedger::contains(const QString &key) const
{
    return !value(key).isEmpty();
}

QString HistoryLedger::value(const QString &key) const
{
    return m_store->metadata(ledgerKey(key));
}

Status HistoryLedger::mark(const QString &key, const QString &value) const
{
    return m_store->setMetadata(ledgerKey(key), value);
}

CiIngester::CiIngester(HistoryStore *store, const LogClassifier &classifier)
    : m_store(store), m_classifier(classifier), m_ledger(store)
{}

Status CiIngester::store(const QList<CiPull> &pulls, IngestTotals &totals)
{
    QList<PullEvent> events;
    events.reserve(pulls.size());
    for (const CiPull &pull : pulls) {
        // Every event in the history belongs to an image; a pull whose log never names it
        // (`classify` shows it with image null) is counted, not stored.
        if (pull.event.image.isEmpty()) {
            ++totals.withoutImage;
            continue;
        }
        events.append(pull.event);
        ++(pull.event.ok ? totals.ok : totals.failed);
    }
    totals.events += events.size();
    return events.isEmpty() ? Status() : m_store->append(events);
}

Status CiIngester::ingestJob(const CiJobLog &job, IngestTotals &totals)
{
    ++totals.jobs;
    if (job.logMissing) {
        ++totals.missingLogs;
    } else {
        PullExtractor extractor(job.context, job.finishedAtMs);
        const LogScanStats stats =
            LogScan(m_classifier).scanBytes(job.log, [&](const LogLineMatch &line) {
                extractor.add(line);
            });
        totals.bytes += stats.bytes;
        totals.lines += stats.lines;
        if (Status stored = store(extractor.finish(), totals); !stored)
            return stored;
    }
    return m_ledger.mark(job.key, QString::number(QDateTime::currentMSecsSinceEpoch()));
}

Status CiIngester::ingestPath(const QString &path, IngestTotals &totals,
                              const LogScan::ProgressHandler &progress,
                              const std::atomic_bool *cancel)
{
    const QFileInfo info(path);
    if (!info.exists())
        return Error{path + u": no such file or directory"_s};
    if (!info.isDir())
        return ingestFile(path, totals, progress, cancel);
    for (const QString &file : filesBelow(path)) {
        if (Status status = ingestFile(file, totals, progress, cancel); !status)
            return status;
    }
    return {};
}

Status CiIngester::ingestFile(const QString &path, IngestTotals &totals,
                              const LogScan::ProgressHandler &progress,
                              const std::atomic_bool *cancel)
{
    const QFileInfo info(path);
    const QString absolute = info.absoluteFilePath();
    const QString key = u"files:"_s + absolute;
    FileState now;
    now.size = info.size();
    now.modifiedMs = info.lastModified().toMSecsSinceEpoch();
    now.head = headHash(absolute, HeadBytes);
    const FileState before = FileState::parse(m_ledger.value(key));
    if (before.size == now.size && before.modifiedMs == now.modifiedMs && before.head == now.head) {
        ++totals.skipped;
        return {};
    }
    // The same beginning and more bytes: the file grew, its first lines are in the history.
    const bool grew = before.size >= 0 && now.size > before.size &&
                      headHash(absolute, std::min(before.size, HeadBytes)) == before.head;
    const qint64 known = grew ? before.lines : 0;

    CiContext context;
    context.provider = u"files"_s;
    context.repo = info.absolutePath();
    context.jobName = info.fileName();
    context.jobUrl = QUrl::fromLocalFile(absolute).toString();
    PullExtractor extractor(context, now.modifiedMs);
    const Result<LogScanStats> stats =
        LogScan(m_classifier)
            .scanFile(
                absolute, [&](const LogLineMatch &line) { extractor.add(line); }, progress, cancel);
    if (!stats)
        return Error{stats.error()};
    QList<CiPull> pulls = extractor.finish();
    pulls.removeIf([known](const CiPull &pull) { return pull.event.ciLine <= known; });
    ++totals.files;
    totals.bytes += stats->bytes;
    totals.lines += stats->lines - known;
    if (Status stored = store(pulls, totals); !stored)
        return stored;
    now.lines = stats->lines;
    return m_ledger.mark(key, now.toString());
}

} // namespace pw
