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
};

// Turns the lines the classifier won into pull attempts (DESIGN.md "Failure categories"):
//  - every failed or successful pull is one attempt; several failure lines about one pull
//    (docker's error, then the runner's "pull failed", at most MergeDistance lines apart)
//    merge, the most specific cause winning;
//  - a retry notice keeps the attempt open: a later success makes it ok, with the tries counted;
//  - lines that do not name the image take it from the pull in progress (`start` lines);
//  - kubelet's back-off notices take the cause of the image's last failed pull; notices about
//    one back-off (kubectl describe lists two) and repeated successes without a new pull in
//    between (GitLab names the image again when the script starts) count once.
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
    };

    // Failure lines this close belong to one pull (docker's error, then the runner's verdict);
    // farther apart they are separate pulls unless a retry was announced.
    static constexpr qint64 MergeDistance = 10;

    CiPull pullFor(const LogLineMatch &line, const QString &image, bool ok,
                   Category category) const;
    void addLine(const LogLineMatch &line);
    void flush();

    CiContext m_context;
    qint64 m_fallbackTsMs;
    QString m_currentImage; // canonical, from the last line that named one
    std::optional<Pending> m_pending;
    QHash<QString, Category> m_causes; // image → category of its last failed pull
    QString m_lastOk;                  // image of the last event, when it was a success
    struct
    {
        QString image;
        qint64 line = 0;
    } m_lastBackoff; // the last event, when it was a back-off notice
    QList<CiPull> m_pulls;
};

// A reference as the history names it (canonical), or the text as it was when it is none.
QString canonicalImage(const QString &text, QString *registry = nullptr);

} // namespace pw
