#include "csvparse.h"
#include "reports/CsvWriter.h"

#include <QBuffer>
#include <QFile>
#include <QRandomGenerator>
#include <QStringDecoder>

#include <QTest>

#include <algorithm>
#include <limits>
#include <optional>

using namespace Qt::StringLiterals;
using pw::CsvWriter;

namespace {

constexpr qsizetype DefaultBuffer = 1 << 20;
constexpr qsizetype TinyBuffer = 16; // smaller than most rows and many cells

// Runs fill against a writer on a QBuffer and returns everything written.
template<class Fill> QByteArray writeCsv(Fill fill, qsizetype bufferBytes = DefaultBuffer)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    {
        CsvWriter writer(&buffer, bufferBytes);
        fill(writer);
        if (!writer.flush() || !writer.ok())
            return "<write failed: " + writer.errorString().toUtf8() + '>';
    }
    return buffer.data();
}

// The three ways to hand text to the writer; all must produce the same bytes.
enum class Input
{
    Utf16,
    Latin1,
    Utf8
};

bool representable(const QString &text, Input input)
{
    if (input == Input::Latin1)
        return std::all_of(text.begin(), text.end(), [](QChar c) { return c.unicode() < 0x100; });
    return input == Input::Utf16 || text.isValidUtf16(); // lone surrogates have no UTF-8 form
}

void addText(CsvWriter &writer, const QString &text, Input input)
{
    if (input == Input::Latin1)
        writer.addText(QLatin1StringView(text.toLatin1()));
    else if (input == Input::Utf8)
        writer.addUtf8(text.toUtf8());
    else
        writer.addText(text);
}

// What a text cell reads as after the round trip: lone surrogates become U+FFFD and formulas get
// their ' guard.
QString expectedCell(const QString &text)
{
    QString result;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            result += c;
            result += text[++i];
        } else {
            result += c.isSurrogate() ? QChar(QChar::ReplacementCharacter) : c;
        }
    }
    if (result.startsWith(u'=') || result.startsWith(u'+') || result.startsWith(u'-') ||
        result.startsWith(u'@') || result.startsWith(u'\t') || result.startsWith(u'\r'))
        result.prepend(u'\'');
    return result;
}

} // namespace

class TstCsvWriter : public QObject
{
    Q_OBJECT

private slots:
    void textCell_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("expected");
        const QString lotsOfA(40, u'a');
        QTest::newRow("plain") << u"hello world"_s << QByteArray("hello world");
        QTest::newRow("empty") << QString() << QByteArray();
        QTest::newRow("spaces kept") << u"  x  "_s << QByteArray("  x  ");
        QTest::newRow("comma") << u"a,b"_s << QByteArray("\"a,b\"");
        QTest::newRow("quotes") << u"say \"hi\""_s << QByteArray("\"say \"\"hi\"\"\"");
        QTest::newRow("only a quote") << u"\""_s << QByteArray("\"\"\"\"");
        QTest::newRow("CR inside") << u"a\rb"_s << QByteArray("\"a\rb\"");
        QTest::newRow("LF inside") << u"a\nb"_s << QByteArray("\"a\nb\"");
        QTest::newRow("CRLF inside") << u"a\r\nb"_s << QByteArray("\"a\r\nb\"");
        QTest::newRow("trailing LF") << u"a\n"_s << QByteArray("\"a\n\"");
        QTest::newRow("NUL") << QStringView(u"a\0b", 3).toString() << QByteArray("a\0b", 3);
        QTest::newRow("guard =") << u"=SUM(A1:A9)"_s << QByteArray("'=SUM(A1:A9)");
        QTest::newRow("guard +") << u"+49 30 1234"_s << QByteArray("'+49 30 1234");
        QTest::newRow("guard -") << u"-1"_s << QByteArray("'-1");
        QTest::newRow("guard @") << u"@cmd"_s << QByteArray("'@cmd");
        QTest::newRow("guard TAB") << u"\tx"_s << QByteArray("'\tx");
        QTest::newRow("guard CR (quoted)") << u"\rx"_s << QByteArray("\"'\rx\"");
        QTest::newRow("guard with comma") << u"=1,2"_s << QByteArray("\"'=1,2\"");
        QTest::newRow("guard with quote") << u"=\"x\""_s << QByteArray("\"'=\"\"x\"\"\"");
        QTest::newRow("guard char alone") << u"-"_s << QByteArray("'-");
        QTest::newRow("guard chars later") << u"a=b-c+d@e"_s << QByteArray("a=b-c+d@e");
        QTest::newRow("apostrophe start") << u"'quoted"_s << QByteArray("'quoted");
        QTest::newRow("e acute") << u"caf\u00e9"_s << QByteArray("caf\xc3\xa9");
        QTest::newRow("y diaeresis (Latin-1 top)") << u"\u00ff"_s << QByteArray("\xc3\xbf");
        QTest::newRow("U+07FF / U+0800") << u"\u07ff\u0800"_s << QByteArray("\xdf\xbf\xe0\xa0\x80");
        QTest::newRow("Japanese") << u"\u65e5\u672c"_s << QByteArray("\xe6\x97\xa5\xe6\x9c\xac");
        QTest::newRow("emoji (surrogate pair)")
            << u"\U0001F600!"_s << QByteArray("\xf0\x9f\x98\x80!");
        QTest::newRow("U+FEFF first (content, not a byte order mark)")
            << u"\ufeffx"_s << QByteArray("\xef\xbb\xbfx");
        QTest::newRow("U+FFFF") << u"\uffff"_s << QByteArray("\xef\xbf\xbf");
        QTest::newRow("lone high surrogate")
            << (u"a"_s + QChar(0xD83D) + u"z"_s) << QByteArray("a\xef\xbf\xbdz");
        QTest::newRow("lone low surrogate")
            << (u"a"_s + QChar(0xDE00) + u"z"_s) << QByteArray("a\xef\xbf\xbdz");
        QTest::newRow("high surrogate at end")
            << (u"a"_s + QChar(0xD83D)) << QByteArray("a\xef\xbf\xbd");
        QTest::newRow("two high surrogates then low")
            << (QString(QChar(0xD83D)) + QChar(0xD83D) + QChar(0xDE00))
            << QByteArray("\xef\xbf\xbd\xf0\x9f\x98\x80");
        QTest::newRow("long plain") << lotsOfA << lotsOfA.toLatin1();
        QTest::newRow("long with comma late")
            << (lotsOfA + u","_s) << QByteArray('"' + lotsOfA.toLatin1() + ",\"");
        QTest::newRow("long with quotes inside")
            << (lotsOfA + u"\"\""_s + lotsOfA)
            << QByteArray('"' + lotsOfA.toLatin1() + "\"\"\"\"" + lotsOfA.toLatin1() + '"');
        QTest::newRow("long with non-ASCII inside")
            << (lotsOfA + u"\u00e9"_s + lotsOfA)
            << QByteArray(lotsOfA.toLatin1() + "\xc3\xa9" + lotsOfA.toLatin1());
        QTest::newRow("long guarded and quoted")
            << (u"="_s + lotsOfA + u"\n"_s) << QByteArray("\"'=" + lotsOfA.toLatin1() + "\n\"");
    }

    void textCell()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, expected);
        for (const Input input : {Input::Utf16, Input::Latin1, Input::Utf8}) {
            if (!representable(text, input))
                continue;
            for (const qsizetype bufferBytes : {DefaultBuffer, TinyBuffer}) {
                const QByteArray csv = writeCsv(
                    [&](CsvWriter &writer) {
                        addText(writer, text, input);
                        writer.endRow();
                    },
                    bufferBytes);
                QVERIFY2(csv == QByteArray(expected + "\r\n"),
                         qPrintable(u"input %1, buffer %2: %3"_s.arg(int(input))
                                        .arg(bufferBytes)
                                        .arg(QString::fromLatin1(csv.toPercentEncoding()))));
            }
        }
    }

    // Every length around the SIMD block sizes, with one special or non-ASCII unit at every
    // position, against a straightforward reference encoding.
    void everyPosition()
    {
        const QList<QString> specials = {
            u","_s,      u"\""_s,         u"\n"_s, u"\u00e9"_s,
            u"\u65e5"_s, u"\U0001F600"_s, u"="_s,  QString(QChar(0xDC00))};
        for (const QString &special : specials) {
            for (int length = 1; length <= 34; ++length) {
                for (int position = 0; position < length; ++position) {
                    QString text(length, u'x');
                    text.replace(position, 1, special);
                    QString body = expectedCell(text);
                    QByteArray expected = body.toUtf8();
                    if (body.contains(u',') || body.contains(u'"') || body.contains(u'\n'))
                        expected = '"' + expected.replace("\"", "\"\"") + '"';
                    for (const Input input : {Input::Utf16, Input::Latin1, Input::Utf8}) {
                        if (!representable(text, input))
                            continue;
                        const QByteArray csv = writeCsv([&](CsvWriter &writer) {
                            addText(writer, text, input);
                            writer.endRow();
                        });
                        QVERIFY2(
                            csv == QByteArray(expected + "\r\n"),
                            qPrintable(u"input %1, length %2, position %3: %4"_s.arg(int(input))
                                           .arg(length)
                                           .arg(position)
                                           .arg(QString::fromUtf8(csv))));
                    }
                }
            }
        }
    }

    void cellsAndRows()
    {
        const QByteArray csv = writeCsv([](CsvWriter &writer) {
            writer.addText(u"a"_s);
            writer.addEmpty();
            writer.addText(u"b,c"_s);
            writer.addEmpty();
            writer.endRow();
            writer.addEmpty();
            writer.addEmpty();
            writer.endRow();
            writer.endRow(); // a row without cells
            writer.addText(QString());
            writer.addText(u"x"_s);
            writer.endRow();
        });
        QCOMPARE(csv, QByteArray("a,,\"b,c\",\r\n,\r\n\r\n,x\r\n"));
    }

    void integer_data()
    {
        QTest::addColumn<qint64>("value");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("zero") << qint64(0) << QByteArray("0");
        QTest::newRow("http status") << qint64(429) << QByteArray("429");
        QTest::newRow("bytes") << qint64(123456789012) << QByteArray("123456789012");
        QTest::newRow("negative, unguarded") << qint64(-7) << QByteArray("-7");
        QTest::newRow("max") << std::numeric_limits<qint64>::max()
                             << QByteArray("9223372036854775807");
        QTest::newRow("min") << std::numeric_limits<qint64>::min()
                             << QByteArray("-9223372036854775808");
    }

    void integer()
    {
        QFETCH(qint64, value);
        QFETCH(QByteArray, expected);
        for (const qsizetype bufferBytes : {DefaultBuffer, TinyBuffer}) {
            const QByteArray csv = writeCsv(
                [&](CsvWriter &writer) {
                    writer.addInteger(value);
                    writer.addInteger(value);
                    writer.endRow();
                },
                bufferBytes);
            QCOMPARE(csv, QByteArray(expected + ',' + expected + "\r\n"));
        }
    }

    void decimal_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("decimals");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("availability") << 99.97 << 2 << QByteArray("99.97");
        QTest::newRow("hundred") << 100.0 << 1 << QByteArray("100.0");
        QTest::newRow("rounds") << 2.0 / 3.0 << 3 << QByteArray("0.667");
        QTest::newRow("no decimals") << 1.6 << 0 << QByteArray("2");
        QTest::newRow("pads zeros") << 0.5 << 4 << QByteArray("0.5000");
        QTest::newRow("zero") << 0.0 << 2 << QByteArray("0.00");
        QTest::newRow("negative zero") << -0.0 << 2 << QByteArray("0.00");
        QTest::newRow("tiny negative rounds to zero") << -0.001 << 2 << QByteArray("0.00");
        QTest::newRow("negative") << -1.25 << 1 << QByteArray("-1.2");
        QTest::newRow("large") << 1e20 << 0 << QByteArray("100000000000000000000");
        QTest::newRow("NaN is absent")
            << std::numeric_limits<double>::quiet_NaN() << 2 << QByteArray();
        QTest::newRow("infinity is absent")
            << std::numeric_limits<double>::infinity() << 2 << QByteArray();
    }

    void decimal()
    {
        QFETCH(double, value);
        QFETCH(int, decimals);
        QFETCH(QByteArray, expected);
        for (const qsizetype bufferBytes : {DefaultBuffer, TinyBuffer}) {
            const QByteArray csv = writeCsv(
                [&](CsvWriter &writer) {
                    writer.addText(u"x"_s);
                    writer.addDecimal(value, decimals);
                    writer.endRow();
                },
                bufferBytes);
            QCOMPARE(csv, QByteArray("x," + expected + "\r\n"));
        }
    }

    void timestamp_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("example") << qint64(1747557735123) << QByteArray("2025-05-18T08:42:15.123Z");
        QTest::newRow("epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000Z");
        QTest::newRow("before epoch") << qint64(-1) << QByteArray("1969-12-31T23:59:59.999Z");
    }

    void timestamp()
    {
        QFETCH(qint64, ms);
        QFETCH(QByteArray, expected);
        for (const qsizetype bufferBytes : {DefaultBuffer, TinyBuffer}) {
            const QByteArray csv = writeCsv(
                [&](CsvWriter &writer) {
                    writer.addTimestamp(ms);
                    writer.addTimestamp(ms);
                    writer.endRow();
                },
                bufferBytes);
            QCOMPARE(csv, QByteArray(expected + ',' + expected + "\r\n"));
        }
    }

    void headerAndBufferSmallerThanRow()
    {
        const auto fill = [](CsvWriter &writer) {
            writer.addHeader({"ts", "image", "http_status", "availability_pct", "message"});
            for (int i = 0; i < 50; ++i) {
                writer.addTimestamp(1747557735123 + i);
                writer.addText(u"ghcr.io/example/very-long-repository-name/image:v%1"_s.arg(i));
                writer.addInteger(200 + i);
                writer.addDecimal(99.5 + i / 100.0, 2);
                writer.addText(u"=\u65e5\u672c, \"quoted\"\r\n\U0001F600 line %1"_s.arg(i));
                writer.endRow();
            }
        };
        const QByteArray reference = writeCsv(fill, DefaultBuffer);
        QVERIFY(reference.startsWith("ts,image,http_status,availability_pct,message\r\n"
                                     "2025-05-18T08:42:15.123Z,ghcr.io/example/very-long-"
                                     "repository-name/image:v0,200,99.50,\"'=\xe6\x97\xa5\xe6\x9c"
                                     "\xac, \"\"quoted\"\"\r\n\xf0\x9f\x98\x80 line 0\"\r\n"));
        for (const qsizetype bufferBytes : {qsizetype(0), TinyBuffer, qsizetype(17), qsizetype(64)})
            QCOMPARE(writeCsv(fill, bufferBytes), reference);
    }

    void writeErrorOnReadOnlyDevice()
    {
        QByteArray data("existing");
        QBuffer buffer(&data);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        CsvWriter writer(&buffer);
        QVERIFY(writer.ok());
        writer.addText(u"a"_s);
        writer.endRow();
        QVERIFY(!writer.flush());
        QVERIFY(!writer.ok());
        QCOMPARE(writer.errorString(), u"device is not open for writing"_s);
        // Later output is dropped and the first error stays.
        writer.addText(u"b"_s);
        writer.endRow();
        QVERIFY(!writer.flush());
        QCOMPARE(writer.errorString(), u"device is not open for writing"_s);
        QCOMPARE(data, QByteArray("existing"));
    }

    void writeErrorFromDevice()
    {
        QFile full(u"/dev/full"_s);
        if (!full.open(QIODevice::WriteOnly))
            QSKIP("/dev/full is not available");
        CsvWriter writer(&full, 64);
        for (int i = 0; i < 100; ++i) {
            writer.addText(u"row"_s);
            writer.addInteger(i);
            writer.endRow();
        }
        QVERIFY(!writer.flush());
        QVERIFY(!writer.ok());
        QVERIFY2(writer.errorString().contains(u"No space left"), qPrintable(writer.errorString()));
    }

    void roundTrip_data()
    {
        QTest::addColumn<qsizetype>("bufferBytes");
        QTest::newRow("1 MiB buffer") << DefaultBuffer;
        QTest::newRow("64-byte buffer") << qsizetype(64);
        QTest::newRow("16-byte buffer") << TinyBuffer;
    }

    void roundTrip()
    {
        QFETCH(qsizetype, bufferBytes);
        // Weighted towards what CSV must escape, plus multi-byte UTF-8 and broken UTF-16.
        const QList<QString> pieces = {u"a"_s,
                                       u"Z"_s,
                                       u"0"_s,
                                       u" "_s,
                                       u","_s,
                                       u"\""_s,
                                       u"\r"_s,
                                       u"\n"_s,
                                       u"\r\n"_s,
                                       u"="_s,
                                       u"+"_s,
                                       u"-"_s,
                                       u"@"_s,
                                       u"\t"_s,
                                       u"'"_s,
                                       u"\u00e9"_s,
                                       u"\u00ff"_s,
                                       u"\u65e5\u672c"_s,
                                       u"\U0001F600"_s,
                                       u"\ufeff"_s, // content, also at a cell's start
                                       QString(QChar(0xD800)),
                                       QString(QChar(0xDFFF)),
                                       u"docker.io/library/nginx:1.27"_s,
                                       u"sha256:0123456789abcdef0123456789abcdef"_s};
        QRandomGenerator random(4180);
        QList<QStringList> rows;
        for (int r = 0; r < 1000; ++r) {
            QStringList row;
            const int cells = 1 + random.bounded(12);
            for (int c = 0; c < cells; ++c) {
                QString text;
                const int length = random.bounded(10) == 0 ? random.bounded(80) : random.bounded(8);
                for (int i = 0; i < length; ++i)
                    text += pieces[random.bounded(pieces.size())];
                row.append(text);
            }
            rows.append(row);
        }
        // Mixes the three inputs; text Latin-1 or UTF-8 cannot carry goes in as UTF-16.
        const auto inputFor = [](const QString &text, qsizetype r, qsizetype c) {
            const auto input = Input((r + c) % 3);
            return representable(text, input) ? input : Input::Utf16;
        };

        const QByteArray csv = writeCsv(
            [&](CsvWriter &writer) {
                for (qsizetype r = 0; r < rows.size(); ++r) {
                    for (qsizetype c = 0; c < rows[r].size(); ++c)
                        addText(writer, rows[r][c], inputFor(rows[r][c], r, c));
                    writer.endRow();
                }
            },
            bufferBytes);

        QString error;
        const std::optional<QList<QStringList>> parsed = parseCsv(csv, &error);
        QVERIFY2(parsed, qPrintable(error));
        QCOMPARE(parsed->size(), rows.size());
        for (qsizetype r = 0; r < rows.size(); ++r) {
            QCOMPARE((*parsed)[r].size(), rows[r].size());
            for (qsizetype c = 0; c < rows[r].size(); ++c) {
                if ((*parsed)[r][c] != expectedCell(rows[r][c]))
                    QFAIL(qPrintable(u"row %1 cell %2: %3 != %4"_s.arg(r).arg(c).arg(
                        (*parsed)[r][c], expectedCell(rows[r][c]))));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TstCsvWriter)
#include "tst_csvwriter.moc"
