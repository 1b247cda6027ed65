#include "net/HttpResponseReader.h"

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
constexpr qsizetype MaxChunkLineBytes = 4096;

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// The comma-separated tokens of every value of a header, lowercased (Connection,
// Transfer-Encoding).
QList<QByteArray> tokens(const QList<std::pair<QByteArray, QByteArray>> &headers,
                         QByteArrayView name)
{
    QList<QByteArray> out;
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &token : value.split(','))
            if (const QByteArray t = token.trimmed().toLower(); !t.isEmpty())
                out.append(t);
    }
    return out;
}
} // namespace

void HttpResponseReader::start(bool headRequest)
{
    *this = HttpResponseReader();
    m_headRequest = headRequest;
}

HttpResponseReader::Step HttpResponseReader::fail(const QString &error)
{
    m_state = State::Failed;
    m_error = error;
    m_reusable = false;
    return Step::Failed;
}

bool HttpResponseReader::takeLine(QByteArrayView &data, QByteArray &line)
{
    const qsizetype end = data.indexOf('\n');
    const qsizetype take = end < 0 ? data.size() : end + 1;
    line.append(data.first(take));
    data = data.sliced(take);
    if (m_state != State::ChunkSize && m_state != State::ChunkEnd)
        m_headerBytes += take;
    if (end < 0)
        return false;
    line.chop(line.endsWith("\r\n") ? 2 : 1);
    return true;
}

bool HttpResponseReader::parseStatusLine(const QByteArray &line)
{
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || !isDigit(line[7]) || line[8] != ' ' ||
        !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) ||
        (line.size() > 12 && line[12] != ' '))
        return false;
    m_head.minorVersion = line[7] - '0';
    m_head.status = line.mid(9, 3).toInt();
    m_head.reason = line.mid(13).trimmed();
    return m_head.status >= 100;
}

bool HttpResponseReader::parseHeaderLine(const QByteArray &line)
{
    if (line.startsWith(' ') || line.startsWith('\t')) { // obs-fold: continues the last value
        if (m_head.headers.isEmpty())
            return false;
        QByteArray &value = m_head.headers.last().second;
        value = QByteArray(value + ' ' + line.trimmed()).trimmed();
        return true;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return false;
    const QByteArray name = line.left(colon);
    if (name.contains(' ') || name.contains('\t'))
        return false;
    m_head.headers.append({name, line.mid(colon + 1).trimmed()});
    return true;
}

HttpResponseReader::Step HttpResponseReader::headDone()
{
    const int status = m_head.status;
    if (status == 101)
        return fail(u"unexpected 101 Switching Protocols"_s);
    if (status < 200) { // 100 Continue, 103 Early Hints: the real head follows
        m_head = Head();
        m_state = State::StatusLine;
        return Step::NeedMore;
    }
    const QList<QByteArray> connection = tokens(m_head.headers, "Connection");
    const bool keepAlive = m_head.minorVersion >= 1 ? !connection.contains("close")
                                                    : connection.contains("keep-alive");
    const QList<QByteArray> coding = tokens(m_head.headers, "Transfer-Encoding");
    QList<QByteArray> lengths;
    for (const auto &[key, value] : m_head.headers)
        if (QByteArrayView(key).compare("Content-Length", Qt::CaseInsensitive) == 0)
            lengths.append(value);

    m_state = State::Body;
    m_remaining = 0;
    if (m_headRequest || status == 204 || status == 304) {
        // no body, whatever the headers announce
    } else if (!coding.isEmpty()) {
        // RFC 9112 §6.3: chunked last frames the body; any other coding runs to the close.
        if (coding.last() == "chunked")
            m_state = State::ChunkSize;
        else
            m_untilClose = true;
    } else if (!lengths.isEmpty()) {
        const QByteArray &length = lengths.first();
        bool ok = !length.isEmpty() && length.size() <= 18 &&
                  std::all_of(length.cbegin(), length.cend(), isDigit);
        for (const QByteArray &other : lengths)
            ok = ok && other == length;
        if (!ok)
            return fail(u"invalid Content-Length"_s);
        m_remaining = length.toLongLong();
    } else {
        m_untilClose = true;
    }
    m_reusable = keepAlive && !m_untilClose && coding.size() <= 1;
    m_headSeen = true;
    return Step::Head;
}

HttpResponseReader::Step HttpResponseReader::next(QByteArrayView &data)
{
    if (!data.isEmpty())
        m_anyByte = true;
    for (;;) {
        switch (m_state) {
        case State::StatusLine:
        case State::Headers:
        case State::Trailers: {
            const bool complete = takeLine(data, m_line);
            if (m_headerBytes > MaxHeaderBytes)
                return fail(u"response headers longer than %1 KiB"_s.arg(MaxHeaderBytes / 1024));
            if (!complete)
                return Step::NeedMore;
            const QByteArray line = std::exchange(m_line, {});
            if (m_state == State::StatusLine) {
                if (!parseStatusLine(line))
                    return fail(u"not an HTTP/1.x status line"_s);
                m_state = State::Headers;
            } else if (m_state == State::Trailers) {
                if (line.isEmpty())
                    m_state = State::Done;
            } else if (line.isEmpty()) {
                if (const Step step = headDone(); step != Step::NeedMore)
                    return step;
            } else if (!parseHeaderLine(line)) {
                return fail(u"malformed header line"_s);
            }
            break;
        }
        case State::Body:
        case State::ChunkData:
            if (!m_untilClose && m_remaining == 0) {
                if (m_state == State::Body) {
                    m_state = State::Done;
                    break;
                }
                m_state = State::ChunkEnd;
                break;
            }
            if (data.isEmpty())
                return Step::NeedMore;
            m_body = m_untilClose ? data : data.first(std::min<qint64>(data.size(), m_remaining));
            data = data.sliced(m_body.size());
            if (!m_untilClose)
                m_remaining -= m_body.size();
            return Step::Body;
        case State::ChunkSize:
        case State::ChunkEnd: {
            const bool complete = takeLine(data, m_line);
            if (m_line.size() > MaxChunkLineBytes)
                return fail(u"chunk size line longer than %1 bytes"_s.arg(MaxChunkLineBytes));
            if (!complete)
                return Step::NeedMore;
            const QByteArray line = std::exchange(m_line, {});
            if (m_state == State::ChunkEnd) {
                if (!line.isEmpty())
                    return fail(u"chunk not followed by CRLF"_s);
                m_state = State::ChunkSize;
                break;
            }
            const qsizetype extension = line.indexOf(';');
            const QByteArray digits = (extension < 0 ? line : line.left(extension)).trimmed();
            bool ok = !digits.isEmpty() && digits.size() <= 15; // below 2^60
            const qint64 size = ok ? digits.toLongLong(&ok, 16) : 0;
            if (!ok || size < 0)
                return fail(u"invalid chunk size"_s);
            m_remaining = size;
            m_state = size == 0 ? State::Trailers : State::ChunkData;
            break;
        }
        case State::Done:
            return Step::Done;
        case State::Failed:
            return Step::Failed;
        }
    }
}

HttpResponseReader::Step HttpResponseReader::atEof()
{
    if (m_state == State::Body && m_untilClose) {
        m_state = State::Done;
        m_reusable = false;
    }
    if (m_state == State::Done)
        return Step::Done;
    if (m_state == State::Failed)
        return Step::Failed;
    return fail(headComplete() ? u"connection closed mid-transfer"_s
                               : u"connection closed before a complete response"_s);
}

} // namespace pw
