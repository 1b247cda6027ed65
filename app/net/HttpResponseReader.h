#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace pw {

// The response half of HTTP/1.1 (RFC 9112) as an incremental reader: bytes in as they arrive,
// the head, body pieces and the end out, with every size bounded. A response whose header
// section outgrows MaxHeaderBytes fails as soon as it does, whatever the server keeps sending
// (Qt 6.4's own HTTP reader buffers headers without a limit on a thread of its own, where
// neither a deadline nor abort() can stop it).
class HttpResponseReader
{
public:
    static constexpr qsizetype MaxHeaderBytes = 256 * 1024; // status line, headers, trailers

    struct Head
    {
        int status = 0;
        QByteArray reason;
        int minorVersion = 1; // HTTP/1.0 or HTTP/1.1
        QList<std::pair<QByteArray, QByteArray>> headers;
    };

    enum class Step {
        NeedMore, // every byte consumed; feed more, or call atEof() when the peer closed
        Head,     // the final (non-1xx) head is complete: head()
        Body,     // a piece of the body: body()
        Done,     // the message is complete; any bytes left in `data` belong to no response
        Failed,   // not HTTP, or over a limit: error()
    };

    // A fresh message; a response to HEAD has no body whatever its headers say.
    void start(bool headRequest);

    // Consumes from the front of `data` and returns what that produced. Call again while it
    // returns Head or Body.
    Step next(QByteArrayView &data);
    // The peer closed the connection: Done for a body delimited by the close, else Failed.
    Step atEof();

    const Head &head() const { return m_head; }
    QByteArrayView body() const { return m_body; }
    const QString &error() const { return m_error; }
    bool anyByte() const { return m_anyByte; }
    bool headComplete() const { return m_headSeen; }
    // After Done: the connection may carry another request (keep-alive, framed body).
    bool reusable() const { return m_reusable; }

private:
    enum class State { StatusLine, Headers, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, Done, Failed };

    bool takeLine(QByteArrayView &data, QByteArray &line);
    Step fail(const QString &error);
    Step headDone();
    bool parseStatusLine(const QByteArray &line);
    bool parseHeaderLine(const QByteArray &line);

    State m_state = State::StatusLine;
    bool m_headRequest = false;
    bool m_anyByte = false;
    bool m_headSeen = false;
    bool m_reusable = false;
    bool m_untilClose = false;
    qint64 m_remaining = 0; // body or chunk bytes still to come
    qsizetype m_headerBytes = 0;
    QByteArray m_line; // the line read so far
    Head m_head;
    QByteArrayView m_body;
    QString m_error;
};

} // namespace pw
