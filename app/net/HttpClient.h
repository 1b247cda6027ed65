#pragma once

#include "net/SecretMask.h"

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QHash>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>

#include <functional>
#include <utility>

namespace pw {

// Whom an https connection trusts.
struct TlsSettings
{
    QList<QSslCertificate> caCertificates; // trusted besides the system store (a ca_file)
    bool verifyPeer = true; // false only where docker skips the check too (its insecure range)
    // > 0: a handshake not done by then fails as tlsNotSpoken. Many plain HTTP servers wait
    // for a line end that a ClientHello may never contain.
    qint64 handshakeTimeoutMs = 0;
};

// One HTTP exchange as a value: what to send and how far to go.
struct HttpRequest
{
    QByteArray method = "GET"; // GET, HEAD or POST
    QUrl url;
    QList<std::pair<QByteArray, QByteArray>> headers;
    // Sent only to the scheme, host and port of `url`: a redirect elsewhere (object storage)
    // never sees it (OCI distribution spec, "MUST NOT forward Authorization across hosts").
    QByteArray authorization;
    // Credentials the request carries elsewhere (a PRIVATE-TOKEN header, a form body). They and
    // `authorization` join the client's SecretMask before the request leaves.
    QList<QByteArray> secrets;
    QByteArray body;               // POST only
    QByteArray contentType;        // POST only
    qint64 timeoutMs = 30'000;     // the whole exchange, redirects included
    int maxRedirects = 5;          // 301/302/303/307/308; https → http is never followed
    bool keepBody = true;          // false: count and hash the body, keep nothing (blobs)
    qint64 maxKeptBytes = 4 << 20; // a longer kept body fails (manifests are at most 4 MiB)
    qint64 byteLimit = -1;         // stop reading after this many body bytes (a byte budget)
    TlsSettings tls; // for every https hop
};

struct HttpResponse
{
    int status = 0; // 0 when no HTTP response arrived
    QString reason; // the status line's reason phrase ("Service Unavailable")
    QNetworkReply::NetworkError error = QNetworkReply::NoError; // transport errors only
    bool timedOut = false;
    bool truncated = false; // byteLimit reached; the body is incomplete
    bool certificateRejected = false; // TLS failed on the peer's certificate
    // https: the peer broke the handshake off without a certificate to complain about; it may
    // speak plain HTTP on that port.
    bool tlsNotSpoken = false;
    QString errorString;    // for error/timedOut: what went wrong, without URLs' queries
    // reason, errorString and an error status's body (not 2xx) come with the client's secrets
    // masked: a server that echoes credentials back cannot put them in a message.
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray body;         // when keepBody
    QByteArray bodySha256;   // hex digest of every body byte received
    qint64 bodyBytes = 0;    // body bytes received
    qint64 elapsedMs = 0;    // request start to end, redirects included
    qint64 firstByteMs = -1; // request start to the first response of the last hop
    QUrl finalUrl;           // after redirects
    int redirects = 0;

    // Case-insensitive (HTTP header names are); the first value, or empty.
    QByteArray header(QByteArrayView name) const;
    QList<QByteArray> headerValues(QByteArrayView name) const;
    // A transport failure: no response, or one cut short (status may then be set).
    bool failed() const { return timedOut || error != QNetworkReply::NoError; }
};

// The registry and CI clients' only door to the network: value-type requests and responses,
// a deadline per request that always holds, redirects followed by hand so that credentials stay
// with the host they were meant for, and kept-alive HTTP/1.1 connections (at most
// MaxConnectionsPerOrigin per scheme, host and port). Runs on the thread's event loop. It
// speaks HTTP/1.1 itself over QTcpSocket/QSslSocket (HttpResponseReader) rather than through
// QNetworkAccessManager, whose reader in Qt 6.4 buffers response headers without a limit on a
// thread of its own: a server sending headers forever kept a core busy past every deadline.
class HttpClient : public QObject
{
    Q_OBJECT
public:
    explicit HttpClient(QObject *parent = nullptr);
    ~HttpClient() override;

    // done runs later on this object's thread, exactly once, unless the client is destroyed.
    void send(HttpRequest request, std::function<void(HttpResponse)> done);

    // Requests that have not finished yet.
    int pending() const { return m_pending; }
    // Connections open now, busy or idle (kept MaxIdleMs after their last response).
    int connections() const;

    static constexpr int MaxConnectionsPerOrigin = 6;
    static constexpr int MaxIdleMs = 30'000;

    // Every credential this client has sent (and those declared with addSecret()): apply it to
    // any text made from what a server sent before it is stored, printed or logged.
    const SecretMask &secrets() const { return m_secrets; }
    void addSecret(QByteArrayView secret) { m_secrets.addSecret(secret); }

    // Same scheme, host and port.
    static bool sameOrigin(const QUrl &a, const QUrl &b);
    // The URL without its query and fragment, for messages (pre-signed URLs carry secrets).
    static QString displayUrl(const QUrl &url);

private:
    struct Exchange;
    class Connection;
    struct Origin
    {
        QList<Connection *> idle;
        int open = 0;
        QList<std::shared_ptr<Exchange>> waiting;
    };

    void start(std::shared_ptr<Exchange> exchange); // the current hop of an exchange
    void assign(const QString &key);                // waiting exchanges onto connections
    Connection *open(const QString &key, const Exchange &exchange);
    void transmit(Connection *connection);
    void readFrom(Connection *connection);
    void failed(Connection *connection, int socketError);
    bool take(const std::shared_ptr<Exchange> &exchange, QByteArrayView body);
    void hopDone(Connection *connection, bool reusable);
    void drop(Connection *connection);
    void timeout(const std::shared_ptr<Exchange> &exchange);
    void finish(const std::shared_ptr<Exchange> &exchange);
    void complete(const std::shared_ptr<Exchange> &exchange);

    QHash<QString, Origin> m_origins;
    SecretMask m_secrets;
    int m_pending = 0;
};

} // namespace pw
