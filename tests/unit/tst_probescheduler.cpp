#include "registry/ProbeScheduler.h"
#include "registry/RegistryClient.h"

#include "testutil.h"
#include <QCryptographicHash>
#include <QDateTime>
#include <QPointer>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <QTest>

#include <sys/socket.h>

#include <cerrno>

using namespace Qt::StringLiterals;
using namespace pw;

// Declared first: moc must see the test class before any string that holds a URL.
class TstProbeScheduler : public QObject
{
    Q_OBJECT

private slots:
    void repeatsAtTheInterval();
    void hangingProbeIsNeverDoubled();
    void rateLimitedHostIsLeftAlone();
    void perHostLimit_data();
    void perHostLimit();
    void stopLetsRunningProbesFinish();
    void stopBeforeStart();
};

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Whether the client still holds its end of the connection (it closes it on a timeout).
bool peerConnected(QTcpSocket *socket)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return false;
    char byte = 0;
    const ssize_t n =
        ::recv(static_cast<int>(socket->socketDescriptor()), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

// A registry on 127.0.0.1 that answers `HEAD/GET /v2/<repo>/manifests/<tag>` per repository:
// 200 with a digest, never, or 429 with Retry-After: 1. Counts the requests it holds open.
class FakeRegistry : public QObject
{
public:
    enum class Behaviour
    {
        Ok,
        Hang,
        TooManyRequests,
    };

    struct Seen
    {
        QByteArray method;
        QString repository;
        qint64 atMs = 0;
        int openForRepository = 0; // requests of this repository open, this one included
        int openForHost = 0;
    };

    FakeRegistry()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen on 127.0.0.1: %s", qPrintable(m_server.errorString()));
    }

    void setBehaviour(const QString &repository, Behaviour behaviour)
    {
        m_behaviour.insert(repository, behaviour);
    }

    // "127.0.0.1:PORT", as image references name it.
    QString registry() const { return u"127.0.0.1:%1"_s.arg(m_server.serverPort()); }
    static QString digestOf(const QString &repository)
    {
        return u"sha256:"_s +
               QString::fromLatin1(
                   QCryptographicHash::hash(repository.toUtf8(), QCryptographicHash::Sha256)
                       .toHex());
    }

    ImageConfig image(const QString &repository, qint64 intervalMs, qint64 timeoutMs = 0) const
    {
        ImageConfig config;
        config.ref = registry() + u'/' + repository + u":1"_s;
        config.canonical = ImageReference::parse(config.ref)->canonical();
        config.intervalMs = intervalMs;
        config.timeoutMs = timeoutMs;
        return config;
    }

    const QList<Seen> &seen() const { return m_seen; }
    QList<Seen> heads(const QString &repository) const
    {
        QList<Seen> result;
        for (const Seen &s : m_seen) {
            if (s.method == "HEAD" && s.repository == repository)
                result.append(s);
        }
        return result;
    }
    int maxOpenFor(const QString &repository) const
    {
        int most = 0;
        for (const Seen &s : m_seen) {
            if (s.repository == repository)
                most = std::max(most, s.openForRepository);
        }
        return most;
    }
    int maxOpenForHost() const
    {
        int most = 0;
        for (const Seen &s : m_seen)
            most = std::max(most, s.openForHost);
        return most;
    }

private:
    void read(QTcpSocket *socket)
    {
        if (socket->property("handled").toBool()) {
            socket->readAll();
            return;
        }
        const QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
        if (buffer.startsWith('\x16')) { // a TLS ClientHello: a plain HTTP server says 400
            socket->setProperty("handled", true);
            socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        if (!buffer.contains("\r\n\r\n")) {
            socket->setProperty("buffer", buffer);
            return;
        }
        socket->setProperty("handled", true);
        const QList<QByteArray> requestLine = buffer.left(buffer.indexOf('\r')).split(' ');
        const QByteArray method = requestLine.value(0);
        const QByteArray target = requestLine.value(1);
        if (target == "/v2/") { // the client's one API version check per registry
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            socket->disconnectFromHost();
            return;
        }
        const qsizetype manifests = target.indexOf("/manifests/");
        const QString repository =
            manifests > 4 ? QString::fromUtf8(target.mid(4, manifests - 4)) : QString();

        // Connections the client gave up on count no more, even before we read their EOF.
        m_open.removeIf([](const auto &open) { return !peerConnected(open.second); });
        Seen seen{method, repository, now(), 1, 1};
        for (const auto &[openRepository, openSocket] : std::as_const(m_open)) {
            ++seen.openForHost;
            if (openRepository == repository)
                ++seen.openForRepository;
        }
        m_seen.append(seen);

        const Behaviour behaviour = m_behaviour.value(repository, Behaviour::Ok);
        if (behaviour == Behaviour::Hang) {
            m_open.append({repository, socket});
            return;
        }
        QByteArray body;
        QByteArray headers;
        QByteArray status;
        if (behaviour == Behaviour::Ok && manifests > 0) {
            status = "200 OK";
            headers = "Docker-Content-Digest: " + digestOf(repository).toLatin1() +
                      "\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n";
        } else if (behaviour == Behaviour::TooManyRequests) {
            status = "429 Too Many Requests";
            headers = "Retry-After: 1\r\nContent-Type: application/json\r\n";
            body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}";
        } else {
            status = "404 Not Found";
        }
        QByteArray out = "HTTP/1.1 " + status + "\r\n" + headers +
                         "Content-Length: " + QByteArray::number(body.size()) +
                         "\r\nConnection: close\r\n\r\n";
        if (method != "HEAD")
            out += body;
        socket->write(out);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QString, Behaviour> m_behaviour;
    QList<std::pair<QString, QPointer<QTcpSocket>>> m_open; // hanging requests
    QList<Seen> m_seen;
};

// A RegistryClient that reads no real credentials: an empty Docker config, no environment.
struct Client
{
    QTemporaryDir dockerConfig;
    RegistryClient client{
        {}, CredentialStore(dockerConfig.path(), QProcessEnvironment()), QProcessEnvironment()};
};

// Every result, per image.
struct Results
{
    QHash<QString, QList<ProbeResult>> byImage;

    void watch(ProbeScheduler &scheduler)
    {
        QObject::connect(&scheduler, &ProbeScheduler::probed, &scheduler,
                         [this](const ProbeResult &result) {
                             byImage[result.reference.canonical()].append(result);
                         });
    }
    QList<ProbeResult> of(const ImageConfig &image) const { return byImage.value(image.canonical); }
};

QString describe(const QList<ProbeResult> &results)
{
    QStringList lines;
    for (const ProbeResult &r : results)
        lines.append(u"%1 %2 %3"_s.arg(r.ok).arg(categoryId(r.category), r.message));
    return lines.join(u" | "_s);
}

} // namespace

void TstProbeScheduler::repeatsAtTheInterval()
{
    FakeRegistry registry;
    Client client;
    const ImageConfig fast = registry.image(u"app/fast"_s, 200);
    const ImageConfig slow = registry.image(u"app/slow"_s, 500);
    Results results;
    ProbeScheduler scheduler({fast, slow}, &client.client, 6);
    results.watch(scheduler);

    QCOMPARE(scheduler.imageCount(), qsizetype(2));
    scheduler.start();
    QTest::qWait(1600);
    scheduler.stop();
    QTRY_COMPARE(scheduler.running(), 0);

    // 1.6 s at 200 ms ± 10 %: 8 or 9 probes; at 500 ms: 3 or 4. A loaded machine may fall behind.
    const QList<ProbeResult> fastResults = results.of(fast);
    const QList<ProbeResult> slowResults = results.of(slow);
    QVERIFY2(fastResults.size() >= 5 && fastResults.size() <= 10,
             qPrintable(u"%1 probes of the 200 ms image"_s.arg(fastResults.size())));
    QVERIFY2(slowResults.size() >= 2 && slowResults.size() <= 4,
             qPrintable(u"%1 probes of the 500 ms image"_s.arg(slowResults.size())));
    QVERIFY(fastResults.size() > slowResults.size());
    QCOMPARE(registry.heads(u"app/fast"_s).size(), fastResults.size());
    QCOMPARE(registry.heads(u"app/slow"_s).size(), slowResults.size());

    for (const ProbeResult &result : fastResults + slowResults) {
        QVERIFY2(result.ok, qPrintable(result.message));
        QCOMPARE(result.category, Category::None);
        QCOMPARE(result.httpStatus, 200);
        QCOMPARE(result.digest, FakeRegistry::digestOf(result.reference.repository));
        QCOMPARE(result.step, u"head"_s);
    }
    // Successive probes of one image start about one interval apart, never in a burst.
    // (200 ms - 10 % jitter = 180 ms; startedAtMs is when each probe began.)
    for (qsizetype i = 1; i < fastResults.size(); ++i) {
        const qint64 gap = fastResults.at(i).startedAtMs - fastResults.at(i - 1).startedAtMs;
        QVERIFY2(gap >= 175, qPrintable(u"probes %1 ms apart"_s.arg(gap)));
    }
}

void TstProbeScheduler::hangingProbeIsNeverDoubled()
{
    FakeRegistry registry;
    registry.setBehaviour(u"app/hang"_s, FakeRegistry::Behaviour::Hang);
    Client client;
    const ImageConfig hang = registry.image(u"app/hang"_s, 100, 1000);
    const ImageConfig fine = registry.image(u"app/fine"_s, 200);
    Results results;
    ProbeScheduler scheduler({hang, fine}, &client.client, 6);
    results.watch(scheduler);

    scheduler.start();
    QTest::qWait(2600);

    // The hanging image's 100 ms turns pass while its probe runs: one probe per timeout.
    QCOMPARE(registry.maxOpenFor(u"app/hang"_s), 1);
    const qsizetype hangProbes = registry.heads(u"app/hang"_s).size();
    QVERIFY2(hangProbes >= 2 && hangProbes <= 3, qPrintable(u"%1 probes"_s.arg(hangProbes)));
    const QList<ProbeResult> hangResults = results.of(hang);
    QVERIFY2(hangResults.size() >= 2, qPrintable(describe(hangResults)));
    for (const ProbeResult &result : hangResults) {
        // 1 s, give or take the 5 % (and a few ms) a coarse timer may fire early.
        QVERIFY(!result.ok);
        QCOMPARE(result.category, Category::Timeout);
        QVERIFY2(result.latencyMs >= 900 && result.latencyMs < 2500,
                 qPrintable(u"timed out after %1 ms"_s.arg(result.latencyMs)));
    }

    // Meanwhile the other image of the same host keeps its rhythm.
    const QList<ProbeResult> fineResults = results.of(fine);
    QVERIFY2(fineResults.size() >= 9, qPrintable(u"%1 probes"_s.arg(fineResults.size())));
    for (const ProbeResult &result : fineResults)
        QVERIFY2(result.ok, qPrintable(result.message));
}

void TstProbeScheduler::rateLimitedHostIsLeftAlone()
{
    FakeRegistry limited;
    limited.setBehaviour(u"app/limited"_s, FakeRegistry::Behaviour::TooManyRequests);
    FakeRegistry other;
    Client client;
    const ImageConfig limitedImage = limited.image(u"app/limited"_s, 100);
    const ImageConfig otherImage = other.image(u"app/other"_s, 100);
    qint64 rateLimitedAtMs = 0;
    qint64 backoffUntilMs = 0;
    ProbeResult first;
    ProbeScheduler scheduler({limitedImage, otherImage}, &client.client, 6);
    connect(&scheduler, &ProbeScheduler::probed, &scheduler, [&](const ProbeResult &result) {
        if (rateLimitedAtMs == 0 && result.reference.registry == limited.registry()) {
            rateLimitedAtMs = now();
            backoffUntilMs = client.client.backoffUntilMs(limited.registry());
            first = result;
        }
    });
    scheduler.start();
    QTRY_VERIFY_WITH_TIMEOUT(rateLimitedAtMs > 0, 2000);

    QVERIFY2(!first.ok, qPrintable(first.message));
    QCOMPARE(first.category, Category::RateLimit);
    QCOMPARE(first.httpStatus, 429);
    QCOMPARE(first.retryAfterMs, 1000LL);
    QVERIFY2(first.message.contains(u"TOOMANYREQUESTS"_s), qPrintable(first.message));
    QVERIFY2(backoffUntilMs > rateLimitedAtMs && backoffUntilMs <= rateLimitedAtMs + 1100,
             qPrintable(u"back-off until %1 ms from now"_s.arg(backoffUntilMs - rateLimitedAtMs)));
    QCOMPARE(client.client.backoffUntilMs(other.registry()), 0LL);

    // Probing resumes after the back-off, and not before.
    const qsizetype otherBefore = other.heads(u"app/other"_s).size();
    QTRY_VERIFY_WITH_TIMEOUT(limited.heads(u"app/limited"_s).size() >= 2, 4000);
    const QList<FakeRegistry::Seen> heads = limited.heads(u"app/limited"_s);
    const qint64 quiet = heads.at(1).atMs - rateLimitedAtMs;
    QVERIFY2(quiet >= 950, qPrintable(u"probed again after %1 ms"_s.arg(quiet)));
    // The other registry was probed all along.
    const qsizetype otherDuring = other.heads(u"app/other"_s).size() - otherBefore;
    QVERIFY2(otherDuring >= 5, qPrintable(u"%1 probes of the other registry"_s.arg(otherDuring)));
    scheduler.stop();
}

void TstProbeScheduler::perHostLimit_data()
{
    QTest::addColumn<int>("schedulerLimit");
    QTest::addColumn<int>("clientLimit");

    QTest::newRow("scheduler limit 2") << 2 << RegistryClient::DefaultMaxPerHost;
    QTest::newRow("client limit 2") << RegistryClient::DefaultMaxPerHost << 2;
    QTest::newRow("both 2, as serve configures them") << 2 << 2;
}

void TstProbeScheduler::perHostLimit()
{
    QFETCH(int, schedulerLimit);
    QFETCH(int, clientLimit);

    FakeRegistry registry;
    QList<ImageConfig> images;
    for (int i = 1; i <= 5; ++i) {
        const QString repository = u"app/hang%1"_s.arg(i);
        registry.setBehaviour(repository, FakeRegistry::Behaviour::Hang);
        images.append(registry.image(repository, 100, 1000));
    }
    Client client;
    client.client.setMaxPerHost(clientLimit);
    ProbeScheduler scheduler(images, &client.client, schedulerLimit);
    scheduler.start();
    QTest::qWait(1400);

    QCOMPARE(registry.maxOpenForHost(), 2);
    QVERIFY(client.client.running(registry.registry()) <= 2);
    // Slots freed by the first timeouts (after 1 s) went to waiting images.
    QVERIFY2(registry.seen().size() >= 3 && registry.seen().size() <= 4,
             qPrintable(u"%1 requests"_s.arg(registry.seen().size())));
    scheduler.stop();
}

void TstProbeScheduler::stopLetsRunningProbesFinish()
{
    FakeRegistry registry;
    registry.setBehaviour(u"app/hang"_s, FakeRegistry::Behaviour::Hang);
    Client client;
    const ImageConfig hang = registry.image(u"app/hang"_s, 100, 1000);
    const ImageConfig fine = registry.image(u"app/fine"_s, 100);
    Results results;
    int idles = 0;
    ProbeScheduler scheduler({hang, fine}, &client.client, 6);
    results.watch(scheduler);
    connect(&scheduler, &ProbeScheduler::idle, &scheduler, [&] { ++idles; });

    scheduler.start();
    QTest::qWait(300);
    QVERIFY(results.of(hang).isEmpty());
    QVERIFY(!results.of(fine).isEmpty());
    scheduler.stop();
    QCOMPARE(idles, 0); // the hanging probe still runs
    QVERIFY(scheduler.running() >= 1);

    QTRY_COMPARE_WITH_TIMEOUT(idles, 1, 2000);
    QCOMPARE(scheduler.running(), 0);
    // The running probe reported after stop().
    QCOMPARE(results.of(hang).size(), qsizetype(1));
    QCOMPARE(results.of(hang).first().category, Category::Timeout);

    // No new probes: nothing reaches the registry any more.
    const qsizetype requestsAtStop = registry.seen().size();
    QTest::qWait(400);
    QCOMPARE(registry.seen().size(), requestsAtStop);
    QCOMPARE(idles, 1);
}

void TstProbeScheduler::stopBeforeStart()
{
    FakeRegistry registry;
    Client client;
    int idles = 0;
    ProbeScheduler scheduler({registry.image(u"app/fine"_s, 100)}, &client.client, 6);
    connect(&scheduler, &ProbeScheduler::idle, &scheduler, [&] { ++idles; });
    scheduler.stop();
    QCOMPARE(idles, 1);
    QTest::qWait(300);
    QCOMPARE(idles, 1);
    QVERIFY(registry.seen().isEmpty());
}

QTEST_GUILESS_MAIN(TstProbeScheduler)
#include "tst_probescheduler.moc"
