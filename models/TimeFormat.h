#pragma once

#include "Result.h"

#include <QByteArray>
#include <QString>
#include <QStringView>

// UTC timestamps as ISO 8601 text and back. Formatting is integer-only (no QDateTime, no
// allocation in the raw variant) because CSV export formats one timestamp per row.
namespace pw::timeformat {

// Length of "2025-05-18T08:42:15.123Z".
inline constexpr int Iso8601Length = 24;

// Instants outside 0000-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z are clamped to that range
// so the output always has exactly Iso8601Length characters.
inline constexpr qint64 MinIso8601Ms = -62167219200000;
inline constexpr qint64 MaxIso8601Ms = 253402300799999;

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31), and back.
qint64 daysFromCivil(qint64 year, int month, int day);
void civilFromDays(qint64 days, qint64 &year, int &month, int &day);

// Writes exactly Iso8601Length chars at dst (no terminator) and returns dst + Iso8601Length.
char *writeIso8601(char *dst, qint64 epochMs);
void appendIso8601(QByteArray &out, qint64 epochMs);
QString toIso8601(qint64 epochMs);
// "2025-05-18 08:42" (UTC, to the minute): how pages say which range they show.
QString toMinute(qint64 epochMs);

// Accepts ISO 8601 ("2025-05-18T08:42:15Z", fractional seconds, "+02:00"/"-0530"/"+02" offsets,
// a space instead of "T", a date alone = midnight UTC; a time without offset is UTC), "now", and
// times relative to nowMs ("-7d", "-24h", "-30m", "-90s", "-2w", "-500ms", or with a leading "+").
// Surrounding whitespace is ignored.
Result<qint64> parseTime(QStringView text, qint64 nowMs);

// A bucket or range length in the largest whole unit: "1 min", "15 min", "1 h", "1 d".
QString durationText(qint64 ms);

// A positive config duration ("500ms", "30s", "5m", "1h", "7d", "2w") in milliseconds.
Result<qint64> parseDuration(QStringView text);

} // namespace pw::timeformat
