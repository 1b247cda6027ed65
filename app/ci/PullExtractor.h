#pragma once

#include "PullEvent.h"
#include "ci/LogScan.h"

#include <QHash>
#include <QList>

#include <optional>

namespace pw {

// One pull attempt found in a log.
struct CiPull
{
    PullEvent event; // source ci; ts from the log, else the fallback time
    bool timestampFromLog = false;
    int attempts = 1; // tries of this pull the log shows (retries + 1)
    bool backoffNotice = false; // a back-off notice whose cause was not known when it was read
};

// Turns the lines the classifier decided into pull attempts (DESIGN.md "Failure categories",
// "Attempts"):
//  - every failed or successful pull is one attempt. Failure lines about one pull merge, the most
//    specific cause winning, while they name the same image (or none), come from the same tool
//    (or are a CI runner's verdict on it), follow each other within MergeDistance lines, and the
//    tool has not printed its last line about the pull (docker's `Error response from daemon:`):
//    two unrelated failure lines never make one event;
//  - a cause outside any pull context (`toomanyrequests`) counts only as the cause of a failure
//    just reported without one;
//  - a retry notice keeps the attempt open: a later success makes it ok, with the tries counted;
//  - lines that do not name the image take it from the pull in progress (`start` lines), not
//    from one whose outcome was already reported;
//  - a failure of a unit (a compose service) that says neither why nor which image takes its
//    cause and image from the same tool's error just after, when it is the only such failure;
//  - a job that stops waiting (kubectl wait timed out, the job was canceled) while a pull it
//    started has no outcome yet failed that pull that way: the job gave up, not the registry;
//  - kubelet's back-off notices take the cause of the last failed pull of the same image in the
//    same pod; notices about one back-off (kubectl describe lists two) and repeated successes
//    without a new pull in between (GitLab names the image again when the script starts) count
//    once.
class PullExtractor
{
public:
    explicit PullExtractor(CiContext context = {}, qint64 fallbackTsMs = 0);

    void add(const LogLineMatch &line);
    // Every attempt, in log order. The extractor is empty afterwards.
    QList<CiPull> finish();

private:
    struct Pending
    {
        CiPull pull;
        bool awaitingRetry = false;
        qint64 lastLine = 0; // the last failure line merged into it
        QString tool;
        QString unit; // the pod or compose service its lines named
        bool closed = false; // the tool's last line about this pull was seen
    };

    // Failure lines this close belong to one pull (docker's error, then the runner's verdict);
    // farther apart they are separate pulls unless a retry was announced.
    static constexpr qint64 MergeDistance = 10;
    // Farther, when a line of the same tool names the same image again (a build's summary).
    static constexpr qint64 SummaryDistance = 50;
    // A cause outside any pull context joins a failure reported without one only right after it.
    static constexpr qint64 CauseDistance = 2;
    // A job that gives up this many lines after a pull started without an outcome gave up on it.
    static constexpr qint64 AbandonDistance = 1000;

    CiPull pullFor(const LogLineMatch &line, const QString &image, bool ok,
                   Category category) const;
    void addLine(const LogLineMatch &line);
    void addFailure(const LogLineMatch &line, const QString &image, const QString &tool);
    // The outcome of a pull of this image was reported: later lines do not take it.
    void outcomeKnown(const QString &image);
    // The image of a new pull a line starts: the one it names, else the pull's in progress
    // unless that one's outcome is known (called after flush()).
    QString ownImage(const LogLineMatch &line, const QString &image) const;
    // A failure line of a tool that says why, right after a failure of one of its units that
    // did not (compose's "✘ db Error", then the daemon's message): that failure's cause.
    bool givesCauseOfCauseless(const LogLineMatch &line, const QString &image, const QString &tool);
    bool joinsPending(const LogLineMatch &line, const QString &image, const QString &tool) const;
    void flush();

    CiContext m_context;
    qint64 m_fallbackTsMs;
    // The pull in progress: canonical, from the last line that named an image, until that pull's
    // outcome is known. A line naming no image after that outcome is about no known image.
    QString m_currentImage;
    qint64 m_currentImageLine = 0;
    bool m_currentImageDone = false;
    bool m_currentImageStarted = false; // named by a line that starts a pull (kubelet's Pulling)
    std::optional<Pending> m_pending;
    struct Cause
    {
        Category category;
        qint64 line;
    };
    QHash<QString, Cause> m_causes; // unit + image → its last failed pull's cause and last line
    struct
    {
        QString image;
        QString rule;
    } m_lastOk; // the last event, when it was a success
    struct
    {
        QString image;
        qint64 line = 0;
    } m_lastBackoff; // the last event, when it was a back-off notice
    QList<CiPull> m_pulls;
    // Failures of a unit that said neither why nor which image (compose's "✘ db Error"): the
    // tool's own error after its progress block ("Error response from daemon: …") is their cause.
    struct Causeless
    {
        qsizetype index; // in m_pulls
        qint64 line;
        QString tool;
    };
    QList<Causeless> m_causeless;
};

// A reference as the history names it (canonical), or the text as it was when it is none.
QString canonicalImage(const QString &text, QString *registry = nullptr);

} // namespace pw
