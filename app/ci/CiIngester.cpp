#include "ci/CiIngester.h"

#include "ci/NativePath.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
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
    QFile file;
    const int fd = nativepath::openForReading(path);
    if (fd < 0 || !file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        if (fd >= 0)
            ::close(fd);
        return {};
    }
    return QCryptographicHash::hash(file.read(bytes), QCryptographicHash::Sha1).toHex();
}

// How the job of a file is named in events: its path as text, and a file: URL that keeps every
// byte of a name that is not UTF-8.
QString fileUrl(const QString &absolute)
{
    if (nativepath::isText(absolute))
        return QUrl::fromLocalFile(absolute).toString();
    return u"file://"_s +
           QString::fromLatin1(nativepath::toNative(absolute).toPercentEncoding("/"));
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
    const Result<QStringList> files = nativepath::expand({path});
    if (!files)
        return Error{files.error()};
    for (const QString &file : *files) {
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
    return Error{nativepath::display(path) + u": changed by other ingests on every attempt; try again"_s};
}

Result<bool> CiIngester::ingestFileOnce(const QString &path, IngestTotals &totals,
                                        const LogScan::ProgressHandler &progress,
                                        const std::atomic_bool *cancel)
{
    const QString absolute = nativepath::absolute(path);
    const nativepath::Status info = nativepath::status(absolute);
    const QString shown = nativepath::display(absolute);
    const QString key = u"files:"_s + shown;
    FileState now;
    now.size = info.size;
    now.modifiedMs = info.modifiedMs;
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
    context.repo = nativepath::display(nativepath::directory(absolute));
    context.jobName = nativepath::display(nativepath::fileName(absolute));
    context.jobUrl = fileUrl(absolute);
    PullExtractor extractor(context, now.modifiedMs);
    LogScan scan(m_classifier);
    scan.setCompleteLinesOnly(QDateTime::currentMSecsSinceEpoch() - now.modifiedMs < GrowingMs);
    const Result<LogScanStats> stats = scan.scanFile(
        absolute, [&](const LogLineMatch &line) { extractor.add(line); }, progress, cancel);
    if (!stats)
        return Error{stats.error()};
    QList<CiPull> pulls = extractor.finish();
    pulls.removeIf([known](const CiPull &pull) { return pull.event.ciLine <= known; });
    now.lines = stats->lines;
    if (stats->partialLineLeft) {
        // Recorded one byte short: the next round sees the file as grown and reads that line
        // once it is whole, or once the file has been quiet for GrowingMs.
        now.size = std::max<qint64>(0, now.size - 1);
        now.head = headHash(absolute, std::min(now.size, HeadBytes));
    }
    Result<bool> claimed = store(pulls, MetadataClaim{ledgerKey(key), recorded, now.toString()},
                                 totals);
    if (claimed && *claimed) {
        ++totals.files;
        totals.bytes += stats->bytes;
        totals.lines += stats->lines - known;
        if (!stats->incomplete.isEmpty())
            totals.incomplete.append(shown + u": "_s + stats->incomplete);
    }
    return claimed;
}

} // namespace pw
