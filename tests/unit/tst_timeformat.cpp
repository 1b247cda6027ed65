#include "TimeFormat.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

// 2025-05-18T08:42:15.123Z, the "now" every relative time in these tests is measured from.
constexpr qint64 Now = 1747557735123;
constexpr qint64 Second = 1000;
constexpr qint64 Minute = 60 * Second;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;

// 2025-05-18T00:00:00Z
constexpr qint64 May18 = 1747526400000;

// QVERIFY2 evaluates its message even on success, and error() is only valid on failure.
QString errorOf(const Result<qint64> &result)
{
    return result.ok() ? QString() : result.error();
}

} // namespace

class TstTimeFormat : public QObject
{
    Q_OBJECT

private slots:
    void format_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("expected");
        QTest::newRow("epoch") << qint64(0) << u"1970-01-01T00:00:00.000Z"_s;
        QTest::newRow("example from DESIGN.md") << Now << u"2025-05-18T08:42:15.123Z"_s;
        QTest::newRow("leap day 2024")
            << qint64(1709164800000) + 13 * Hour + 5 * Minute + 7 << u"2024-02-29T13:05:00.007Z"_s;
        QTest::newRow("day after leap day")
            << qint64(1709251200000) << u"2024-03-01T00:00:00.000Z"_s;
        QTest::newRow("year 2000") << qint64(946684800000) << u"2000-01-01T00:00:00.000Z"_s;
        QTest::newRow("leap day 2000 (divisible by 400)")
            << qint64(951782400000) << u"2000-02-29T00:00:00.000Z"_s;
        QTest::newRow("last ms of 1999") << qint64(946684799999) << u"1999-12-31T23:59:59.999Z"_s;
        QTest::newRow("1 ms before epoch") << qint64(-1) << u"1969-12-31T23:59:59.999Z"_s;
        QTest::newRow("1 day before epoch") << -Day << u"1969-12-31T00:00:00.000Z"_s;
        QTest::newRow("moon landing") << qint64(-14182940000) << u"1969-07-20T20:17:40.000Z"_s;
        QTest::newRow("1900 (not a leap year)")
            << qint64(-2203891200000) << u"1900-03-01T00:00:00.000Z"_s;
        QTest::newRow("year 2100") << qint64(4102444800000) << u"2100-01-01T00:00:00.000Z"_s;
        QTest::newRow("first representable")
            << timeformat::MinIso8601Ms << u"0000-01-01T00:00:00.000Z"_s;
        QTest::newRow("last representable")
            << timeformat::MaxIso8601Ms << u"9999-12-31T23:59:59.999Z"_s;
        QTest::newRow("below range is clamped")
            << std::numeric_limits<qint64>::min() << u"0000-01-01T00:00:00.000Z"_s;
        QTest::newRow("above range is clamped")
            << std::numeric_limits<qint64>::max() << u"9999-12-31T23:59:59.999Z"_s;
    }

    void format()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, expected);
        QCOMPARE(timeformat::toIso8601(ms), expected);

        char raw[timeformat::Iso8601Length + 1];
        raw[timeformat::Iso8601Length] = '#';
        // QVERIFY, not QCOMPARE: QCOMPARE would compare two char pointers as C strings.
        QVERIFY(timeformat::writeIso8601(raw, ms) == raw + timeformat::Iso8601Length);
        QCOMPARE(raw[timeformat::Iso8601Length], '#'); // nothing written past the end

        QByteArray appended("ts=");
        timeformat::appendIso8601(appended, ms);
        QCOMPARE(appended, QByteArray("ts=" + expected.toLatin1()));
    }

    void formatMatchesQDateTime()
    {
        QRandomGenerator random(20250518);
        const qint64 end = 4102444800000; // 2100-01-01
        for (int i = 0; i < 100000; ++i) {
            const qint64 ms = random.bounded(end);
            const QString expected =
                QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
            const QString actual = timeformat::toIso8601(ms);
            if (actual != expected)
                QFAIL(qPrintable(u"%1 ms: %2 != %3"_s.arg(ms).arg(actual, expected)));
        }
    }

    void formatThenParseRoundTrips()
    {
        QRandomGenerator random(7);
        for (int i = 0; i < 100000; ++i) {
            const qint64 ms =
                timeformat::MinIso8601Ms +
                random.bounded(timeformat::MaxIso8601Ms - timeformat::MinIso8601Ms + 1);
            const Result<qint64> parsed = timeformat::parseTime(timeformat::toIso8601(ms), Now);
            QVERIFY2(parsed.ok(), qPrintable(errorOf(parsed)));
            QCOMPARE(*parsed, ms);
        }
    }

    void civilDaysRoundTrip()
    {
        // Every day from 1600 to 2400 maps back to itself and days are consecutive.
        qint64 year = 0;
        int month = 0, day = 0;
        qint64 previous = timeformat::daysFromCivil(1600, 1, 1) - 1;
        for (qint64 days = previous + 1; days < timeformat::daysFromCivil(2400, 1, 1); ++days) {
            timeformat::civilFromDays(days, year, month, day);
            QCOMPARE(timeformat::daysFromCivil(year, month, day), days);
            QCOMPARE(days, previous + 1);
            previous = days;
        }
    }

    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected");
        const qint64 at = May18 + 8 * Hour + 42 * Minute + 15 * Second; // 2025-05-18T08:42:15Z
        QTest::newRow("Z") << u"2025-05-18T08:42:15Z"_s << at;
        QTest::newRow("lowercase t and z") << u"2025-05-18t08:42:15z"_s << at;
        QTest::newRow("space instead of T") << u"2025-05-18 08:42:15Z"_s << at;
        QTest::newRow("no offset means UTC") << u"2025-05-18T08:42:15"_s << at;
        QTest::newRow("no seconds") << u"2025-05-18T08:42Z"_s << at - 15 * Second;
        QTest::newRow("1 fraction digit") << u"2025-05-18T08:42:15.1Z"_s << at + 100;
        QTest::newRow("2 fraction digits") << u"2025-05-18T08:42:15.12Z"_s << at + 120;
        QTest::newRow("3 fraction digits") << u"2025-05-18T08:42:15.123Z"_s << at + 123;
        QTest::newRow("9 fraction digits truncated")
            << u"2025-05-18T08:42:15.123999999Z"_s << at + 123;
        QTest::newRow("comma fraction") << u"2025-05-18T08:42:15,5Z"_s << at + 500;
        QTest::newRow("+02:00") << u"2025-05-18T10:42:15+02:00"_s << at;
        QTest::newRow("+0200") << u"2025-05-18T10:42:15+0200"_s << at;
        QTest::newRow("+02") << u"2025-05-18T10:42:15+02"_s << at;
        QTest::newRow("-05:30") << u"2025-05-18T03:12:15-05:30"_s << at;
        QTest::newRow("-0530") << u"2025-05-18T03:12:15-0530"_s << at;
        QTest::newRow("+00:00") << u"2025-05-18T08:42:15+00:00"_s << at;
        QTest::newRow("offset with fraction") << u"2025-05-18T10:42:15.123+02:00"_s << at + 123;
        QTest::newRow("offset crosses midnight") << u"2025-05-17T23:42:15-09:00"_s << at;
        QTest::newRow("date alone") << u"2025-05-18"_s << May18;
        QTest::newRow("epoch") << u"1970-01-01T00:00:00Z"_s << qint64(0);
        QTest::newRow("before epoch") << u"1969-12-31T23:59:59.999Z"_s << qint64(-1);
        QTest::newRow("leap day") << u"2024-02-29"_s << qint64(1709164800000);
        QTest::newRow("surrounding whitespace") << u"  2025-05-18 \n"_s << May18;
    }

    void parse()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const Result<qint64> parsed = timeformat::parseTime(text, Now);
        QVERIFY2(parsed.ok(), qPrintable(errorOf(parsed)));
        QCOMPARE(*parsed, expected);
    }

    void parseRelative_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("now") << u"now"_s << Now;
        QTest::newRow("NOW") << u"NOW"_s << Now;
        QTest::newRow("-7d") << u"-7d"_s << Now - 7 * Day;
        QTest::newRow("-24h") << u"-24h"_s << Now - 24 * Hour;
        QTest::newRow("-30m") << u"-30m"_s << Now - 30 * Minute;
        QTest::newRow("-90s") << u"-90s"_s << Now - 90 * Second;
        QTest::newRow("-2w") << u"-2w"_s << Now - 14 * Day;
        QTest::newRow("-500ms") << u"-500ms"_s << Now - 500;
        QTest::newRow("+1h") << u"+1h"_s << Now + Hour;
        QTest::newRow("-0d") << u"-0d"_s << Now;
        QTest::newRow("-365d") << u"-365d"_s << Now - 365 * Day;
    }

    void parseRelative()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const Result<qint64> parsed = timeformat::parseTime(text, Now);
        QVERIFY2(parsed.ok(), qPrintable(errorOf(parsed)));
        QCOMPARE(*parsed, expected);
    }

    void parseRejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QString();
        QTest::newRow("blank") << u"   "_s;
        QTest::newRow("month 13") << u"2025-13-01"_s;
        QTest::newRow("month 0") << u"2025-00-10"_s;
        QTest::newRow("day 0") << u"2025-05-00"_s;
        QTest::newRow("April 31") << u"2025-04-31"_s;
        QTest::newRow("Feb 29 in a common year") << u"2025-02-29"_s;
        QTest::newRow("Feb 29 in 1900") << u"1900-02-29"_s;
        QTest::newRow("hour 24") << u"2025-05-18T24:00:00Z"_s;
        QTest::newRow("minute 60") << u"2025-05-18T08:60:00Z"_s;
        QTest::newRow("second 60") << u"2025-05-18T08:42:60Z"_s;
        QTest::newRow("trailing garbage") << u"2025-05-18T08:42:15Zx"_s;
        QTest::newRow("garbage after date") << u"2025-05-18x"_s;
        QTest::newRow("T without time") << u"2025-05-18T"_s;
        QTest::newRow("hour only") << u"2025-05-18T08Z"_s;
        QTest::newRow("dot without fraction") << u"2025-05-18T08:42:15.Z"_s;
        QTest::newRow("offset hour 24") << u"2025-05-18T08:42:15+24:00"_s;
        QTest::newRow("offset minute 60") << u"2025-05-18T08:42:15+02:60"_s;
        QTest::newRow("offset one digit") << u"2025-05-18T08:42:15+2"_s;
        QTest::newRow("offset three digits") << u"2025-05-18T08:42:15+020"_s;
        QTest::newRow("offset colon no minutes") << u"2025-05-18T08:42:15+02:"_s;
        QTest::newRow("two-digit year") << u"25-05-18"_s;
        QTest::newRow("slashes") << u"2025/05/18"_s;
        QTest::newRow("single-digit month") << u"2025-5-18"_s;
        QTest::newRow("relative without sign") << u"7d"_s;
        QTest::newRow("relative without unit") << u"-7"_s;
        QTest::newRow("relative unknown unit") << u"-7y"_s;
        QTest::newRow("relative uppercase unit") << u"-7D"_s;
        QTest::newRow("relative with space") << u"- 7d"_s;
        QTest::newRow("relative fraction") << u"-1.5h"_s;
        QTest::newRow("relative overflow") << u"-99999999999999999w"_s;
        QTest::newRow("sign only") << u"-"_s;
        QTest::newRow("yesterday") << u"yesterday"_s;
        QTest::newRow("epoch number") << u"1747557735"_s;
        QTest::newRow("arabic-indic digits") << u"\u0662\u0660\u0662\u0665-05-18"_s;
    }

    void parseRejects()
    {
        QFETCH(QString, text);
        const Result<qint64> parsed = timeformat::parseTime(text, Now);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().contains(QString(u'"' + text + u'"')), qPrintable(parsed.error()));
        QVERIFY2(parsed.error().contains(u"expected ISO 8601"), qPrintable(parsed.error()));
    }

    void rejectMessage()
    {
        const Result<qint64> parsed = timeformat::parseTime(u"2025-13-01", Now);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error(), u"invalid time \"2025-13-01\": expected ISO 8601 "
                                 u"(2025-05-18T08:42:15Z, 2025-05-18) or relative (-7d, -24h)"_s);
    }

    void parseDuration_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("500ms") << u"500ms"_s << qint64(500);
        QTest::newRow("30s") << u"30s"_s << 30 * Second;
        QTest::newRow("5m") << u"5m"_s << 5 * Minute;
        QTest::newRow("1h") << u"1h"_s << Hour;
        QTest::newRow("7d") << u"7d"_s << 7 * Day;
        QTest::newRow("2w") << u"2w"_s << 14 * Day;
        QTest::newRow("1ms") << u"1ms"_s << qint64(1);
        QTest::newRow("leading zeros") << u"0010s"_s << 10 * Second;
        QTest::newRow("surrounding whitespace") << u" 90s "_s << 90 * Second;
    }

    void parseDuration()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const Result<qint64> parsed = timeformat::parseDuration(text);
        QVERIFY2(parsed.ok(), qPrintable(errorOf(parsed)));
        QCOMPARE(*parsed, expected);
    }

    void parseDurationRejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expectedMessage");
        const QString shape = u"expected a number followed by ms, s, m, h, d or w"_s;
        QTest::newRow("unknown unit") << u"5x"_s << shape;
        QTest::newRow("no unit") << u"30"_s << shape;
        QTest::newRow("no number") << u"ms"_s << shape;
        QTest::newRow("empty") << QString() << shape;
        QTest::newRow("negative") << u"-5s"_s << shape;
        QTest::newRow("plus sign") << u"+5s"_s << shape;
        QTest::newRow("fraction") << u"1.5h"_s << shape;
        QTest::newRow("space before unit") << u"5 m"_s << shape;
        QTest::newRow("uppercase unit") << u"5M"_s << shape;
        QTest::newRow("two units") << u"1h30m"_s << shape;
        QTest::newRow("overflow") << u"99999999999999999w"_s << shape;
        QTest::newRow("zero") << u"0s"_s << u"must be greater than zero"_s;
    }

    void parseDurationRejects()
    {
        QFETCH(QString, text);
        QFETCH(QString, expectedMessage);
        const Result<qint64> parsed = timeformat::parseDuration(text);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error(), u"invalid duration \"%1\": %2"_s.arg(text, expectedMessage));
    }
};

QTEST_GUILESS_MAIN(TstTimeFormat)
#include "tst_timeformat.moc"
