#include "registry/ProbeResult.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pw {

PullEvent ProbeResult::toEvent() const
{
    PullEvent event;
    event.ts = startedAtMs;
    event.source = Source::Probe;
    event.image = reference.canonical();
    event.registry = reference.registry;
    event.ok = ok;
    event.category = ok ? Category::None : category;
    event.httpStatus = httpStatus;
    event.latencyMs = latencyMs;
    event.bytes = bytes;
    event.digest = digest;
    event.message = truncateMessage(message);
    event.rule = step;
    event.cold = cold;
    return event;
}

namespace probe {

namespace {
QJsonArray errorArray(const QByteArray &body)
{
    // Nixery sends its JSON errors as text/plain: look at the body, not the Content-Type.
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return {};
    return document.object().value(u"errors"_s).toArray();
}

bool looksLikeText(const QByteArray &body)
{
    const QByteArray trimmed = body.trimmed();
    if (trimmed.startsWith('<'))
        return false; // an HTML error page says nothing a status line does not
    for (const char c : trimmed) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return QString::fromUtf8(trimmed).toUtf8() == trimmed; // valid UTF-8
}
} // namespace

QStringList registryErrorCodes(const QByteArray &body)
{
    QStringList codes;
    for (const QJsonValue &value : errorArray(body)) {
        const QString code = value.toObject().value(u"code"_s).toString();
        if (!code.isEmpty())
            codes.append(code.toUpper());
    }
    return codes;
}

QString registryErrors(const QByteArray &body)
{
    QStringList parts;
    for (const QJsonValue &value : errorArray(body)) {
        const QJsonObject object = value.toObject();
        const QString code = object.value(u"code"_s).toString();
        const QString message = object.value(u"message"_s).toString();
        if (code.isEmpty() && message.isEmpty())
            continue;
        parts.append(code.isEmpty()      ? message
                     : message.isEmpty() ? code
                                         : code + u": "_s + message);
    }
    if (!parts.isEmpty())
        return parts.join(u"; "_s);
    if (!looksLikeText(body))
        return {};
    QString text = QString::fromUtf8(body.trimmed()).section(u'\n', 0, 0).trimmed();
    if (text.size() > 200)
        text = text.left(200) + u"…"_s;
    return text;
}

Category categoryForStatus(int status, const QStringList &codes)
{
    if (status == 429 || codes.contains(u"TOOMANYREQUESTS"_s))
        return Category::RateLimit;
    if (status == 401 || status == 403 || codes.contains(u"UNAUTHORIZED"_s) ||
        codes.contains(u"DENIED"_s))
        return Category::Auth;
    if (status == 404 || status == 410 || codes.contains(u"MANIFEST_UNKNOWN"_s) ||
        codes.contains(u"NAME_UNKNOWN"_s) || codes.contains(u"BLOB_UNKNOWN"_s) ||
        codes.contains(u"NAME_INVALID"_s))
        return Category::NotFound;
    if (status >= 500)
        return Category::ServerError;
    return Category::Unknown;
}

Category categoryForTransport(const HttpResponse &response)
{
    if (response.timedOut)
        return Category::Timeout;
    switch (response.error) {
    case QNetworkReply::HostNotFoundError:
        return Category::Dns;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::ProxyTimeoutError:
        return Category::Timeout;
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::BackgroundRequestNotAllowedError:
    case QNetworkReply::UnknownNetworkError: // "Network unreachable" and the like
    case QNetworkReply::UnknownProxyError:
        return Category::Connection;
    case QNetworkReply::SslHandshakeFailedError:
        return Category::Tls;
    case QNetworkReply::OperationCanceledError:
        return Category::Canceled;
    default:
        // Closed, reset, cut short, not HTTP at all, or a redirect we refused.
        return Category::Transport;
    }
}

QString describeTransport(const HttpResponse &response)
{
    if (response.timedOut)
        return response.errorString;
    switch (response.error) {
    case QNetworkReply::HostNotFoundError:
        return u"lookup %1: no such host"_s.arg(response.finalUrl.host());
    case QNetworkReply::ConnectionRefusedError:
        return u"connect: connection refused"_s;
    case QNetworkReply::RemoteHostClosedError:
        return response.status > 0 ? u"connection closed mid-transfer (unexpected EOF)"_s
                                   : u"connection closed before a response (EOF)"_s;
    case QNetworkReply::ProtocolFailure:
        return response.errorString.isEmpty()
                   ? u"malformed HTTP response"_s
                   : u"malformed HTTP response: "_s + response.errorString;
    default:
        return response.errorString;
    }
}

std::optional<int> parseRateLimitCount(const QByteArray &value)
{
    bool ok = false;
    const int count = value.split(';').first().trimmed().toInt(&ok);
    if (!ok || count < 0)
        return std::nullopt;
    return count;
}

qint64 parseRetryAfter(const QByteArray &value, qint64 nowMs)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = trimmed.toLongLong(&ok);
    if (ok)
        return seconds >= 0 ? std::min<qint64>(seconds, 24 * 3600) * 1000 : -1;
    // An HTTP date (RFC 9110 IMF-fixdate) always says "GMT", which Qt's RFC 2822 parser rejects.
    QString text = QString::fromLatin1(trimmed);
    if (text.endsWith(u" GMT"_s))
        text = text.chopped(4) + u" +0000"_s;
    const QDateTime when = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!when.isValid())
        return -1;
    return std::max<qint64>(0, when.toMSecsSinceEpoch() - nowMs);
}

} // namespace probe

} // namespace pw
