#pragma once

#include <QByteArrayView>
#include <QString>

namespace pw::logtext {

// The UTC time at the start of a log line: GitHub Actions' `2025-05-18T08:42:15.1234567Z `
// prefix or GitLab's `2026-01-21T09:47:05.094269Z 00O ` one; -1 when the line has none.
qint64 leadingTimestamp(QByteArrayView line);

// The text a person reads on a line of a CI log: without the UTF-8 BOM, line end, timestamp
// prefixes (GitLab's anywhere in the line), ANSI escape sequences, GitLab section markers,
// carriage-return overwrites (the last non-empty segment wins), GitHub Actions' `##[error]`-style
// markers and `::error::` commands, and NUL bytes. Invalid UTF-8 becomes U+FFFD.
// verbatim, when given, tells whether the text is the line's own ASCII bytes with only a prefix
// (BOM, timestamp, marker) and the line end cut, as the lines of pull output mostly are.
QString readableText(QByteArrayView line, bool *verbatim = nullptr);

} // namespace pw::logtext
