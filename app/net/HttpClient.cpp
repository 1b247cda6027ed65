#include "net/HttpClient.h"

#include "net/HttpResponseReader.h"
#include "net/HttpWire.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <climits>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
// Error bodies are kept even when the caller discards the body, for the error message.
constexpr qint64 MaxErrorBodyBytes = 64 * 1024;
constexpr qint64 ReadBufferBytes = 1 << 20;

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}
} // namespace

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QList<QByteArray> HttpResponse::headerValues(QByteArrayView name) const
{
    QList<QByteArray> values;
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return values;
}

struct HttpClient::Exchange
{
    HttpRequest request;
    std::function<void(HttpResponse)> done;
    QUrl url; // of the current hop
    QByteArray method;
    bool sendAuthorization = true;
    QElapsedTimer clock;
    QTimer *deadline = nullptr;
    QCryptographicHash hash{QCryptographicHash::Sha256};
    HttpResponse response;
    // The current hop.
    QString origin;     // the pool it is served from (scheme, host, port and TLS settings)
    QByteArray wire;    // the request as sent
    HttpResponseReader reader;
    Connection *connection = nullptr;
    bool reused = false;  // on a connection that served a response before
    bool retried = false; // already sent again after a kept-alive connection went stale
    bool ignoringBody = false; // a redirect's body
    qint64 ignoredBytes = 0;
    bool stopped = false; // aborted on purpose: timeout, budget or kept-size limit
    bool finished = false;
    QString stopReason;
};

class HttpClient::Connection : public QObject
{
public:
    Connection(QString key, QTcpSocket *socket, QObject *parent)
        : QObject(parent), key(std::move(key)), socket(socket)
    {
        socket->setParent(this);
        idle.setSingleShot(true);
        idle.setInterval(MaxIdleMs);
    }

    const QString key;
    QTcpSocket *const socket;
    std::shared_ptr<Exchange> exchange; // the one it carries now; none when idle
    bool ready = false;                 // connected (and, for https, encrypted)
    int served = 0;                     // responses read to their end
    QList<QSslError> certificateErrors;
    bool handshakeTimedOut = false;
    QTimer idle;
};


HttpClient::HttpClient(QObject *parent) : QObject(parent) {}

HttpClient::~HttpClient() = default;

int HttpClient::connections() const
{
    int open = 0;
    for (const Origin &origin : m_origins)
        open += origin.open;
    return open;
}

bool HttpClient::sameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0 &&
           a.host().compare(b.host(), Qt::CaseInsensitive) == 0 &&
           a.port(a.scheme() == u"https" ? 443 : 80) == b.port(b.scheme() == u"https" ? 443 : 80);
}

QString HttpClient::displayUrl(const QUrl &url)
{
    return url.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo).toString();
}

void HttpClient::send(HttpRequest request, std::function<void(HttpResponse)> done)
{
    auto exchange = std::make_shared<Exchange>();
    exchange->url = request.url;
    exchange->method = request.method;
    exchange->request = std::move(request);
    exchange->done = std::move(done);
    exchange->clock.start();
    exchange->deadline = new QTimer(this);
    exchange->deadline->setSingleShot(true);
    exchange->deadline->setTimerType(Qt::PreciseTimer); // a coarse timer fires up to 5 % early
    connect(exchange->deadline, &QTimer::timeout, this, [this, exchange] { timeout(exchange); });
    exchange->deadline->start(
        static_cast<int>(std::clamp<qint64>(exchange->request.timeoutMs, 0, INT_MAX)));
    ++m_pending;
    start(exchange);
}

void HttpClient::start(std::shared_ptr<Exchange> exchange)
{
    const HttpRequest &request = exchange->request;
    const QUrl &url = exchange->url;
    const bool refused = !httpwire::headersAreSafe(request);
    if (refused || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty()) {
        HttpResponse &response = exchange->response;
        response.error = refused ? QNetworkReply::ProtocolInvalidOperationError
                                 : QNetworkReply::ProtocolUnknownError;
        response.errorString = refused
                                   ? QStringLiteral("refused to send a header with a line break or NUL")
                                   : QStringLiteral("not an http or https URL: ") + displayUrl(url);
        response.finalUrl = url;
        finish(exchange);
        return;
    }

    const bool authorize = exchange->sendAuthorization && !request.authorization.isEmpty();
    if (authorize)
        m_secrets.addAuthorization(request.authorization);
    for (const QByteArray &secret : request.secrets)
        m_secrets.addSecret(secret);
    exchange->wire = httpwire::requestBytes(exchange->method, url, request, authorize);
    const QString origin = httpwire::originKey(url, request.tls);
    exchange->origin = origin;
    exchange->hash.reset();
    exchange->response.body.clear();
    exchange->response.bodyBytes = 0;
    exchange->response.firstByteMs = -1;
    exchange->response.status = 0;
    exchange->response.headers.clear();
    exchange->response.reason.clear();
    exchange->reader.start(exchange->method == "HEAD");
    exchange->reused = false;
    exchange->ignoringBody = false;
    exchange->ignoredBytes = 0;
    m_origins[origin].waiting.append(std::move(exchange));
    assign(origin);
}

void HttpClient::assign(const QString &key)
{
    const auto found = m_origins.find(key);
    if (found == m_origins.end())
        return;
    Origin &origin = *found;
    while (!origin.waiting.isEmpty()) {
        Connection *connection = nullptr;
        if (!origin.idle.isEmpty())
            connection = origin.idle.takeLast();
        else if (origin.open < MaxConnectionsPerOrigin)
            connection = open(key, *origin.waiting.first());
        else
            return;
        std::shared_ptr<Exchange> exchange = origin.waiting.takeFirst();
        connection->idle.stop();
        exchange->connection = connection;
        exchange->reused = connection->served > 0;
        connection->exchange = std::move(exchange);
        if (connection->ready)
            transmit(connection);
    }
    if (origin.open == 0)
        m_origins.erase(found);
}

HttpClient::Connection *HttpClient::open(const QString &key, const Exchange &exchange)
{
    const QUrl &url = exchange.url;
    const bool tls = url.scheme() == u"https";
    QSslSocket *secure = tls ? new QSslSocket : nullptr;
    auto *connection = new Connection(key, secure ? secure : new QTcpSocket, this);
    QTcpSocket *socket = connection->socket;
    ++m_origins[key].open;
    // What arrives faster than it is read waits in the kernel, not in memory here.
    socket->setReadBufferSize(ReadBufferBytes);
    connect(socket, &QAbstractSocket::readyRead, connection, [this, connection] { readFrom(connection); });
    connect(socket, &QAbstractSocket::errorOccurred, connection,
            [this, connection](QAbstractSocket::SocketError error) { failed(connection, error); });
    connect(&connection->idle, &QTimer::timeout, connection, [this, connection] { drop(connection); });
    const auto ready = [this, connection] {
        connection->ready = true;
        if (connection->exchange)
            transmit(connection);
    };
    const quint16 port = static_cast<quint16>(url.port(tls ? 443 : 80));
    if (!secure) {
        connect(socket, &QAbstractSocket::connected, connection, ready);
        socket->connectToHost(url.host(), port);
        return connection;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    if (!exchange.request.tls.caCertificates.isEmpty())
        configuration.addCaCertificates(exchange.request.tls.caCertificates);
    configuration.setPeerVerifyMode(exchange.request.tls.verifyPeer ? QSslSocket::VerifyPeer
                                                                : QSslSocket::VerifyNone);
    configuration.setAllowedNextProtocols({QSslConfiguration::NextProtocolHttp1_1});
    secure->setSslConfiguration(configuration);
    connect(secure, &QSslSocket::encrypted, connection, ready);
    // Never ignored: the handshake fails and the request, credentials and all, is never sent.
    connect(secure, &QSslSocket::sslErrors, connection,
            [connection](const QList<QSslError> &errors) { connection->certificateErrors = errors; });
    if (const qint64 limit = exchange.request.tls.handshakeTimeoutMs; limit > 0)
        QTimer::singleShot(std::min<qint64>(limit, INT_MAX), connection, [this, connection] {
            if (connection->ready || !connection->exchange)
                return;
            connection->handshakeTimedOut = true;
            failed(connection, QAbstractSocket::SslHandshakeFailedError);
        });
    secure->connectToHostEncrypted(url.host(), port);
    return connection;
}

void HttpClient::transmit(Connection *connection)
{
    connection->socket->write(connection->exchange->wire);
}

void HttpClient::readFrom(Connection *connection)
{
    const std::shared_ptr<Exchange> exchange = connection->exchange;
    if (!exchange) { // an idle connection has nothing to say
        drop(connection);
        return;
    }
    const QByteArray bytes = connection->socket->read(ReadBufferBytes);
    QByteArrayView data(bytes);
    HttpResponseReader &reader = exchange->reader;
    for (;;) {
        switch (reader.next(data)) {
        case HttpResponseReader::Step::NeedMore:
            if (connection->socket->bytesAvailable() > 0) // more than one read's worth
                QTimer::singleShot(0, connection, [this, connection] { readFrom(connection); });
            return;
        case HttpResponseReader::Step::Head: {
            const HttpResponseReader::Head &head = reader.head();
            HttpResponse &response = exchange->response;
            response.firstByteMs = exchange->clock.elapsed();
            response.status = head.status;
            response.reason = QString::fromUtf8(head.reason);
            response.headers = head.headers;
            exchange->ignoringBody = isRedirect(head.status);
            break;
        }
        case HttpResponseReader::Step::Body:
            if (exchange->ignoringBody) {
                exchange->ignoredBytes += reader.body().size();
                if (exchange->ignoredBytes > MaxErrorBodyBytes) { // a redirect says no more
                    hopDone(connection, false);
                    return;
                }
            } else if (!take(exchange, reader.body())) {
                hopDone(connection, false);
                return;
            }
            break;
        case HttpResponseReader::Step::Done:
            // Bytes after the response answer nothing we asked: the connection is not reused.
            hopDone(connection, reader.reusable() && data.isEmpty() &&
                                    connection->socket->bytesAvailable() == 0);
            return;
        case HttpResponseReader::Step::Failed:
            exchange->response.error = QNetworkReply::ProtocolFailure;
            exchange->response.errorString = reader.error();
            hopDone(connection, false);
            return;
        }
    }
}

// The body bytes of the final response: hashed, kept within limits. False when the exchange
// stops reading here (byte budget or kept-size limit reached).
bool HttpClient::take(const std::shared_ptr<Exchange> &exchange, QByteArrayView chunk)
{
    HttpResponse &response = exchange->response;
    const HttpRequest &request = exchange->request;
    qsizetype take = chunk.size();
    if (request.byteLimit >= 0 && response.bodyBytes + take > request.byteLimit)
        take = request.byteLimit - response.bodyBytes;
    exchange->hash.addData(chunk.first(take));
    response.bodyBytes += take;
    const bool keep = request.keepBody || response.status >= 400;
    const qint64 keepLimit = request.keepBody ? request.maxKeptBytes : MaxErrorBodyBytes;
    if (keep && response.body.size() < keepLimit)
        response.body.append(chunk.first(std::min<qsizetype>(take, keepLimit - response.body.size())));
    if (take < chunk.size()) {
        exchange->stopped = true;
        response.truncated = true;
        return false;
    }
    if (request.keepBody && response.bodyBytes > request.maxKeptBytes) {
        exchange->stopped = true;
        exchange->stopReason = QStringLiteral("response larger than %1 bytes").arg(request.maxKeptBytes);
        return false;
    }
    return true;
}

void HttpClient::failed(Connection *connection, int socketError)
{
    const auto error = static_cast<QAbstractSocket::SocketError>(socketError);
    const std::shared_ptr<Exchange> exchange = connection->exchange;
    if (!exchange) { // an idle connection closed by the server, or its error
        drop(connection);
        return;
    }
    if (connection->socket->bytesAvailable() > 0) { // what came before the close
        readFrom(connection);
        if (connection->exchange != exchange)
            return;
    }
    HttpResponseReader &reader = exchange->reader;
    // A kept-alive connection the server closed while idle: the request never reached it.
    if (exchange->reused && !exchange->retried && !reader.anyByte() &&
        (error == QAbstractSocket::RemoteHostClosedError || error == QAbstractSocket::NetworkError)) {
        exchange->retried = true;
        exchange->connection = nullptr;
        connection->exchange.reset();
        m_origins[exchange->origin].waiting.prepend(exchange);
        drop(connection);
        return;
    }
    if (error == QAbstractSocket::RemoteHostClosedError &&
        reader.atEof() == HttpResponseReader::Step::Done) {
        hopDone(connection, false);
        return;
    }
    HttpResponse &response = exchange->response;
    response.error = httpwire::networkError(error);
    if (!connection->certificateErrors.isEmpty()) {
        response.certificateRejected = true;
        response.errorString = httpwire::describeCertificate(connection->certificateErrors, exchange->url.host());
    } else if (connection->handshakeTimedOut) {
        response.tlsNotSpoken = true;
        response.errorString = u"tls: no handshake within %1 s"_s.arg(
            exchange->request.tls.handshakeTimeoutMs / 1000.0);
    } else if (response.error == QNetworkReply::SslHandshakeFailedError) {
        response.tlsNotSpoken = true;
        response.errorString = u"tls: handshake failed: "_s + connection->socket->errorString();
    } else if (error == QAbstractSocket::RemoteHostClosedError) {
        // Closed in the middle of the handshake: no TLS server on that port either.
        response.tlsNotSpoken = qobject_cast<QSslSocket *>(connection->socket) && !connection->ready;
        response.errorString = reader.error();
    } else {
        response.errorString = connection->socket->errorString();
    }
    hopDone(connection, false);
}

// The current hop of the connection's exchange is over: the connection goes back to its pool
// or away, and the exchange moves on (a redirect) or ends.
void HttpClient::hopDone(Connection *connection, bool reusable)
{
    const std::shared_ptr<Exchange> exchange = std::move(connection->exchange);
    exchange->connection = nullptr;
    if (reusable) {
        ++connection->served;
        m_origins[connection->key].idle.append(connection);
        connection->idle.start();
        assign(connection->key);
    } else {
        drop(connection);
    }
    finish(exchange);
}

void HttpClient::drop(Connection *connection)
{
    Origin &origin = m_origins[connection->key];
    origin.idle.removeOne(connection);
    --origin.open;
    if (const std::shared_ptr<Exchange> exchange = std::move(connection->exchange))
        exchange->connection = nullptr;
    connection->idle.stop();
    connection->socket->disconnect(connection);
    connection->socket->abort();
    connection->deleteLater();
    assign(connection->key); // a place is free
}

void HttpClient::timeout(const std::shared_ptr<Exchange> &exchange)
{
    if (exchange->finished)
        return;
    exchange->stopped = true;
    exchange->response.timedOut = true;
    if (Connection *connection = exchange->connection) {
        drop(connection);
    } else if (const auto origin = m_origins.find(exchange->origin); origin != m_origins.end()) {
        origin->waiting.removeOne(exchange);
        if (origin->open == 0 && origin->waiting.isEmpty())
            m_origins.erase(origin);
    }
    finish(exchange);
}

void HttpClient::finish(const std::shared_ptr<Exchange> &exchange)
{
    if (exchange->finished)
        return;
    HttpResponse &response = exchange->response;
    const HttpRequest &request = exchange->request;
    response.finalUrl = exchange->url;
    response.elapsedMs = exchange->clock.elapsed();
    response.bodySha256 = exchange->hash.result().toHex();

    const QByteArray location = response.header("Location");
    if (!exchange->stopped && response.error == QNetworkReply::NoError &&
        isRedirect(response.status) && !location.isEmpty() &&
        response.redirects < request.maxRedirects) {
        const QUrl target = exchange->url.resolved(QUrl::fromEncoded(location));
        if (exchange->url.scheme() == u"https" && target.scheme() != u"https") {
            response.error = QNetworkReply::InsecureRedirectError;
            response.errorString =
                QStringLiteral("refused to follow a redirect from https to ") + displayUrl(target);
            response.status = 0;
        } else if (target.isValid() &&
                   (target.scheme() == u"http" || target.scheme() == u"https")) {
            ++response.redirects;
            // RFC 9110 §15.4.4: a 303 is retrieved with GET (HEAD stays HEAD).
            if (response.status == 303 && exchange->method != "HEAD")
                exchange->method = "GET";
            if (!sameOrigin(target, request.url))
                exchange->sendAuthorization = false;
            exchange->url = target;
            exchange->retried = false;
            start(exchange);
            return;
        }
    }

    if (exchange->stopped && !response.truncated) {
        response.error =
            response.timedOut ? QNetworkReply::TimeoutError : QNetworkReply::ProtocolFailure;
        response.errorString =
            response.timedOut
                ? QStringLiteral("no response within %1 s").arg(request.timeoutMs / 1000.0)
                : exchange->stopReason;
        if (response.timedOut)
            response.status = 0;
    }
    complete(exchange);
}

void HttpClient::complete(const std::shared_ptr<Exchange> &exchange)
{
    exchange->finished = true;
    exchange->deadline->stop();
    exchange->deadline->deleteLater();
    HttpResponse &response = exchange->response;
    response.reason = m_secrets.apply(response.reason);
    response.errorString = m_secrets.apply(response.errorString);
    if (response.status < 200 || response.status >= 300)
        response.body = m_secrets.apply(response.body);
    // From the event loop, not from inside a socket's signal: done may destroy this client.
    QTimer::singleShot(0, this, [this, exchange] {
        --m_pending;
        auto done = std::move(exchange->done);
        done(std::move(exchange->response));
    });
}

} // namespace pw
