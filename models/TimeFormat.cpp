#include "TimeFormat.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

using namespace Qt::StringLiterals;

namespace pw::timeformat {

namespace {

constexpr qint64 MsPerSecond = 1000;
constexpr qint64 MsPerMinute = 60 * MsPerSecond;
constexpr qint64 MsPerHour = 60 * MsPerMinute;
constexpr qint64 MsPerDay = 24 * MsPerHour;

// "00".."99" so that each pair of digits is one 2-byte copy instead of a division per digit.
constexpr std::array<char, 200> TwoDigits = [] {
    std::array<char, 200> table{};
    for (int i = 0; i < 100; ++i) {
        table[2 * i] = char('0' + i / 10);
        table[2 * i + 1] = char('0' + i % 10);
    }
    return table;
}();

inline char *put2(char *dst, int value)
{
    std::memcpy(dst, &TwoDigits[2 * value], 2);
    return dst + 2;
}

bool isLeapYear(qint64 year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(qint64 year, int month)
{
    static constexpr std::array<int, 12> Days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : Days[month - 1];
}

// Reads ASCII digits and single characters from the input; never reads past its end.
class Cursor
{
public:
    explicit Cursor(QStringView text) : m_text(text) {}

    bool atEnd() const { return m_pos == m_text.size(); }
    bool isDigit() const { return !atEnd() && m_text[m_pos] >= u'0' && m_text[m_pos] <= u'9'; }
    int takeDigit() { return m_text[m_pos++].unicode() - u'0'; }

    bool eat(char16_t c)
    {
        if (atEnd() || m_text[m_pos] != c)
            return false;
        ++m_pos;
        return true;
    }

    // Exactly count digits.
    bool digits(int count, int &out)
    {
        out = 0;
        for (int i = 0; i < count; ++i) {
            if (!isDigit())
                return false;
            out = out * 10 + takeDigit();
        }
        return true;
    }

    QStringView rest() const { return m_text.mid(m_pos); }

private:
    QStringView m_text;
    qsizetype m_pos = 0;
};

// "500ms", "7d" … as milliseconds (>= 0); nullopt if malformed or not representable.
std::optional<qint64> parseAmount(QStringView text)
{
    Cursor cursor(text);
    qint64 amount = 0;
    int digitCount = 0;
    while (cursor.isDigit()) {
        if (++digitCount > 18) // keeps amount * 10 from overflowing before the unit check
            return std::nullopt;
        amount = amount * 10 + cursor.takeDigit();
    }
    if (digitCount == 0)
        return std::nullopt;

    const QStringView unit = cursor.rest();
    qint64 unitMs = 0;
    if (unit == u"ms")
        unitMs = 1;
    else if (unit == u"s")
        unitMs = MsPerSecond;
    else if (unit == u"m")
        unitMs = MsPerMinute;
    else if (unit == u"h")
        unitMs = MsPerHour;
    else if (unit == u"d")
        unitMs = MsPerDay;
    else if (unit == u"w")
        unitMs = 7 * MsPerDay;
    else
        return std::nullopt;

    qint64 ms = 0;
    if (__builtin_mul_overflow(amount, unitMs, &ms))
        return std::nullopt;
    return ms;
}

std::optional<qint64> parseRelative(QStringView text, qint64 nowMs)
{
    if (text.isEmpty() || (text.front() != u'-' && text.front() != u'+'))
        return std::nullopt;
    const std::optional<qint64> amount = parseAmount(text.mid(1));
    if (!amount)
        return std::nullopt;
    qint64 result = 0;
    const bool overflow = text.front() == u'-' ? __builtin_sub_overflow(nowMs, *amount, &result)
                                               : __builtin_add_overflow(nowMs, *amount, &result);
    if (overflow)
        return std::nullopt;
    return result;
}

std::optional<qint64> parseIso(QStringView text)
{
    Cursor c(text);
    int year = 0, month = 0, day = 0;
    if (!c.digits(4, year) || !c.eat(u'-') || !c.digits(2, month) || !c.eat(u'-') ||
        !c.digits(2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
        return std::nullopt;
    qint64 ms = daysFromCivil(year, month, day) * MsPerDay;
    if (c.atEnd())
        return ms;

    if (!c.eat(u'T') && !c.eat(u't') && !c.eat(u' '))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0, millis = 0;
    if (!c.digits(2, hour) || !c.eat(u':') || !c.digits(2, minute))
        return std::nullopt;
    if (c.eat(u':')) {
        if (!c.digits(2, second))
            return std::nullopt;
        if (c.eat(u'.') || c.eat(u',')) {
            // Any precision is accepted; digits beyond milliseconds are truncated.
            int fractionDigits = 0;
            while (c.isDigit()) {
                const int digit = c.takeDigit();
                if (fractionDigits++ < 3)
                    millis = millis * 10 + digit;
            }
            if (fractionDigits == 0)
                return std::nullopt;
            for (int i = fractionDigits; i < 3; ++i)
                millis *= 10;
        }
    }
    if (hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    ms += hour * MsPerHour + minute * MsPerMinute + second * MsPerSecond + millis;
    if (c.atEnd())
        return ms; // no offset: the whole tool works in UTC

    if (c.eat(u'Z') || c.eat(u'z'))
        return c.atEnd() ? std::optional<qint64>(ms) : std::nullopt;

    int sign = 0;
    if (c.eat(u'+'))
        sign = 1;
    else if (c.eat(u'-'))
        sign = -1;
    else
        return std::nullopt;
    int offsetHours = 0, offsetMinutes = 0;
    if (!c.digits(2, offsetHours))
        return std::nullopt;
    if (c.eat(u':')) {
        if (!c.digits(2, offsetMinutes))
            return std::nullopt;
    } else if (!c.atEnd() && !c.digits(2, offsetMinutes)) {
        return std::nullopt;
    }
    if (!c.atEnd() || offsetHours > 23 || offsetMinutes > 59)
        return std::nullopt;
    // Local time = UTC + offset, so UTC = local − offset.
    return ms - sign * (offsetHours * MsPerHour + offsetMinutes * MsPerMinute);
}

} // namespace

// Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian calendar.
qint64 daysFromCivil(qint64 year, int month, int day)
{
    year -= month <= 2;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const qint64 yearOfEra = year - era * 400;
    const qint64 dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const qint64 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

// Howard Hinnant's civil_from_days, the inverse of daysFromCivil.
void civilFromDays(qint64 days, qint64 &year, int &month, int &day)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 dayOfEra = days - era * 146097;
    const qint64 yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 shiftedMonth = (5 * dayOfYear + 2) / 153; // March = 0
    day = int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
    month = int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
    year = yearOfEra + era * 400 + (month <= 2);
}

char *writeIso8601(char *dst, qint64 epochMs)
{
    epochMs = std::clamp(epochMs, MinIso8601Ms, MaxIso8601Ms);
    qint64 days = epochMs / MsPerDay;
    qint64 msOfDay = epochMs % MsPerDay;
    if (msOfDay < 0) { // floor division, so instants before 1970 land on the previous day
        msOfDay += MsPerDay;
        --days;
    }
    qint64 year = 0;
    int month = 0, day = 0;
    civilFromDays(days, year, month, day);

    const int ms = int(msOfDay);
    const int millis = ms % 1000;
    const int totalSeconds = ms / 1000;

    dst = put2(dst, int(year / 100));
    dst = put2(dst, int(year % 100));
    *dst++ = '-';
    dst = put2(dst, month);
    *dst++ = '-';
    dst = put2(dst, day);
    *dst++ = 'T';
    dst = put2(dst, totalSeconds / 3600);
    *dst++ = ':';
    dst = put2(dst, totalSeconds / 60 % 60);
    *dst++ = ':';
    dst = put2(dst, totalSeconds % 60);
    *dst++ = '.';
    *dst++ = char('0' + millis / 100);
    dst = put2(dst, millis % 100);
    *dst++ = 'Z';
    return dst;
}

void appendIso8601(QByteArray &out, qint64 epochMs)
{
    const qsizetype oldSize = out.size();
    out.resize(oldSize + Iso8601Length);
    writeIso8601(out.data() + oldSize, epochMs);
}

QString toIso8601(qint64 epochMs)
{
    char buffer[Iso8601Length];
    writeIso8601(buffer, epochMs);
    return QString::fromLatin1(buffer, Iso8601Length);
}

Result<qint64> parseTime(QStringView text, qint64 nowMs)
{
    const QStringView trimmed = text.trimmed();
    if (trimmed.compare(u"now", Qt::CaseInsensitive) == 0)
        return nowMs;
    std::optional<qint64> ms = parseIso(trimmed);
    if (!ms)
        ms = parseRelative(trimmed, nowMs);
    if (ms)
        return *ms;
    return Error{u"invalid time \"%1\": expected ISO 8601 (2025-05-18T08:42:15Z, 2025-05-18) "
                 u"or relative (-7d, -24h)"_s.arg(text)};
}

Result<qint64> parseDuration(QStringView text)
{
    const std::optional<qint64> ms = parseAmount(text.trimmed());
    if (!ms)
        return Error{
            u"invalid duration \"%1\": expected a number followed by ms, s, m, h, d or w"_s.arg(
                text)};
    if (*ms <= 0)
        return Error{u"invalid duration \"%1\": must be greater than zero"_s.arg(text)};
    return *ms;
}

QString toMinute(qint64 epochMs)
{
    char iso[Iso8601Length];
    writeIso8601(iso, epochMs);
    iso[10] = ' '; // "2025-05-18T08:42:15.123Z" -> "2025-05-18 08:42"
    return QString::fromLatin1(iso, 16);
}

QString durationText(qint64 ms)
{
    constexpr std::pair<qint64, const char *> units[] = {
        {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "min"}, {1000, "s"}};
    for (const auto &[length, unit] : units) {
        if (ms >= length && ms % length == 0)
            return QStringLiteral("%1 %2").arg(ms / length).arg(QLatin1StringView(unit));
    }
    return QStringLiteral("%1 ms").arg(ms);
}

} // namespace pw::timeformat
