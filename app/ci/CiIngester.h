#pragma once

#include "history/HistoryStore.h"
#include "ci/CiSource.h"
#include "ci/LogScan.h"
#include "ci/PullExtractor.h"

#include <atomic>
#include <functional>

namespace pw {

// Jobs and files already ingested, kept in the history's metadata ("ci.ingested KEY"), so a
// second ingest adds nothing twice and an interrupted one resumes where it stopped.
class HistoryLedger : public IngestLedger
{
public:
    explicit HistoryLedger(HistoryStore *store);
    bool contains(const QString &key) const override;
    QString value(const QString &key) const;

private:
    HistoryStore *m_store;
};

struct IngestTotals
{
    qint64 jobs = 0;        // job logs read
    qint64 files = 0;       // files read (wholly or their new lines)
    qint64 skipped = 0;     // files unchanged since the last ingest
    qint64 missingLogs = 0; // jobs whose log the server no longer has
    qint64 bytes = 0;
    qint64 lines = 0;
    qint64 events = 0;       // stored
    qint64 withoutImage = 0; // pulls whose log never names the image: not stored
    qint64 ok = 0;
    qint64 failed = 0;
    // Files read only in part ("FILE: truncated gzip: …"): what they held so far is stored.
    QStringList incomplete;
};

// Classifies CI logs and stores the pulls found. A job's or file's events go into the history in
// one transaction with its ledger entry, so concurrent ingests store each pull exactly once.
class CiIngester
{
public:
    CiIngester(HistoryStore *store, const LogClassifier &classifier);

    const HistoryLedger &ledger() const { return m_ledger; }

    // A file, or every file below a directory in path order (nativepath strings: any file name
    // is read). A file ingested before adds only the lines after those already read (it grew),
    // nothing when unchanged, or everything when it was replaced. The last line of a file
    // modified within GrowingMs waits for its newline: its writer is not done with it.
    Status ingestPath(const QString &path, IngestTotals &totals,
                      const LogScan::ProgressHandler &progress = {},
                      const std::atomic_bool *cancel = nullptr);
    static constexpr qint64 GrowingMs = 60'000;

    // A job a CiSource delivered.
    Status ingestJob(const CiJobLog &job, IngestTotals &totals);

private:
    Status ingestFile(const QString &path, IngestTotals &totals,
                      const LogScan::ProgressHandler &progress, const std::atomic_bool *cancel);
    // False when another ingest stored the file first (read it again).
    Result<bool> ingestFileOnce(const QString &path, IngestTotals &totals,
                                const LogScan::ProgressHandler &progress,
                                const std::atomic_bool *cancel);
    // Stores the pulls with the ledger's claim; the totals count only what was committed.
    Result<bool> store(const QList<CiPull> &pulls, const MetadataClaim &claim,
                       IngestTotals &totals);

    HistoryStore *m_store;
    const LogClassifier &m_classifier;
    HistoryLedger m_ledger;
};

} // namespace pw
