#include "HttpClient.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QTimer>

namespace pw {

namespace {
// Error bodies are kept even when the caller discards the body, for the error message.
constexpr qint64 MaxErrorBodyBytes = 64 * 1024;
constexpr qint64 ReadBufferBytes = 1 << 20;

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}
// Errors Qt derives from the HTTP status alone; the status says more.
bool isHttpStatusError(QNetworkReply::NetworkError error)
{
    return (error >= QNetworkReply::ContentAccessDenied &&
            error <= QNetworkReply::UnknownContentError) ||
           (error >= QNetworkReply::InternalServerError &&
            error <= QNetworkReply::UnknownServerError);
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
    bool ignoringBody = false; // a redirect's body
    bool stopped = false;      // aborted on purpose: timeout, budget or kept-size limit
    QString stopReason;
};

HttpClient::HttpClient(QObject *parent)
    : QObject(parent), m_network(new QNetworkAccessManager(this))
{
    // Redirects are followed by hand (see HttpRequest::authorization); Qt's own policy would
    // forward every header to the new host.
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

HttpClient::~HttpClient() = default;

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
    ++m_pending;
    start(exchange);
}

void HttpClient::start(std::shared_ptr<Exchange> exchange)
{
    const HttpRequest &request = exchange->request;
    // A CR or LF in a value would end the header and start one of the caller's choosing.
    const auto unsafe = [](QByteArrayView value) {
        return value.contains('\r') || value.contains('\n') || value.contains('\0');
    };
    bool refused = unsafe(request.authorization);
    for (const auto &header : request.headers)
        refused = refused || unsafe(header.first) || unsafe(header.second);
    if (refused) {
        HttpResponse &response = exchange->response;
        response.error = QNetworkReply::ProtocolInvalidOperationError;
        response.errorString = QStringLiteral("refused to send a header with a line break or NUL");
        response.finalUrl = exchange->url;
        QTimer::singleShot(0, this, [this, exchange] { complete(exchange); });
        return;
    }
    QNetworkRequest qrequest(exchange->url);
    qrequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                          QNetworkRequest::ManualRedirectPolicy);
    qrequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                          QNetworkRequest::AlwaysNetwork);
    qrequest.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    qrequest.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    qrequest.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("pullwatch"));
    for (const auto &[name, value] : request.headers)
        qrequest.setRawHeader(name, value);
    if (exchange->sendAuthorization && !request.authorization.isEmpty()) {
        m_secrets.addAuthorization(request.authorization);
        qrequest.setRawHeader("Authorization", request.authorization);
    }
    for (const QByteArray &secret : request.secrets)
        m_secrets.addSecret(secret);

    exchange->hash.reset();
    exchange->response.body.clear();
    exchange->response.bodyBytes = 0;
    exchange->response.firstByteMs = -1;
    exchange->ignoringBody = false;

    QNetworkReply *reply = nullptr;
    if (exchange->method == "POST") {
        qrequest.setHeader(QNetworkRequest::ContentTypeHeader, request.contentType);
        reply = m_network->post(qrequest, request.body);
    } else if (exchange->method == "HEAD") {
        reply = m_network->head(qrequest);
    } else {
        reply = m_network->get(qrequest);
    }

    // Qt's HTTP thread otherwise buffers whatever arrives faster than readyRead is served: an
    // endless body would grow without bound before a limit below could abort it.
    reply->setReadBufferSize(ReadBufferBytes);

    const qint64 remaining = std::max<qint64>(0, request.timeoutMs - exchange->clock.elapsed());
    QObject::disconnect(exchange->deadline, nullptr, nullptr, nullptr);
    connect(exchange->deadline, &QTimer::timeout, reply, [exchange, reply] {
        exchange->stopped = true;
        exchange->response.timedOut = true;
        reply->abort();
    });
    exchange->deadline->start(static_cast<int>(std::min<qint64>(remaining, INT_MAX)));

    connect(reply, &QNetworkReply::metaDataChanged, reply, [exchange, reply] {
        if (exchange->response.firstByteMs < 0)
            exchange->response.firstByteMs = exchange->clock.elapsed();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        exchange->ignoringBody = isRedirect(status);
    });
    connect(reply, &QNetworkReply::readyRead, reply, [exchange, reply] {
        const QByteArray chunk = reply->readAll();
        if (exchange->ignoringBody || exchange->stopped)
            return;
        HttpResponse &response = exchange->response;
        const HttpRequest &request = exchange->request;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        qsizetype take = chunk.size();
        if (request.byteLimit >= 0 && response.bodyBytes + take > request.byteLimit)
            take = request.byteLimit - response.bodyBytes;
        exchange->hash.addData(QByteArrayView(chunk).first(take));
        response.bodyBytes += take;
        const bool keep = request.keepBody || status >= 400;
        const qint64 keepLimit = request.keepBody ? request.maxKeptBytes : MaxErrorBodyBytes;
        if (keep && response.body.size() < keepLimit)
            response.body.append(QByteArrayView(chunk).first(
                std::min<qsizetype>(take, keepLimit - response.body.size())));
        if (take < chunk.size()) {
            exchange->stopped = true;
            response.truncated = true;
            reply->abort();
        } else if (request.keepBody && response.bodyBytes > request.maxKeptBytes) {
            exchange->stopped = true;
            exchange->stopReason =
                QStringLiteral("response larger than %1 bytes").arg(request.maxKeptBytes);
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this,
            [this, exchange, reply] { finish(exchange, reply); });
}

void HttpClient::finish(const std::shared_ptr<Exchange> &exchange, QNetworkReply *reply)
{
    reply->deleteLater();
    exchange->deadline->stop();

    HttpResponse &response = exchange->response;
    const HttpRequest &request = exchange->request;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.reason = QString::fromUtf8(
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
    response.headers = reply->rawHeaderPairs();
    response.finalUrl = exchange->url;
    response.elapsedMs = exchange->clock.elapsed();
    response.bodySha256 = exchange->hash.result().toHex();

    const QByteArray location = response.header("Location");
    if (!exchange->stopped && isRedirect(response.status) && !location.isEmpty() &&
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
    } else if (const QNetworkReply::NetworkError error = reply->error();
               !response.truncated && error != QNetworkReply::NoError &&
               (response.status == 0 || !isHttpStatusError(error))) {
        // A transport error, possibly after the headers (a body cut short): the status alone
        // would hide it.
        response.error = error;
        response.errorString =
            reply->errorString().replace(exchange->url.toString(), displayUrl(exchange->url));
    }

    complete(exchange);
}

void HttpClient::complete(const std::shared_ptr<Exchange> &exchange)
{
    HttpResponse &response = exchange->response;
    response.reason = m_secrets.apply(response.reason);
    response.errorString = m_secrets.apply(response.errorString);
    if (response.status < 200 || response.status >= 300)
        response.body = m_secrets.apply(response.body);

    --m_pending;
    exchange->deadline->deleteLater();
    auto done = std::move(exchange->done);
    done(std::move(response));
}

} // namespace pw
