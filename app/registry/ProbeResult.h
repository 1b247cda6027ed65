#pragma once

#include "PullEvent.h"
#include "ImageReference.h"

#include <QString>

#include <optional>

namespace pw {

// What one probe of one image found. Becomes a PullEvent (source probe) and a JSON line.
struct ProbeResult
{
    ImageReference reference;
    qint64 startedAtMs = 0; // wall clock, UTC epoch ms
    bool ok = false;
    Category category = Category::None;
    int httpStatus = 0;
    QString digest;
    qint64 latencyMs = 0;
    qint64 bytes = 0; // blob bytes of a deep probe
    qint64 firstByteMs = -1;
    std::optional<int> ratelimitLimit;
    std::optional<int> ratelimitRemaining;
    qint64 retryAfterMs = -1; // from a 429's Retry-After, -1 when none
    QString message;
    QString step; // the probe step that failed ("manifest", "token", "blob"), or "head"/"deep"
    bool cold = false;

    PullEvent toEvent() const;
};

// How registry responses read (OCI distribution spec "Error Codes"; DESIGN.md categories).
namespace probe {

// `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}` →
// "MANIFEST_UNKNOWN: manifest unknown"; codes of all errors joined with "; ". Bodies that are
// not such JSON give a short plain-text excerpt, or nothing for HTML and binary.
QString registryErrors(const QByteArray &body);
QStringList registryErrorCodes(const QByteArray &body);

// The category of a finished HTTP response with a status (not a transport failure).
Category categoryForStatus(int status, const QStringList &errorCodes);

// Docker Hub's "100;w=21600" → 100.
std::optional<int> parseRateLimitCount(const QByteArray &value);

} // namespace probe

} // namespace pw
