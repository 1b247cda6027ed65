#pragma once

#include "Category.h"

#include <QMetaType>
#include <QString>

namespace pw {

enum class Source : quint8
{
    Probe = 0,
    Ci = 1
};

QString sourceId(Source source); // "probe" / "ci"

// Where a CI-log event was found; empty for probes.
struct CiContext
{
    QString provider; // "github", "gitlab", "files"
    QString repo;     // owner/repo or group/project
    QString runId;
    QString jobId;
    QString jobName;
    QString jobUrl;

    bool isEmpty() const
    {
        return provider.isEmpty() && repo.isEmpty() && jobUrl.isEmpty() && runId.isEmpty() &&
               jobId.isEmpty() && jobName.isEmpty();
    }
    friend bool operator==(const CiContext &, const CiContext &) = default;
};

// One observed pull attempt (DESIGN.md "The pull event").
struct PullEvent
{
    static constexpr int MaxMessageBytes = 2048;

    qint64 ts = 0; // UTC epoch milliseconds
    Source source = Source::Probe;
    QString image;    // canonical reference
    QString registry; // normalized domain
    bool ok = true;
    Category category = Category::None; // None when ok
    int httpStatus = 0;                 // 0 if none
    qint64 latencyMs = -1;              // -1 when unknown
    qint64 bytes = 0;
    QString digest;
    QString message; // plain text, at most MaxMessageBytes of UTF-8
    QString rule;    // classifier rule id (ci) or failed probe step
    CiContext ci;
    int ciLine = 0;    // 1-based log line, 0 if none
    bool cold = false; // probe: first pull after a digest change (nixery builds on demand then)

    friend bool operator==(const PullEvent &, const PullEvent &) = default;
};

// Cuts a message to MaxMessageBytes of UTF-8 without splitting a character.
QString truncateMessage(const QString &message);

} // namespace pw

Q_DECLARE_METATYPE(pw::PullEvent)
