#include "config/JsonPositions.h"

#include <QStringList>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using pw::JsonDocument;
using pw::TextPosition;

// Declared before any test data: moc mistakes "//" inside string literals for a comment.
class TestJsonPositions : public QObject
{
    Q_OBJECT

private slots:
    void positions_data();
    void positions();
    void memberOrder();
    void errors_data();
    void errors();
    void depth_data();
    void depth();
    void childPointer_data();
    void childPointer();
    void errorAt();
};

namespace {

const QString FileName = u"doc.json"_s;

// "LINE:COLUMN", or "" for no position, so that a failing QCOMPARE shows both sides.
QString shown(const std::optional<TextPosition> &position)
{
    return position ? position->toString() : QString();
}

// QVERIFY2 evaluates its message even on success, and error() is only valid on failure.
QString errorOf(const pw::Result<JsonDocument> &result)
{
    return result.ok() ? QString() : result.error();
}

// Nested objects and arrays over CRLF lines, indented with tabs (one column each).
const QByteArray Indented = "{\r\n"
                            "\t\"outer\": {\r\n"
                            "\t\t\"inner\": [10, \t{\"deep\": true}],\r\n"
                            "\t\t\"name\": \"x\"\r\n"
                            "\t}\r\n"
                            "}\r\n";

// "café", "naïve", "€", "😀" and "ü": each is one column, however many UTF-8 bytes it takes.
const QByteArray NonAscii = "{\"caf\xC3\xA9\": \"na\xC3\xAFve\", \"\xE2\x82\xAC\": "
                            "[\"\xF0\x9F\x98\x80\", \"\xC3\xBC\"]}";

} // namespace

void TestJsonPositions::positions_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("key");   // "" when the pointer has no key
    QTest::addColumn<QString>("value"); // "" when the document has no such value

    QTest::newRow("root") << Indented << QString() << QString() << u"1:1"_s;
    QTest::newRow("CRLF: member of the root") << Indented << u"/outer"_s << u"2:2"_s << u"2:11"_s;
    QTest::newRow("CRLF: nested array") << Indented << u"/outer/inner"_s << u"3:3"_s << u"3:12"_s;
    QTest::newRow("CRLF: array element")
        << Indented << u"/outer/inner/0"_s << QString() << u"3:13"_s;
    QTest::newRow("tab before an element")
        << Indented << u"/outer/inner/1"_s << QString() << u"3:18"_s;
    QTest::newRow("object in an array")
        << Indented << u"/outer/inner/1/deep"_s << u"3:19"_s << u"3:27"_s;
    QTest::newRow("after a nested array") << Indented << u"/outer/name"_s << u"4:3"_s << u"4:11"_s;
    QTest::newRow("missing member") << Indented << u"/outer/nothing"_s << QString() << QString();
    QTest::newRow("index past the end")
        << Indented << u"/outer/inner/2"_s << QString() << QString();

    QTest::newRow("non-ASCII key") << NonAscii << u"/café"_s << u"1:2"_s << u"1:10"_s;
    QTest::newRow("after non-ASCII value") << NonAscii << u"/€"_s << u"1:19"_s << u"1:24"_s;
    QTest::newRow("emoji element") << NonAscii << u"/€/0"_s << QString() << u"1:25"_s;
    QTest::newRow("after an emoji") << NonAscii << u"/€/1"_s << QString() << u"1:30"_s;
    QTest::newRow("non-ASCII on a later line")
        << QByteArray("[\"\xC3\xA9\",\n \"\xF0\x9F\x98\x80\",\t\"x\"]") << u"/2"_s << QString()
        << u"2:7"_s;

    // Pointers hold decoded keys with "/" and "~" escaped; the byte order mark is no column.
    const QByteArray escaped = "\xEF\xBB\xBF{\"a/b\": {\"m~n\": 1, \"\\u00e9\": [true]}}"; // "é"
    QTest::newRow("BOM, slash in key") << escaped << u"/a~1b"_s << u"1:2"_s << u"1:9"_s;
    QTest::newRow("tilde in key") << escaped << u"/a~1b/m~0n"_s << u"1:10"_s << u"1:17"_s;
    QTest::newRow("escaped key") << escaped << u"/a~1b/é"_s << u"1:20"_s << u"1:30"_s;
    QTest::newRow("element of escaped key") << escaped << u"/a~1b/é/0"_s << QString() << u"1:31"_s;
    QTest::newRow("brackets and quotes inside a string")
        << QByteArray("{\"s\": \"x\\\"]}, \\\\\", \"t\": 2}") << u"/t"_s << u"1:20"_s << u"1:25"_s;
    QTest::newRow("blank lines before the root")
        << QByteArray("\n\n  [1, [2, 3]]") << QString() << QString() << u"3:3"_s;
    QTest::newRow("array in an array")
        << QByteArray("\n\n  [1, [2, 3]]") << u"/1/1"_s << QString() << u"3:11"_s;
}

void TestJsonPositions::positions()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, pointer);
    QFETCH(QString, key);
    QFETCH(QString, value);
    const pw::Result<JsonDocument> document = JsonDocument::parse(json, FileName);
    QVERIFY2(document.ok(), qPrintable(errorOf(document)));
    QCOMPARE(shown(document->keyPosition(pointer.toStdString())), key);
    QCOMPARE(shown(document->valuePosition(pointer.toStdString())), value);
}

void TestJsonPositions::memberOrder()
{
    const pw::Result<JsonDocument> document = JsonDocument::parse(Indented, FileName);
    QVERIFY2(document.ok(), qPrintable(errorOf(document)));
    QStringList members;
    for (const std::string &pointer : document->memberPointers())
        members.append(QString::fromStdString(pointer));
    // Text order, although the parsed object sorts "inner" before "name" and "deep" into "inner".
    QCOMPARE(members, (QStringList{u"/outer"_s, u"/outer/inner"_s, u"/outer/inner/1/deep"_s,
                                   u"/outer/name"_s}));
    const nlohmann::json &root = document->root();
    QCOMPARE(root.at("outer").at("inner").at(0).get<int>(), 10);
    QVERIFY(root.at("outer").at("inner").at(1).at("deep").get<bool>());
    QCOMPARE(root.at("outer").at("name").get<std::string>(), std::string("x"));
    QCOMPARE(document->fileName(), FileName);
}

void TestJsonPositions::errors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    QTest::newRow("empty") << QByteArray()
                           << u"doc.json:1:1: syntax error: unexpected end of input; expected "
                              "'[', '{', or a literal"_s;
    QTest::newRow("whitespace only") << QByteArray("  \n ")
                                     << u"doc.json:2:2: syntax error: unexpected end of input; "
                                        "expected '[', '{', or a literal"_s;
    QTest::newRow("trailing comma in object")
        << QByteArray("{\"a\": 1,}")
        << u"doc.json:1:9: syntax error: unexpected '}'; expected string literal"_s;
    QTest::newRow("BOM and trailing comma in array")
        << QByteArray("\xEF\xBB\xBF[1,]")
        << u"doc.json:1:4: syntax error: unexpected ']'; expected '[', '{', or a literal"_s;
    QTest::newRow("CRLF and tabs")
        << QByteArray("{\r\n\t\"a\": [1,\r\n\t\t2 3]}")
        << u"doc.json:3:5: syntax error: unexpected number literal; expected ']'"_s;
    QTest::newRow("after non-ASCII key")
        << QByteArray("{\"\xC3\xA9\xF0\x9F\x98\x80\": \"x\" \"y\"}")
        << u"doc.json:1:12: syntax error: unexpected string literal; expected '}'"_s;
    QTest::newRow("string with an escaped quote")
        << QByteArray("{\"a\": \"x\\\"y\" 3}")
        << u"doc.json:1:14: syntax error: unexpected number literal; expected '}'"_s;
    QTest::newRow("text after the root")
        << QByteArray("[1]\n 2")
        << u"doc.json:2:2: syntax error: unexpected number literal; expected end of input"_s;
    QTest::newRow("ill-formed UTF-8")
        << QByteArray("{\"a\": \"\xC3(\"}")
        << u"doc.json:1:9: syntax error: invalid string: ill-formed UTF-8 byte; last read: "
           "'\"\\xC3('"_s;
    QTest::newRow("number overflow")
        << QByteArray("{\"a\": 1e999}") << u"doc.json:1:7: number overflow parsing '1e999'"_s;

    QTest::newRow("duplicate key in nested object")
        << QByteArray("{\"a\": {\"x\": 1,\r\n\t\"x\": 2}}")
        << u"doc.json:2:2: duplicate key \"x\""_s;
    QTest::newRow("duplicate key, once escaped") << QByteArray("{\"\xC3\xA9\": 1, \"\\u00e9\": 2}")
                                                 << u"doc.json:1:10: duplicate key \"\u00e9\""_s;
    QTest::newRow("duplicate key with a newline stays on one line")
        << QByteArray("{\"a\\nb\": 1, \"a\\u000ab\": 2}")
        << u"doc.json:1:13: duplicate key \"a\\nb\""_s;
}

void TestJsonPositions::errors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const pw::Result<JsonDocument> document = JsonDocument::parse(json, FileName);
    QVERIFY(!document.ok());
    QCOMPARE(document.error(), error);
}

void TestJsonPositions::depth_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // "" when the document is accepted

    static_assert(JsonDocument::MaxDepth == 64);
    const auto arrays = [](int n, const QByteArray &open) -> QByteArray {
        return open.repeated(n) + QByteArray(n, ']');
    };
    const auto objects = [](int n) -> QByteArray {
        return QByteArray("{\"a\":").repeated(n) + '1' + QByteArray(n, '}');
    };
    QTest::newRow("arrays, innermost at depth 64") << arrays(65, "[") << QString();
    QTest::newRow("arrays, innermost at depth 65")
        << arrays(66, "[") << u"doc.json:1:66: nested deeper than 64 levels"_s;
    QTest::newRow("objects, value at depth 64") << objects(64) << QString();
    QTest::newRow("objects, value at depth 65")
        << objects(65) << u"doc.json:1:326: nested deeper than 64 levels"_s;
    QTest::newRow("one array a line (CRLF)")
        << arrays(66, "[\r\n") << u"doc.json:66:1: nested deeper than 64 levels"_s;
    QTest::newRow("10000 levels") << arrays(10000, "[")
                                  << u"doc.json:1:66: nested deeper than 64 levels"_s;
}

void TestJsonPositions::depth()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const pw::Result<JsonDocument> document = JsonDocument::parse(json, FileName);
    QCOMPARE(errorOf(document), error);
}

void TestJsonPositions::childPointer_data()
{
    QTest::addColumn<QString>("parent");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("child");

    QTest::newRow("of the root") << QString() << u"images"_s << u"/images"_s;
    QTest::newRow("array index") << u"/images"_s << u"2"_s << u"/images/2"_s;
    QTest::newRow("slash and tilde") << u"/a"_s << u"x/y~z"_s << u"/a/x~1y~0z"_s;
    QTest::newRow("tilde before 1") << QString() << u"~1"_s << u"/~01"_s;
    QTest::newRow("empty key") << u"/a"_s << QString() << u"/a/"_s;
    QTest::newRow("non-ASCII key") << QString() << u"€"_s << u"/€"_s;
}

void TestJsonPositions::childPointer()
{
    QFETCH(QString, parent);
    QFETCH(QString, key);
    QFETCH(QString, child);
    QCOMPARE(
        QString::fromStdString(JsonDocument::childPointer(parent.toStdString(), key.toStdString())),
        child);
}

void TestJsonPositions::errorAt()
{
    const pw::Result<JsonDocument> document = JsonDocument::parse("{\n  \"a\": 1\n}", FileName);
    QVERIFY2(document.ok(), qPrintable(errorOf(document)));
    const std::optional<TextPosition> value = document->valuePosition("/a");
    QVERIFY(value.has_value());
    QCOMPARE(document->errorAt(*value, u"must be a string"_s).message,
             u"doc.json:2:8: must be a string"_s);
    // Positions order like the text, which picks the first of several problems.
    QVERIFY(*document->keyPosition("/a") < *value);
    QVERIFY((TextPosition{1, 80}) < (TextPosition{2, 1}));
    QCOMPARE(JsonDocument::quoted("say \"hi\"\n"), u"\"say \\\"hi\\\"\\n\""_s);
}

QTEST_GUILESS_MAIN(TestJsonPositions)
#include "tst_jsonpositions.moc"
