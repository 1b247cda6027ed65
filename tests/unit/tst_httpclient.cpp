#include "net/HttpClient.h"
#include "net/HttpFailure.h"

#include "testutil.h"
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QScopeGuard>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <QTest>
#include <QTimer>

#include <sys/socket.h>

#include <functional>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pw;

Q_DECLARE_METATYPE(pw::Category)

// Declared before any string that holds a URL: moc must see the test class.
class TstHttpClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void sameOrigin_data();
    void sameOrigin();
    void displayUrlHidesSecrets();

    void redirectAuthorization_data();
    void redirectAuthorization();
    void redirectMethod_data();
    void redirectMethod();
    void relativeLocation_data();
    void relativeLocation();
    void tooManyRedirects_data();
    void tooManyRedirects();

    void deadline_data();
    void deadline();
    void byteLimit_data();
    void byteLimit();
    void unkeptBodyIsHashed_data();
    void unkeptBodyIsHashed();
    void maxKeptBytes_data();
    void maxKeptBytes();
    void transportErrors_data();
    void transportErrors();

    void keepAliveReusesTheConnection();
    void staleConnectionIsRetried();
    void atMostSixConnectionsPerOrigin();

    void httpsToPlainServer();
    void handshakeTimeout();
    void untrustedCertificate();
    void httpsRedirects_data();
    void httpsRedirects();
    void largeBodyOverTls();

private:
    QTemporaryDir m_tlsDir;
    QString m_tlsProblem; // why the TLS server tests cannot run, empty when they can
    QSslCertificate m_certificate;
    QSslKey m_key;
};

namespace {

const QByteArray Secret = "Bearer s3cr3t-t0ken-for-the-registry";
const QString SignedQuery = u"X-Amz-Signature=s3cr3tsignature"_s;

// One request as the fake server read it.
struct Request
{
    QByteArray method;
    QByteArray target; // path and query
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        return std::any_of(headers.cbegin(), headers.cend(), [&](const auto &header) {
            return QByteArrayView(header.first).compare(name, Qt::CaseInsensitive) == 0;
        });
    }
};

// An HTTP/1.1 server on 127.0.0.1 that reads one request per connection and hands it to a
// handler, which answers by hand (or does not). Answers a TLS ClientHello with a plain 400,
// as nginx does.
class FakeServer : public QObject
{
public:
    using Handler = std::function<void(const Request &, QTcpSocket *)>;

    explicit FakeServer(Handler handler, QTcpServer *server = nullptr)
        : m_server(server ? server : new QTcpServer), m_handler(std::move(handler))
    {
        m_server->setParent(this);
        connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &FakeServer::acceptAll);
        connect(m_server, &QTcpServer::newConnection, this, &FakeServer::acceptAll);
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen on 127.0.0.1: %s", qPrintable(m_server->errorString()));
    }

    quint16 port() const { return m_server->serverPort(); }
    const QList<Request> &requests() const { return m_requests; }

private:
    void acceptAll()
    {
        while (m_server->hasPendingConnections()) {
            QTcpSocket *socket = m_server->nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            if (socket->bytesAvailable() > 0)
                read(socket);
        }
    }

    void read(QTcpSocket *socket)
    {
        if (socket->property("handled").toBool()) {
            socket->readAll();
            return;
        }
        const QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
        if (buffer.startsWith('\x16')) {
            socket->setProperty("handled", true);
            socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            socket->setProperty("buffer", buffer);
            return;
        }
        Request request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        request.method = requestLine.value(0);
        request.target = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                request.headers.append(
                    {lines.at(i).left(colon).trimmed(), lines.at(i).mid(colon + 1).trimmed()});
        }
        const qsizetype length = request.header("Content-Length").toLongLong();
        if (buffer.size() < end + 4 + length) {
            socket->setProperty("buffer", buffer);
            return;
        }
        request.body = buffer.mid(end + 4, length);
        socket->setProperty("handled", true);
        m_requests.append(request);
        m_handler(request, socket);
    }

    QTcpServer *m_server;
    Handler m_handler;
    QList<Request> m_requests;
};

// An HTTP/1.1 server that keeps connections alive: it answers each GET on a connection with
// "<connection>:<request>" after delayMs. After closeAfter responses on a connection, it closes
// the connection when the next request arrives, unanswered: the race of a server's idle timeout
// with a client's next request.
class KeepAliveServer : public QObject
{
public:
    explicit KeepAliveServer(int closeAfter = 0, int delayMs = 0)
        : m_closeAfter(closeAfter), m_delayMs(delayMs)
    {
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (m_server.hasPendingConnections())
                accept(m_server.nextPendingConnection());
        });
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen on 127.0.0.1: %s", qPrintable(m_server.errorString()));
    }

    quint16 port() const { return m_server.serverPort(); }
    int accepted() const { return m_accepted; }
    int mostAtOnce() const { return m_mostAtOnce; }

private:
    void accept(QTcpSocket *socket)
    {
        const int id = ++m_accepted;
        m_mostAtOnce = std::max(m_mostAtOnce, ++m_open);
        auto served = std::make_shared<int>(0);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            --m_open;
            socket->deleteLater();
        });
        connect(socket, &QTcpSocket::readyRead, socket, [=, this] {
            *buffer += socket->readAll();
            for (qsizetype end = buffer->indexOf("\r\n\r\n"); end >= 0;
                 end = buffer->indexOf("\r\n\r\n")) {
                buffer->remove(0, end + 4);
                if (m_closeAfter > 0 && *served >= m_closeAfter) {
                    socket->disconnectFromHost();
                    return;
                }
                const int n = ++*served;
                QTimer::singleShot(m_delayMs, socket, [=, this] {
                    const QByteArray body = QByteArray::number(id) + ':' + QByteArray::number(n);
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                  QByteArray::number(body.size()) + "\r\n\r\n" + body);
                });
            }
        });
    }

    QTcpServer m_server;
    int m_closeAfter;
    int m_delayMs;
    int m_accepted = 0;
    int m_open = 0;
    int m_mostAtOnce = 0;
};

using Headers = QList<std::pair<QByteArray, QByteArray>>;

void respond(QTcpSocket *socket, const Request &request, const QByteArray &status,
             const Headers &headers = {}, const QByteArray &body = {})
{
    QByteArray out = "HTTP/1.1 " + status + "\r\n";
    for (const auto &[name, value] : headers)
        out += name + ": " + value + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (request.method != "HEAD")
        out += body;
    socket->write(out);
    socket->disconnectFromHost();
}

void redirect(QTcpSocket *socket, const Request &request, int status, const QByteArray &location)
{
    respond(socket, request, QByteArray::number(status) + " Redirect", {{"Location", location}},
            "redirecting");
}

// Closes with RST instead of FIN: the client sees "connection reset by peer".
void reset(QTcpSocket *socket)
{
    const linger hard{1, 0};
    ::setsockopt(static_cast<int>(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard,
                 sizeof hard);
    socket->abort();
}

QUrl url(const QString &scheme, const QString &host, quint16 port, const QString &target)
{
    return QUrl(u"%1://%2:%3%4"_s.arg(scheme, host).arg(port).arg(target));
}

QUrl httpUrl(quint16 port, const QString &target)
{
    return url(u"http"_s, u"127.0.0.1"_s, port, target);
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

// Bytes that differ along the body, so that a shifted or repeated chunk changes the digest.
QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
    return data;
}

// Sends one request and waits for its response (nullopt if none came within waitMs).
std::optional<HttpResponse> run(HttpClient &client, HttpRequest request, int waitMs = 10'000)
{
    std::optional<HttpResponse> response;
    int calls = 0;
    QEventLoop loop;
    QTimer::singleShot(waitMs, &loop, &QEventLoop::quit);
    client.send(std::move(request), [&](HttpResponse r) {
        ++calls;
        response = std::move(r);
        loop.quit();
    });
    loop.exec();
    // done runs once: give a second call the chance to show up.
    QTest::qWait(20);
    if (calls > 1)
        qWarning("done ran %d times", calls);
    return calls == 1 ? response : std::nullopt;
}

// Replaces {A} and {B} with the two servers' ports.
QByteArray withPorts(QByteArray text, quint16 a, quint16 b)
{
    return text.replace("{A}", QByteArray::number(a)).replace("{B}", QByteArray::number(b));
}

} // namespace

void TstHttpClient::initTestCase()
{
    if (!QSslSocket::supportsSsl()) {
        m_tlsProblem = u"no TLS backend: "_s + QSslSocket::sslLibraryVersionString();
        return;
    }
    if (!m_tlsDir.isValid()) {
        m_tlsProblem = u"no temporary directory for the certificate"_s;
        return;
    }
    const QString keyFile = m_tlsDir.filePath(u"key.pem"_s);
    const QString certFile = m_tlsDir.filePath(u"cert.pem"_s);
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(u"openssl"_s,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                   u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, keyFile, u"-out"_s,
                   certFile, u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                   u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s});
    if (!openssl.waitForFinished(30'000) || openssl.exitStatus() != QProcess::NormalExit ||
        openssl.exitCode() != 0) {
        m_tlsProblem = u"openssl req failed: "_s + openssl.errorString() + u' ' +
                       QString::fromLocal8Bit(openssl.readAll());
        return;
    }
    QFile key(keyFile);
    QFile cert(certFile);
    if (!key.open(QIODevice::ReadOnly) || !cert.open(QIODevice::ReadOnly)) {
        m_tlsProblem = u"cannot read the generated key or certificate"_s;
        return;
    }
    m_key = QSslKey(key.readAll(), QSsl::Ec);
    m_certificate = QSslCertificate(cert.readAll());
    if (m_key.isNull() || m_certificate.isNull())
        m_tlsProblem = u"the TLS backend cannot load the generated EC key or certificate"_s;
}

void TstHttpClient::sameOrigin_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("same");

    QTest::newRow("same host and port, other path")
        << u"https://registry.example:5000/v2/a"_s << u"https://registry.example:5000/v2/b?x=1"_s
        << true;
    QTest::newRow("default https port written out")
        << u"https://registry.example/v2/"_s << u"https://registry.example:443/token"_s << true;
    QTest::newRow("default http port written out")
        << u"http://registry.example/v2/"_s << u"http://registry.example:80/v2/"_s << true;
    QTest::newRow("host names compare without case")
        << u"https://Registry.Example/v2/"_s << u"https://registry.example/v2/"_s << true;
    QTest::newRow("other port") << u"http://127.0.0.1:5000/"_s << u"http://127.0.0.1:5001/"_s
                                << false;
    QTest::newRow("other scheme") << u"https://registry.example/"_s << u"http://registry.example/"_s
                                  << false;
    QTest::newRow("subdomain is another host")
        << u"https://registry.example/"_s << u"https://blobs.registry.example/"_s << false;
    QTest::newRow("localhost is not 127.0.0.1")
        << u"http://localhost:5000/"_s << u"http://127.0.0.1:5000/"_s << false;
}

void TstHttpClient::sameOrigin()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, same);
    QCOMPARE(HttpClient::sameOrigin(QUrl(a), QUrl(b)), same);
    QCOMPARE(HttpClient::sameOrigin(QUrl(b), QUrl(a)), same);
}

void TstHttpClient::displayUrlHidesSecrets()
{
    const QUrl signedUrl(u"https://user:pa55word@blobs.example/sha256/ab?"_s + SignedQuery +
                         u"#frag"_s);
    const QString shown = HttpClient::displayUrl(signedUrl);
    QCOMPARE(shown, u"https://blobs.example/sha256/ab"_s);
}

void TstHttpClient::redirectAuthorization_data()
{
    QTest::addColumn<QByteArray>("location"); // {A}, {B}: the ports of servers A and B
    QTest::addColumn<QString>("finalHost");
    QTest::addColumn<bool>("finalOnB");
    QTest::addColumn<int>("redirects");
    QTest::addColumn<bool>("authorizedAtEnd");

    QTest::newRow("no redirect") << QByteArray() << u"127.0.0.1"_s << false << 0 << true;
    QTest::newRow("same origin, absolute Location")
        << QByteArray("http://127.0.0.1:{A}/final") << u"127.0.0.1"_s << false << 1 << true;
    QTest::newRow("same origin, relative Location")
        << QByteArray("/final") << u"127.0.0.1"_s << false << 1 << true;
    QTest::newRow("other host name, same port")
        << QByteArray("http://localhost:{A}/final") << u"localhost"_s << false << 1 << false;
    QTest::newRow("same host, other port")
        << QByteArray("http://127.0.0.1:{B}/final") << u"127.0.0.1"_s << true << 1 << false;
    QTest::newRow("same origin first, then another port")
        << QByteArray("/hop") << u"127.0.0.1"_s << true << 2 << false;
}

void TstHttpClient::redirectAuthorization()
{
    QFETCH(QByteArray, location);
    QFETCH(QString, finalHost);
    QFETCH(bool, finalOnB);
    QFETCH(int, redirects);
    QFETCH(bool, authorizedAtEnd);

    quint16 portB = 0;
    FakeServer b([](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {}, "final from B");
    });
    portB = b.port();
    FakeServer a([&](const Request &request, QTcpSocket *socket) {
        if (request.target == "/start")
            redirect(socket, request, 307, location);
        else if (request.target == "/hop")
            redirect(socket, request, 302,
                     "http://127.0.0.1:" + QByteArray::number(portB) + "/final");
        else
            respond(socket, request, "200 OK", {}, "final from A");
    });
    location = withPorts(location, a.port(), portB); // before the first request arrives

    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(a.port(), location.isEmpty() ? u"/final"_s : u"/start"_s);
    request.authorization = Secret;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, 200);
    QCOMPARE(response->body, finalOnB ? QByteArray("final from B") : QByteArray("final from A"));
    QCOMPARE(response->redirects, redirects);
    QCOMPARE(response->finalUrl.host(), finalHost);
    QCOMPARE(response->finalUrl.port(), finalOnB ? portB : a.port());
    QCOMPARE(client.pending(), 0);

    // The registry itself always gets the credentials, on every same-origin hop.
    QVERIFY(!a.requests().isEmpty());
    for (const Request &sent : a.requests()) {
        if (sent.header("Host") == "127.0.0.1:" + QByteArray::number(a.port()))
            QCOMPARE(sent.header("Authorization"), Secret);
    }
    const Request &last = finalOnB ? b.requests().last() : a.requests().last();
    QCOMPARE(last.target, QByteArray("/final"));
    QCOMPARE(last.hasHeader("Authorization"), authorizedAtEnd);
    if (authorizedAtEnd)
        QCOMPARE(last.header("Authorization"), Secret);
    if (finalOnB)
        QCOMPARE(b.requests().size(), 1);
}

void TstHttpClient::redirectMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("followedWith");

    QTest::newRow("303 turns POST into GET") << QByteArray("POST") << 303 << QByteArray("GET");
    QTest::newRow("303 keeps GET") << QByteArray("GET") << 303 << QByteArray("GET");
    QTest::newRow("303 keeps HEAD") << QByteArray("HEAD") << 303 << QByteArray("HEAD");
    QTest::newRow("307 keeps POST") << QByteArray("POST") << 307 << QByteArray("POST");
    QTest::newRow("307 keeps HEAD") << QByteArray("HEAD") << 307 << QByteArray("HEAD");
    QTest::newRow("307 keeps GET") << QByteArray("GET") << 307 << QByteArray("GET");
    QTest::newRow("308 keeps POST") << QByteArray("POST") << 308 << QByteArray("POST");
}

void TstHttpClient::redirectMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QByteArray, followedWith);

    FakeServer server([status](const Request &request, QTcpSocket *socket) {
        if (request.target == "/token")
            redirect(socket, request, status, "/token2");
        else
            respond(socket, request, "200 OK", {{"Content-Type", "application/json"}},
                    "{\"token\":\"t\"}");
    });
    HttpClient client;
    HttpRequest request;
    request.method = method;
    request.url = httpUrl(server.port(), u"/token"_s);
    if (method == "POST") {
        request.body = "grant_type=password&service=registry";
        request.contentType = "application/x-www-form-urlencoded";
    }
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, 200);
    QCOMPARE(response->redirects, 1);
    QCOMPARE(response->body, method == "HEAD" ? QByteArray() : QByteArray("{\"token\":\"t\"}"));

    QCOMPARE(server.requests().size(), 2);
    const Request &followed = server.requests().at(1);
    QCOMPARE(followed.target, QByteArray("/token2"));
    QCOMPARE(followed.method, followedWith);
    // A POST that stays a POST sends its form again; one turned into GET sends nothing.
    QCOMPARE(followed.body, followedWith == "POST" ? request.body : QByteArray());
}

void TstHttpClient::relativeLocation_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("target");

    QTest::newRow("sibling") << QByteArray("next") << QByteArray("/v2/dir/next");
    QTest::newRow("parent") << QByteArray("../up") << QByteArray("/v2/up");
    QTest::newRow("absolute path") << QByteArray("/blobs/x") << QByteArray("/blobs/x");
    QTest::newRow("with a query") << QByteArray("next?part=2&sig=abc")
                                  << QByteArray("/v2/dir/next?part=2&sig=abc");
    QTest::newRow("scheme-relative") << QByteArray("//127.0.0.1:{A}/other") << QByteArray("/other");
}

void TstHttpClient::relativeLocation()
{
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, target);

    quint16 port = 0;
    FakeServer server([&](const Request &request, QTcpSocket *socket) {
        if (request.target == "/v2/dir/start")
            redirect(socket, request, 302, withPorts(location, port, 0));
        else
            respond(socket, request, "200 OK", {}, "here");
    });
    port = server.port();
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(port, u"/v2/dir/start"_s);
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, 200);
    QCOMPARE(response->body, QByteArray("here"));
    QCOMPARE(server.requests().size(), 2);
    QCOMPARE(server.requests().at(1).target, target);
    QCOMPARE(response->finalUrl.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority), target);
}

void TstHttpClient::tooManyRedirects_data()
{
    QTest::addColumn<int>("maxRedirects");

    QTest::newRow("none allowed") << 0;
    QTest::newRow("two allowed") << 2;
    QTest::newRow("five allowed (default)") << 5;
}

void TstHttpClient::tooManyRedirects()
{
    QFETCH(int, maxRedirects);

    // /r0 → /r1 → /r2 → … without end.
    FakeServer server([](const Request &request, QTcpSocket *socket) {
        const int n = request.target.mid(2).toInt();
        redirect(socket, request, 302, "/r" + QByteArray::number(n + 1));
    });
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/r0"_s);
    request.maxRedirects = maxRedirects;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    // The last 3xx is the answer, as is: the caller reports "HTTP 302", not a transport error.
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, 302);
    QCOMPARE(response->redirects, maxRedirects);
    QCOMPARE(response->header("Location"), "/r" + QByteArray::number(maxRedirects + 1));
    QCOMPARE(response->finalUrl.path(), u"/r%1"_s.arg(maxRedirects));
    QCOMPARE(server.requests().size(), maxRedirects + 1);
}

void TstHttpClient::deadline_data()
{
    QTest::addColumn<QString>("behaviour");
    QTest::addColumn<qint64>("timeoutMs");

    QTest::newRow("no response at all") << u"silent"_s << 500LL;
    QTest::newRow("headers, then the body stalls") << u"stall"_s << 500LL;
    // Each hop answers after 300 ms: the third would come after the deadline.
    QTest::newRow("deadline spans redirects") << u"slow redirects"_s << 700LL;
}

void TstHttpClient::deadline()
{
    QFETCH(QString, behaviour);
    QFETCH(qint64, timeoutMs);

    FakeServer server([behaviour](const Request &request, QTcpSocket *socket) {
        if (behaviour == u"stall") {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much");
        } else if (behaviour == u"slow redirects") {
            QTimer::singleShot(300, socket, [socket, request] {
                redirect(socket, request, 302,
                         "/hop" + QByteArray::number(
                                      request.target.mid(4).split('?').first().toInt() + 1));
            });
        }
    });
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/hop0?"_s + SignedQuery);
    request.timeoutMs = timeoutMs;
    QElapsedTimer clock;
    clock.start();
    const std::optional<HttpResponse> response = run(client, request);
    const qint64 waited = clock.elapsed();
    QVERIFY(response);
    QVERIFY(response->timedOut);
    QVERIFY(response->failed());
    QCOMPARE(response->status, 0);
    QCOMPARE(http::categoryForTransport(*response), Category::Timeout);
    QCOMPARE(response->errorString, u"no response within %1 s"_s.arg(timeoutMs / 1000.0));
    // The deadline is a coarse QTimer, which may fire up to 5 % early (and the clock here
    // starts before send()).
    constexpr qint64 SlackMs = 1500;
    QVERIFY2(response->elapsedMs >= timeoutMs * 90 / 100 &&
                 response->elapsedMs <= timeoutMs + SlackMs,
             qPrintable(u"elapsed %1 ms"_s.arg(response->elapsedMs)));
    QVERIFY2(waited <= timeoutMs + SlackMs, qPrintable(u"waited %1 ms"_s.arg(waited)));
    if (behaviour == u"slow redirects")
        QCOMPARE(response->redirects, 2);
    QCOMPARE(client.pending(), 0);
}

void TstHttpClient::byteLimit_data()
{
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<bool>("keepBody");
    QTest::addColumn<qint64>("received");
    QTest::addColumn<bool>("truncated");

    constexpr qint64 Size = 200'000;
    QTest::newRow("limit within the body, kept") << 1000LL << true << 1000LL << true;
    QTest::newRow("limit within the body, not kept") << 1000LL << false << 1000LL << true;
    QTest::newRow("limit deep in the body") << 150'000LL << false << 150'000LL << true;
    QTest::newRow("zero budget") << 0LL << false << 0LL << true;
    QTest::newRow("limit equals the body") << Size << true << Size << false;
    QTest::newRow("limit beyond the body") << Size + 1 << false << Size << false;
    QTest::newRow("no limit") << -1LL << false << Size << false;
}

void TstHttpClient::byteLimit()
{
    QFETCH(qint64, limit);
    QFETCH(bool, keepBody);
    QFETCH(qint64, received);
    QFETCH(bool, truncated);

    const QByteArray blob = pattern(200'000);
    FakeServer server([&](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {{"Content-Type", "application/octet-stream"}}, blob);
    });
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/v2/app/blobs/sha256:x"_s);
    request.keepBody = keepBody;
    request.byteLimit = limit;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, 200);
    QCOMPARE(response->truncated, truncated);
    QCOMPARE(response->bodyBytes, received);
    QCOMPARE(response->bodySha256, sha256Hex(blob.left(received)));
    QCOMPARE(response->body, keepBody ? blob.left(received) : QByteArray());
}

void TstHttpClient::unkeptBodyIsHashed_data()
{
    QTest::addColumn<QByteArray>("status");
    QTest::addColumn<bool>("redirectFirst");
    QTest::addColumn<bool>("bodyKept");

    QTest::newRow("200: hashed, not kept") << QByteArray("200 OK") << false << false;
    QTest::newRow("200 after a redirect: only the final body hashed")
        << QByteArray("200 OK") << true << false;
    QTest::newRow("404: error body kept for the message")
        << QByteArray("404 Not Found") << false << true;
    QTest::newRow("403 from the redirect target: kept")
        << QByteArray("403 Forbidden") << true << true;
    QTest::newRow("500: kept") << QByteArray("500 Internal Server Error") << false << true;
}

void TstHttpClient::unkeptBodyIsHashed()
{
    QFETCH(QByteArray, status);
    QFETCH(bool, redirectFirst);
    QFETCH(bool, bodyKept);

    const QByteArray body = status.startsWith("200")
                                ? pattern(70'000)
                                : QByteArray("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\","
                                             "\"message\":\"blob unknown to registry\"}]}");
    FakeServer server([&](const Request &request, QTcpSocket *socket) {
        if (request.target == "/start")
            respond(socket, request, "307 Temporary Redirect", {{"Location", "/blob"}},
                    "<a href=\"/blob\">Temporary Redirect</a>.");
        else
            respond(socket, request, status, {}, body);
    });
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), redirectFirst ? u"/start"_s : u"/blob"_s);
    request.keepBody = false;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->status, status.left(3).toInt());
    QCOMPARE(response->redirects, redirectFirst ? 1 : 0);
    QCOMPARE(response->bodyBytes, qint64(body.size()));
    QCOMPARE(response->bodySha256, sha256Hex(body));
    QCOMPARE(response->body, bodyKept ? body : QByteArray());
}

void TstHttpClient::maxKeptBytes_data()
{
    QTest::addColumn<qint64>("bodySize");
    QTest::addColumn<bool>("keepBody");
    QTest::addColumn<bool>("fails");

    QTest::newRow("body at the limit") << 100LL << true << false;
    QTest::newRow("body one byte over the limit") << 101LL << true << true;
    QTest::newRow("body far over the limit") << 100'000LL << true << true;
    QTest::newRow("over the limit but not kept") << 100'000LL << false << false;
}

void TstHttpClient::maxKeptBytes()
{
    QFETCH(qint64, bodySize);
    QFETCH(bool, keepBody);
    QFETCH(bool, fails);

    const QByteArray body = pattern(bodySize);
    FakeServer server([&](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {}, body);
    });
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/v2/app/manifests/1"_s);
    request.keepBody = keepBody;
    request.maxKeptBytes = 100;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QCOMPARE(response->failed(), fails);
    if (fails) {
        QCOMPARE(response->error, QNetworkReply::ProtocolFailure);
        QVERIFY2(response->errorString.contains(u"larger than 100 bytes"_s),
                 qPrintable(response->errorString));
        QCOMPARE(http::categoryForTransport(*response), Category::Transport);
        QVERIFY(response->body.size() <= 100);
    } else {
        QCOMPARE(response->status, 200);
        QCOMPARE(response->bodyBytes, bodySize);
        QCOMPARE(response->body, keepBody ? body : QByteArray());
    }
}

void TstHttpClient::transportErrors_data()
{
    QTest::addColumn<QString>("behaviour");
    QTest::addColumn<Category>("category");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("description"); // what describeTransport says, a part of it

    QTest::newRow("connection refused")
        << u"refuse"_s << Category::Connection << 0 << u"connection refused"_s;
    QTest::newRow("reset after reading the request")
        << u"reset"_s << Category::Transport << 0 << QString();
    QTest::newRow("closed without an answer")
        << u"close"_s << Category::Transport << 0 << u"before a response"_s;
    QTest::newRow("garbage instead of HTTP")
        << u"garbage"_s << Category::Transport << 0 << QString();
    QTest::newRow("body cut short")
        << u"short body"_s << Category::Transport << 200 << u"mid-transfer"_s;
}

void TstHttpClient::transportErrors()
{
    QFETCH(QString, behaviour);
    QFETCH(Category, category);
    QFETCH(int, status);
    QFETCH(QString, description);

    FakeServer server([behaviour](const Request &, QTcpSocket *socket) {
        if (behaviour == u"reset") {
            reset(socket);
        } else if (behaviour == u"close") {
            socket->disconnectFromHost();
        } else if (behaviour == u"garbage") {
            static const char garbage[] = "\x00\x13\x7fSSH-2.0-OpenSSH_9.2\r\n\xff\xfe\r\n\r\n";
            socket->write(garbage, sizeof garbage - 1);
            socket->disconnectFromHost();
        } else if (behaviour == u"short body") {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
                          "only forty bytes of the thousand promised");
            socket->disconnectFromHost();
        }
    });
    quint16 port = server.port();
    if (behaviour == u"refuse") {
        QTcpServer closed; // a port that was free a moment ago and has nobody listening now
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        port = closed.serverPort();
        closed.close();
    }
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(port, u"/v2/app/blobs/sha256:x?"_s + SignedQuery);
    request.keepBody = false;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY(response->failed());
    QVERIFY(!response->timedOut);
    QCOMPARE(response->status, status);
    QCOMPARE(http::categoryForTransport(*response), category);
    const QString said = http::describeTransport(*response);
    QVERIFY2(!said.isEmpty(), "no description of the failure");
    QVERIFY2(said.contains(description), qPrintable(said));
    QVERIFY2(!said.contains(u"s3cr3t"_s), qPrintable(said));
    QVERIFY2(!response->errorString.contains(u"s3cr3t"_s), qPrintable(response->errorString));
    QCOMPARE(client.pending(), 0);
}

void TstHttpClient::keepAliveReusesTheConnection()
{
    KeepAliveServer server;
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/v2/"_s);
    for (int n = 1; n <= 3; ++n) {
        const std::optional<HttpResponse> response = run(client, request);
        QVERIFY(response);
        QVERIFY2(!response->failed(), qPrintable(response->errorString));
        QCOMPARE(response->body, "1:" + QByteArray::number(n));
    }
    QCOMPARE(server.accepted(), 1);
    QCOMPARE(client.connections(), 1);
}

void TstHttpClient::staleConnectionIsRetried()
{
    // Each connection serves one response and closes on the second request: the client sends
    // that request again on a new connection.
    KeepAliveServer server(1);
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/v2/"_s);
    for (int n = 1; n <= 5; ++n) {
        const std::optional<HttpResponse> response = run(client, request);
        QVERIFY(response);
        QVERIFY2(!response->failed(), qPrintable(response->errorString));
        QCOMPARE(response->body, QByteArray::number(n) + ":1");
    }
    QCOMPARE(server.accepted(), 5);
}

void TstHttpClient::atMostSixConnectionsPerOrigin()
{
    KeepAliveServer server(0, 30);
    HttpClient client;
    HttpRequest request;
    request.url = httpUrl(server.port(), u"/v2/"_s);
    int answered = 0;
    QEventLoop loop;
    QTimer::singleShot(10'000, &loop, &QEventLoop::quit);
    for (int i = 0; i < 30; ++i)
        client.send(request, [&](HttpResponse response) {
            QVERIFY2(!response.failed(), qPrintable(response.errorString));
            if (++answered == 30)
                loop.quit();
        });
    loop.exec();
    QCOMPARE(answered, 30);
    QCOMPARE(server.accepted(), HttpClient::MaxConnectionsPerOrigin);
    QCOMPARE(server.mostAtOnce(), HttpClient::MaxConnectionsPerOrigin);
    QCOMPARE(client.pending(), 0);
}

void TstHttpClient::httpsToPlainServer()
{
    FakeServer server([](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {}, "plain");
    });
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    HttpClient client;
    HttpRequest request;
    request.url = url(u"https"_s, u"127.0.0.1"_s, server.port(), u"/v2/"_s);
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY(response->failed());
    QCOMPARE(response->status, 0);
    QCOMPARE(http::categoryForTransport(*response), Category::Tls);
    QVERIFY(response->tlsNotSpoken);
    QVERIFY(server.requests().isEmpty());
}

void TstHttpClient::handshakeTimeout()
{
    // A plain HTTP server that waits for a line end the ClientHello does not hold.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    HttpClient client;
    HttpRequest request;
    request.url = url(u"https"_s, u"127.0.0.1"_s, silent.serverPort(), u"/v2/"_s);
    request.timeoutMs = 10'000;
    request.tls.handshakeTimeoutMs = 300;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY(response->failed());
    QVERIFY(!response->timedOut);
    QVERIFY(response->tlsNotSpoken);
    QCOMPARE(response->error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(response->errorString, u"tls: no handshake within 0.3 s"_s);
    QVERIFY2(response->elapsedMs < 2000, qPrintable(QString::number(response->elapsedMs)));
    QCOMPARE(client.connections(), 0);
}

void TstHttpClient::untrustedCertificate()
{
    if (!m_tlsProblem.isEmpty())
        QSKIP(qPrintable(m_tlsProblem));
    auto *tls = new QSslServer;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_certificate);
    configuration.setPrivateKey(m_key);
    tls->setSslConfiguration(configuration);
    FakeServer server(
        [](const Request &request, QTcpSocket *socket) {
            respond(socket, request, "200 OK", {}, "secret content");
        },
        tls);

    HttpClient client;
    HttpRequest request;
    request.url = url(u"https"_s, u"127.0.0.1"_s, server.port(), u"/v2/"_s);
    request.authorization = Secret;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY(response->failed());
    QCOMPARE(response->status, 0);
    QCOMPARE(response->error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(http::categoryForTransport(*response), Category::Tls);
    QVERIFY2(response->errorString.startsWith(u"tls: x509: certificate signed by unknown authority"_s),
             qPrintable(response->errorString));
    QVERIFY(response->certificateRejected);
    QVERIFY(!response->tlsNotSpoken);
    // The credentials never reach a server whose certificate was not accepted.
    QVERIFY(server.requests().isEmpty());
}

void TstHttpClient::httpsRedirects_data()
{
    QTest::addColumn<QByteArray>("location"); // {A}: the TLS server's port, {B}: the plain one's
    QTest::addColumn<bool>("followed");

    QTest::newRow("https to https, same origin") << QByteArray("/final") << true;
    QTest::newRow("https to http, same host and port")
        << QByteArray("http://127.0.0.1:{A}/final") << false;
    QTest::newRow("https to http, other port")
        << QByteArray("http://127.0.0.1:{B}/final?sig=s3cr3t") << false;
}

void TstHttpClient::httpsRedirects()
{
    QFETCH(QByteArray, location);
    QFETCH(bool, followed);
    if (!m_tlsProblem.isEmpty())
        QSKIP(qPrintable(m_tlsProblem));

    // Trust the test certificate for this test only.
    const QSslConfiguration saved = QSslConfiguration::defaultConfiguration();
    QSslConfiguration trusting = saved;
    trusting.addCaCertificate(m_certificate);
    QSslConfiguration::setDefaultConfiguration(trusting);
    const auto restore = qScopeGuard([&] { QSslConfiguration::setDefaultConfiguration(saved); });

    FakeServer plain([](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {}, "plain");
    });
    auto *tls = new QSslServer;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_certificate);
    configuration.setPrivateKey(m_key);
    tls->setSslConfiguration(configuration);
    quint16 tlsPort = 0;
    FakeServer server(
        [&](const Request &request, QTcpSocket *socket) {
            if (request.target == "/start")
                redirect(socket, request, 302, withPorts(location, tlsPort, plain.port()));
            else
                respond(socket, request, "200 OK", {}, "over TLS");
        },
        tls);
    tlsPort = server.port();

    HttpClient client;
    HttpRequest request;
    request.url = url(u"https"_s, u"127.0.0.1"_s, tlsPort, u"/start"_s);
    request.authorization = Secret;
    const std::optional<HttpResponse> response = run(client, request);
    QVERIFY(response);
    QVERIFY(!server.requests().isEmpty());
    QCOMPARE(server.requests().first().header("Authorization"), Secret);
    if (followed) {
        QVERIFY2(!response->failed(), qPrintable(response->errorString));
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("over TLS"));
        QCOMPARE(server.requests().size(), 2);
        QCOMPARE(server.requests().at(1).header("Authorization"), Secret);
        return;
    }
    QVERIFY(response->failed());
    QCOMPARE(response->status, 0);
    QCOMPARE(response->error, QNetworkReply::InsecureRedirectError);
    QCOMPARE(http::categoryForTransport(*response), Category::Transport);
    QVERIFY2(response->errorString.startsWith(u"refused to follow a redirect from https to http"_s),
             qPrintable(response->errorString));
    QVERIFY2(!response->errorString.contains(u"s3cr3t"_s), qPrintable(response->errorString));
    QCOMPARE(response->redirects, 0);
    QCOMPARE(server.requests().size(), 1);
    QVERIFY(plain.requests().isEmpty());
}

void TstHttpClient::largeBodyOverTls()
{
    if (!m_tlsProblem.isEmpty())
        QSKIP(qPrintable(m_tlsProblem));
    // More than the read buffer holds, over TLS, where Qt's buffering is its own: every byte
    // arrives and is hashed, nothing stalls.
    const QByteArray blob = pattern(5 << 20);
    auto *tls = new QSslServer;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_certificate);
    configuration.setPrivateKey(m_key);
    tls->setSslConfiguration(configuration);
    FakeServer server([&](const Request &request, QTcpSocket *socket) {
        respond(socket, request, "200 OK", {}, blob);
    }, tls);
    HttpClient client;
    HttpRequest request;
    request.url = url(u"https"_s, u"127.0.0.1"_s, server.port(), u"/v2/app/blobs/sha256:x"_s);
    request.keepBody = false;
    request.tls.caCertificates = {m_certificate};
    const std::optional<HttpResponse> response = run(client, request, 30'000);
    QVERIFY(response);
    QVERIFY2(!response->failed(), qPrintable(response->errorString));
    QCOMPARE(response->bodyBytes, qint64(blob.size()));
    QCOMPARE(response->bodySha256, sha256Hex(blob));
}

QTEST_GUILESS_MAIN(TstHttpClient)
#include "tst_httpclient.moc"
