#pragma once

#include "Category.h"
#include "net/HttpClient.h"

#include <QByteArray>
#include <QString>

// How an HTTP exchange failed, in DESIGN.md's categories: the registry prober and the CI
// sources read their transport failures the same way.
namespace pw::http {

// The category of a transport failure (no response, or one cut short).
Category categoryForTransport(const HttpResponse &response);
// One line saying what failed, e.g. "connection refused", "no response within 3 s".
QString describeTransport(const HttpResponse &response);
// Retry-After in seconds or as an HTTP date → milliseconds from nowMs; -1 if absent or invalid.
qint64 parseRetryAfter(const QByteArray &value, qint64 nowMs);

} // namespace pw::http
