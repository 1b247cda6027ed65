#pragma once

#include "net/HttpClient.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QSslError>
#include <QString>
#include <QUrl>

// HTTP/1.1 details HttpClient needs on the wire: the request's bytes, which connections may
// carry it, and how socket and certificate errors read.
namespace pw::httpwire {

QByteArray requestTarget(const QUrl &url); // path and query, encoded; "/" when empty
QByteArray hostHeader(const QUrl &url);    // host[:port], IPv6 in brackets, default port left out
// No CR, LF or NUL in a header name or value (one would end the header and start one of the
// caller's choosing), no ':' in a name.
bool headersAreSafe(const HttpRequest &request);
// The request as it goes out: request line, Host, User-Agent, the caller's headers, the
// Authorization when authorize, and a POST's Content-Type, Content-Length and body.
QByteArray requestBytes(const QByteArray &method, const QUrl &url, const HttpRequest &request,
                        bool authorize);
// The pool a request's connection comes from: scheme, host and port, and for https how the peer
// is checked and against which extra CAs (a connection is never reused under another trust).
QString originKey(const QUrl &url, const TlsSettings &tls);
QNetworkReply::NetworkError networkError(QAbstractSocket::SocketError error);
// "tls: x509: certificate signed by unknown authority (Qt's words)": as Go's crypto/x509
// says it, which docker, containerd and kubelet print, so a probe's message reads like the CI
// log line of the same failure.
QString describeCertificate(const QList<QSslError> &errors, const QString &host);

} // namespace pw::httpwire
