#include "net/HttpResponseReader.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

using Step = HttpResponseReader::Step;

class TstHttpResponseReader : public QObject
{
    Q_OBJECT

private slots:
    void framing_data();
    void framing();
    void malformed_data();
    void malformed();
    void eof_data();
    void eof();
    void endlessHeadersFailAtTheLimit();
    void interimResponsesAreSkipped();
    void obsFoldJoinsTheValue();
};

namespace {
struct Outcome
{
    Step end = Step::NeedMore;
    int status = 0;
    QByteArray reason;
    QByteArray body;
    bool reusable = false;
    QString error;
    qsizetype left = 0; // bytes after the message
};

// Feeds `wire` in pieces of `piece` bytes (0: all at once) until the reader is done or fails.
Outcome read(const QByteArray &wire, qsizetype piece, bool head = false, bool eofAtEnd = false)
{
    HttpResponseReader reader;
    reader.start(head);
    Outcome out;
    qsizetype offset = 0;
    while (out.end == Step::NeedMore) {
        const qsizetype size = piece > 0 ? std::min(piece, wire.size() - offset) : wire.size() - offset;
        QByteArrayView data = QByteArrayView(wire).sliced(offset, size);
        offset += size;
        for (Step step = reader.next(data);; step = reader.next(data)) {
            if (step == Step::Head) {
                out.status = reader.head().status;
                out.reason = reader.head().reason;
            } else if (step == Step::Body) {
                out.body += reader.body().toByteArray();
            } else {
                out.end = step;
                out.left = data.size() + (wire.size() - offset);
                break;
            }
        }
        if (out.end == Step::NeedMore && offset == wire.size()) {
            out.end = eofAtEnd ? reader.atEof() : Step::NeedMore;
            break;
        }
    }
    out.reusable = reader.reusable();
    out.error = reader.error();
    return out;
}
} // namespace

void TstHttpResponseReader::framing_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("head");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("reusable");

    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false << 200
        << QByteArray("hello") << true;
    QTest::newRow("chunked, with extension and trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=v\r\nhello\r\n7\r\n, world\r\n0\r\nDigest: x\r\n\r\n")
        << false << 200 << QByteArray("hello, world") << true;
    QTest::newRow("chunked, 64 KiB chunks")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" +
                      QByteArray(65536, 'a') + "\r\n10000\r\n" + QByteArray(65536, 'b') +
                      "\r\n0\r\n\r\n")
        << false << 200 << QByteArray(65536, 'a') + QByteArray(65536, 'b') << true;
    QTest::newRow("chunked wins over content-length, connection not reused")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                      "2\r\nok\r\n0\r\n\r\n")
        << false << 200 << QByteArray("ok") << false;
    QTest::newRow("HEAD: no body despite content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n") << true << 200
        << QByteArray() << true;
    QTest::newRow("204 and 304 have no body")
        << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") << false << 304
        << QByteArray() << true;
    QTest::newRow("connection: close")
        << QByteArray("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno")
        << false << 404 << QByteArray("no") << false;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx")
        << false << 200 << QByteArray("x") << true;
    QTest::newRow("HTTP/1.0 without keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx") << false << 200
        << QByteArray("x") << false;
    QTest::newRow("bare LF line ends, no reason phrase")
        << QByteArray("HTTP/1.1 200\nContent-Length: 2\n\nok") << false << 200 << QByteArray("ok")
        << true;
}

void TstHttpResponseReader::framing()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, head);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, reusable);

    // Every split of the bytes reads the same: whole, one byte at a time, and in between.
    for (const qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(7),
                                  qsizetype(4096)}) {
        const Outcome out = read(wire + "HTTP/1.1 200 OK\r\n", piece, head);
        QCOMPARE(out.end, Step::Done);
        QCOMPARE(out.status, status);
        QCOMPARE(out.body, body);
        QCOMPARE(out.reusable, reusable);
        // What follows the message is left for the next one.
        QCOMPARE(out.left, qsizetype(17));
    }
}

void TstHttpResponseReader::malformed_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QString>("error");

    QTest::newRow("not HTTP")
        << QByteArray("\x00\x13\x7fSSH-2.0-OpenSSH_9.2\r\n", 24) << u"not an HTTP/1.x status line"_s;
    QTest::newRow("HTTP/2 preface") << QByteArray("HTTP/2 200\r\n\r\n")
                                    << u"not an HTTP/1.x status line"_s;
    QTest::newRow("status not three digits") << QByteArray("HTTP/1.1 20 OK\r\n\r\n")
                                             << u"not an HTTP/1.x status line"_s;
    QTest::newRow("header without colon")
        << QByteArray("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n") << u"malformed header line"_s;
    QTest::newRow("space before the colon")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n") << u"malformed header line"_s;
    QTest::newRow("two different lengths")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx")
        << u"invalid Content-Length"_s;
    QTest::newRow("negative length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
                                     << u"invalid Content-Length"_s;
    QTest::newRow("length beyond 64 bits")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n")
        << u"invalid Content-Length"_s;
    QTest::newRow("chunk size not hex")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        << u"invalid chunk size"_s;
    QTest::newRow("chunk size overflowing")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n")
        << u"invalid chunk size"_s;
    QTest::newRow("chunk without its CRLF")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n")
        << u"chunk not followed by CRLF"_s;
    QTest::newRow("endless chunk size line")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + QByteArray(5000, '0')
        << u"chunk size line longer than 4096 bytes"_s;
    QTest::newRow("101 to a plain request")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n")
        << u"unexpected 101 Switching Protocols"_s;
}

void TstHttpResponseReader::malformed()
{
    QFETCH(QByteArray, wire);
    QFETCH(QString, error);
    for (const qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(3)}) {
        const Outcome out = read(wire, piece);
        QCOMPARE(out.end, Step::Failed);
        QCOMPARE(out.error, error);
        QVERIFY(!out.reusable);
    }
}

void TstHttpResponseReader::eof_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<int>("end");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");

    QTest::newRow("body delimited by the close")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\nall of it") << int(Step::Done)
        << QByteArray("all of it") << QString();
    QTest::newRow("unknown coding: read to the close")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz") << int(Step::Done)
        << QByteArray("zzz") << QString();
    QTest::newRow("nothing at all") << QByteArray() << int(Step::Failed) << QByteArray()
                                    << u"connection closed before a complete response"_s;
    QTest::newRow("in the headers") << QByteArray("HTTP/1.1 200 OK\r\nContent-") << int(Step::Failed)
                                    << QByteArray()
                                    << u"connection closed before a complete response"_s;
    QTest::newRow("body cut short")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") << int(Step::Failed)
        << QByteArray("short") << u"connection closed mid-transfer"_s;
    QTest::newRow("last chunk missing")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n")
        << int(Step::Failed) << QByteArray("ok") << u"connection closed mid-transfer"_s;
}

void TstHttpResponseReader::eof()
{
    QFETCH(QByteArray, wire);
    QFETCH(int, end);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    const Outcome out = read(wire, 0, false, true);
    QCOMPARE(int(out.end), end);
    QCOMPARE(out.body, body);
    QCOMPARE(out.error, error);
    QVERIFY(!out.reusable);
}

void TstHttpResponseReader::endlessHeadersFailAtTheLimit()
{
    HttpResponseReader reader;
    reader.start(false);
    QByteArray first("HTTP/1.1 200 OK\r\n");
    QByteArrayView data(first);
    QCOMPARE(reader.next(data), Step::NeedMore);
    const QByteArray line = "X-Filler: " + QByteArray(200, 'f') + "\r\n";
    qsizetype fed = first.size();
    Step step = Step::NeedMore;
    while (step == Step::NeedMore && fed < 10 * HttpResponseReader::MaxHeaderBytes) {
        QByteArrayView more(line);
        step = reader.next(more);
        fed += line.size();
    }
    QCOMPARE(step, Step::Failed);
    QCOMPARE(reader.error(), u"response headers longer than 256 KiB"_s);
    QVERIFY2(fed <= HttpResponseReader::MaxHeaderBytes + line.size(),
             qPrintable(u"failed after %1 bytes"_s.arg(fed)));
}

void TstHttpResponseReader::interimResponsesAreSkipped()
{
    const Outcome out = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                             "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                             5);
    QCOMPARE(out.end, Step::Done);
    QCOMPARE(out.status, 201);
    QCOMPARE(out.reason, QByteArray("Created"));
}

void TstHttpResponseReader::obsFoldJoinsTheValue()
{
    HttpResponseReader reader;
    reader.start(false);
    QByteArray wire("HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"r\",\r\n"
                    "\tservice=\"s\"\r\nContent-Length: 0\r\n\r\n");
    QByteArrayView data(wire);
    QCOMPARE(reader.next(data), Step::Head);
    QCOMPARE(reader.head().headers.size(), 2);
    QCOMPARE(reader.head().headers.first().second, QByteArray("Bearer realm=\"r\", service=\"s\""));
    QCOMPARE(reader.next(data), Step::Done);
}

QTEST_GUILESS_MAIN(TstHttpResponseReader)
#include "tst_httpresponsereader.moc"
