#pragma once

#include <QAbstractSocket>
#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QSslError>
#include <QString>
#include <QUrl>

// HTTP/1.1 details HttpClient needs on the wire: the request line's target and Host, and how
// socket and certificate errors read.
namespace pw::httpwire {

QByteArray requestTarget(const QUrl &url); // path and query, encoded; "/" when empty
QByteArray hostHeader(const QUrl &url);    // host[:port], IPv6 in brackets, default port left out
QNetworkReply::NetworkError networkError(QAbstractSocket::SocketError error);
// "tls: x509: certificate signed by unknown authority (Qt's words)": as Go's crypto/x509
// says it, which docker, containerd and kubelet print, so a probe's message reads like the CI
// log line of the same failure.
QString describeCertificate(const QList<QSslError> &errors, const QString &host);

} // namespace pw::httpwire
