#include "net/HttpFailure.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace pw::http {

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

} // namespace pw::http
