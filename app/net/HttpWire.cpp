#include "net/HttpWire.h"

#include <QCryptographicHash>

using namespace Qt::StringLiterals;

namespace pw::httpwire {

QByteArray requestTarget(const QUrl &url)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return target;
}

QByteArray hostHeader(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':')) // an IPv6 literal
        host = '[' + host + ']';
    const int defaultPort = url.scheme() == u"https" ? 443 : 80;
    if (url.port(defaultPort) != defaultPort)
        host += ':' + QByteArray::number(url.port());
    return host;
}

bool headersAreSafe(const HttpRequest &request)
{
    const auto unsafe = [](QByteArrayView value) {
        return value.contains('\r') || value.contains('\n') || value.contains('\0');
    };
    bool safe = !unsafe(request.authorization);
    for (const auto &[name, value] : request.headers)
        safe = safe && !unsafe(name) && !unsafe(value) && !name.contains(':');
    return safe;
}

QByteArray requestBytes(const QByteArray &method, const QUrl &url, const HttpRequest &request,
                        bool authorize)
{
    QByteArray wire = method + ' ' + requestTarget(url) + " HTTP/1.1\r\nHost: " + hostHeader(url) +
                      "\r\nUser-Agent: pullwatch\r\n";
    for (const auto &[name, value] : request.headers)
        wire += name + ": " + value + "\r\n";
    if (authorize)
        wire += "Authorization: " + request.authorization + "\r\n";
    const bool post = method == "POST";
    if (post)
        wire += "Content-Type: " + request.contentType + "\r\nContent-Length: " +
                QByteArray::number(request.body.size()) + "\r\n";
    wire += "\r\n";
    if (post)
        wire += request.body;
    return wire;
}

QString originKey(const QUrl &url, const TlsSettings &tls)
{
    const bool https = url.scheme() == u"https";
    QString origin = url.scheme() + u"://"_s + url.host().toLower() + u':' +
                     QString::number(url.port(https ? 443 : 80));
    if (https) {
        QCryptographicHash trust(QCryptographicHash::Sha1);
        for (const QSslCertificate &certificate : tls.caCertificates)
            trust.addData(certificate.digest(QCryptographicHash::Sha256));
        origin += (tls.verifyPeer ? u" verify "_s : u" unverified "_s) +
                  QString::fromLatin1(trust.result().toHex());
    }
    return origin;
}

QNetworkReply::NetworkError networkError(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QNetworkReply::ConnectionRefusedError;
    case QAbstractSocket::RemoteHostClosedError:
        return QNetworkReply::RemoteHostClosedError;
    case QAbstractSocket::HostNotFoundError:
        return QNetworkReply::HostNotFoundError;
    case QAbstractSocket::SocketTimeoutError:
        return QNetworkReply::TimeoutError;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        return QNetworkReply::SslHandshakeFailedError;
    default: // unreachable network or host, and the like
        return QNetworkReply::UnknownNetworkError;
    }
}

QString describeCertificate(const QList<QSslError> &errors, const QString &host)
{
    const QSslError &first = errors.first();
    QString what;
    switch (first.error()) {
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::CertificateUntrusted:
        what = QStringLiteral("x509: certificate signed by unknown authority");
        break;
    case QSslError::CertificateExpired:
    case QSslError::CertificateNotYetValid:
        what = QStringLiteral("x509: certificate has expired or is not yet valid");
        break;
    case QSslError::HostNameMismatch:
        what = QStringLiteral("x509: certificate is not valid for ") + host;
        break;
    case QSslError::CertificateRevoked:
        what = QStringLiteral("x509: certificate revoked");
        break;
    default:
        what = QStringLiteral("x509: certificate rejected");
        break;
    }
    return u"tls: %1 (%2)"_s.arg(what, first.errorString());
}

} // namespace pw::httpwire
