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

CiIngester::CiIngester(HistoryStore *store, const LogClassifier &classifier)
    : m_store(store), m_classifier(classifier), m_ledger(store)
{}

Result<bool> CiIngester::store(const QList<CiPull> &pulls, const MetadataClaim &claim,
                               IngestTotals &totals)
{
    QList<PullEvent> events;
    events.reserve(pulls.size());
    IngestTotals stored;
    for (const CiPull &pull : pulls) {
        // Every event in the history belongs to an image; a pull whose log never names it
        // (`classify` shows it with image null), or names it in a form that does not parse
        // (`private_gitlab_server.com:5005/…`, a name cut short by "…"), is counted, not stored.
        if (pull.event.image.isEmpty() || pull.event.registry.isEmpty()) {
            ++stored.withoutImage;
            continue;
        }
        events.append(pull.event);
        ++(pull.event.ok ? stored.ok : stored.failed);
    }
    stored.events = events.size();
    // The ledger entry goes in with the events: of two ingests of one log at once, one stores
    // it and the other finds it claimed.
    Result<bool> claimed = m_store->appendClaiming(events, claim);
    if (claimed && *claimed) { // the totals say what was committed, nothing else
        totals.events += stored.events;
        totals.withoutImage += stored.withoutImage;
        totals.ok += stored.ok;
        totals.failed += stored.failed;
    }
    return claimed;
}

Status CiIngester::ingestJob(const CiJobLog &job, IngestTotals &totals)
{
    QList<CiPull> pulls;
    IngestTotals read;
    ++read.jobs;
    if (job.logMissing) {
        ++read.missingLogs;
    } else {
        PullExtractor extractor(job.context, job.finishedAtMs);
        const LogScanStats stats =
            LogScan(m_classifier).scanBytes(job.log, [&](const LogLineMatch &line) {
                extractor.add(line);
            });
        read.bytes += stats.bytes;
        read.lines += stats.lines;
        pulls = extractor.finish();
    }
    const MetadataClaim claim{ledgerKey(job.key), {},
                              QString::number(QDateTime::currentMSecsSinceEpoch())};
    Result<bool> claimed = store(pulls, claim, totals);
    if (!claimed)
        return Error{claimed.error()};
    if (!*claimed) // another ingest stored this job meanwhile
        return {};
    totals.jobs += read.jobs;
    totals.missingLogs += read.missingLogs;
    totals.bytes += read.bytes;
    totals.lines += read.lines;
    return {};
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
    // Another ingest of the same file may store a round between our reading and our writing;
    // then we read again from what it stored.
    constexpr int MaxRounds = 8;
    for (int round = 0; round < MaxRounds; ++round) {
        Result<bool> done = ingestFileOnce(path, totals, progress, cancel);
        if (!done)
            return Error{done.error()};
        if (*done)
            return {};
    }
    return Error{path + u": changed by other ingests on every attempt; try again"_s};
}

Result<bool> CiIngester::ingestFileOnce(const QString &path, IngestTotals &totals,
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
    const QString recorded = m_ledger.value(key);
    const FileState before = FileState::parse(recorded);
    if (before.size == now.size && before.modifiedMs == now.modifiedMs && before.head == now.head) {
        ++totals.skipped;
        return true;
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
    now.lines = stats->lines;
    Result<bool> claimed = store(pulls, MetadataClaim{ledgerKey(key), recorded, now.toString()},
                                 totals);
    if (claimed && *claimed) {
        ++totals.files;
        totals.bytes += stats->bytes;
        totals.lines += stats->lines - known;
    }
    return claimed;
}

} // namespace pw
