#pragma once

#include "PullEvent.h"
#include "Result.h"

#include <QByteArray>
#include <QMetaType>
#include <QObject>
#include <QString>

namespace pw {

// One finished job's log, as a source delivers it.
struct CiJobLog
{
    QString key;       // unique and stable: "github:OWNER/REPO:job:123", "gitlab:PROJECT:job:456"
    CiContext context; // provider, repo, runId, jobId, jobName, jobUrl (html_url / web_url)
    qint64 finishedAtMs = 0;
    QByteArray log;          // the raw log bytes; empty when the log is gone (logMissing)
    bool logMissing = false; // the server answered 404/410 for the log: expired or never written
};

// What was already ingested; implemented on the history, so a restart does not fetch twice.
class IngestLedger
{
public:
    virtual ~IngestLedger() = default;
    virtual bool contains(const QString &key) const = 0;
};

// A place CI job logs come from (GitHub Actions, GitLab, files).
class CiSource : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Lists runs/pipelines and their finished jobs, skips jobs the ledger contains, downloads
    // each remaining log and emits jobLog for it, one at a time, oldest first; then finished().
    // The ledger must outlive the fetch (until finished).
    virtual void fetch(const IngestLedger &ledger) = 0;
    // Stops a running fetch: finished() with an error saying so is emitted before this returns,
    // and nothing after it.
    virtual void cancel() = 0;

signals:
    // The receiver stores the log (and marks the ledger) before returning.
    void jobLog(const pw::CiJobLog &job);
    // One short line, e.g. "github rook/rook: run 12 of 40, job 3 of 9".
    void progress(const QString &text);
    // error(): one line naming the source and what failed, never a token.
    void finished(const pw::Status &status);
};

} // namespace pw

Q_DECLARE_METATYPE(pw::CiJobLog)
