#pragma once

#include "SecretMask.h"

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QUrl>

#include <functional>
#include <utility>

class QNetworkAccessManager;

namespace pw {

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
};

struct HttpResponse
{
    int status = 0; // 0 when no HTTP response arrived
    QString reason; // the status line's reason phrase ("Service Unavailable")
    QNetworkReply::NetworkError error = QNetworkReply::NoError; // transport errors only
    bool timedOut = false;
    bool truncated = false; // byteLimit reached; the body is incomplete
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

// The registry client's only door to the network: one QNetworkAccessManager, value-type
// requests and responses, a deadline per request and redirects followed by hand, so that
// credentials stay with the host they were meant for. Runs on the thread's event loop.
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
    void start(std::shared_ptr<Exchange> exchange);
    void finish(const std::shared_ptr<Exchange> &exchange, QNetworkReply *reply);
    void complete(const std::shared_ptr<Exchange> &exchange);

    QNetworkAccessManager *m_network;
    SecretMask m_secrets;
    int m_pending = 0;
};

} // namespace pw
