#include "registry/ProbeRecorder.h"
#include "registry/ProbeResult.h"
#include "registry/RegistryClient.h"
#include "net/HttpFailure.h"

#include "testutil.h"
#include <QDateTime>

#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;
using namespace pw;

Q_DECLARE_METATYPE(pw::Category)
Q_DECLARE_METATYPE(std::optional<int>)

namespace {

constexpr qint64 Now = 1'700'000'000'000; // 2023-11-14T22:13:20Z

// JSON written with single quotes for readability.
QByteArray json(QString text)
{
    return text.replace(u'\'', u'"').toUtf8();
}

} // namespace

class TstProbeResult : public QObject
{
    Q_OBJECT

private slots:
    void registryErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QStringList>("codes");

        QTest::newRow("OCI error with detail")
            << json(u"{'errors':[{'code':'MANIFEST_UNKNOWN','message':'manifest unknown',"
                    u"'detail':{'Tag':'nope'}}]}"_s)
            << u"MANIFEST_UNKNOWN: manifest unknown"_s << QStringList{u"MANIFEST_UNKNOWN"_s};
        QTest::newRow("several errors joined")
            << json(u"{'errors':[{'code':'UNAUTHORIZED','message':'authentication required'},"
                    u"{'code':'DENIED','message':'requested access to the resource is denied'}]}"_s)
            << u"UNAUTHORIZED: authentication required; DENIED: requested access to the "
               u"resource is denied"_s
            << QStringList{u"UNAUTHORIZED"_s, u"DENIED"_s};
        QTest::newRow("lower-case code is upper-cased for matching")
            << json(u"{'errors':[{'code':'toomanyrequests','message':'slow down'}]}"_s)
            << u"toomanyrequests: slow down"_s << QStringList{u"TOOMANYREQUESTS"_s};
        QTest::newRow("error with only a message")
            << json(u"{'errors':[{'message':'no such image'}]}"_s) << u"no such image"_s
            << QStringList{};
        QTest::newRow("error with only a code")
            << json(u"{'errors':[{'code':'NAME_UNKNOWN'}]}"_s) << u"NAME_UNKNOWN"_s
            << QStringList{u"NAME_UNKNOWN"_s};
        // Nixery answers with this JSON as text/plain, trailing newline included.
        QTest::newRow("nixery JSON served as text/plain")
            << json(u"{'errors':[{'code':'MANIFEST_UNKNOWN','message':'Could not find Nix "
                    u"packages: nosuchpkg'}]}\n"_s)
            << u"MANIFEST_UNKNOWN: Could not find Nix packages: nosuchpkg"_s
            << QStringList{u"MANIFEST_UNKNOWN"_s};
        QTest::newRow("HTML error page says nothing")
            << QByteArray("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>"
                          "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
            << QString() << QStringList{};
        QTest::newRow("HTML after leading blank lines")
            << QByteArray("\n\n  <!DOCTYPE html><html><body>Oops</body></html>") << QString()
            << QStringList{};
        QTest::newRow("plain text: first line only")
            << QByteArray("  404 page not found\nsecond line\n") << u"404 page not found"_s
            << QStringList{};
        QTest::newRow("binary body says nothing")
            << QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 18) << QString()
            << QStringList{};
        QTest::newRow("invalid UTF-8 says nothing")
            << QByteArray("bad \xff\xfe bytes") << QString() << QStringList{};
        QTest::newRow("empty body") << QByteArray() << QString() << QStringList{};
        QTest::newRow("long text cut at 200 characters")
            << QByteArray(300, 'a') << QString(200, u'a') + u"…"_s << QStringList{};
        QTest::newRow("text of exactly 200 characters kept whole")
            << QByteArray(200, 'b') << QString(200, u'b') << QStringList{};
    }

    void registryErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        QFETCH(QStringList, codes);
        QCOMPARE(probe::registryErrors(body), message);
        QCOMPARE(probe::registryErrorCodes(body), codes);
    }

    void categoryForStatus_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QStringList>("codes");
        QTest::addColumn<Category>("category");

        const QStringList none;
        QTest::newRow("401") << 401 << QStringList{u"UNAUTHORIZED"_s} << Category::Auth;
        QTest::newRow("401 without body") << 401 << none << Category::Auth;
        QTest::newRow("403") << 403 << QStringList{u"DENIED"_s} << Category::Auth;
        QTest::newRow("404") << 404 << QStringList{u"MANIFEST_UNKNOWN"_s} << Category::NotFound;
        QTest::newRow("404 without body") << 404 << none << Category::NotFound;
        QTest::newRow("410") << 410 << none << Category::NotFound;
        QTest::newRow("429") << 429 << none << Category::RateLimit;
        QTest::newRow("429 with TOOMANYREQUESTS")
            << 429 << QStringList{u"TOOMANYREQUESTS"_s} << Category::RateLimit;
        QTest::newRow("500") << 500 << none << Category::ServerError;
        QTest::newRow("502") << 502 << none << Category::ServerError;
        QTest::newRow("503") << 503 << none << Category::ServerError;
        // Registries answer a manifest they cannot serve with 400 as well (protocols.md §1.2).
        QTest::newRow("400 MANIFEST_UNKNOWN")
            << 400 << QStringList{u"MANIFEST_UNKNOWN"_s} << Category::NotFound;
        QTest::newRow("400 NAME_INVALID")
            << 400 << QStringList{u"NAME_INVALID"_s} << Category::NotFound;
        QTest::newRow("400 MANIFEST_INVALID")
            << 400 << QStringList{u"MANIFEST_INVALID"_s} << Category::Unknown;
        QTest::newRow("400 DENIED") << 400 << QStringList{u"DENIED"_s} << Category::Auth;
        QTest::newRow("400 without body") << 400 << none << Category::Unknown;
        QTest::newRow("200 with TOOMANYREQUESTS")
            << 200 << QStringList{u"TOOMANYREQUESTS"_s} << Category::RateLimit;
        QTest::newRow("503 with TOOMANYREQUESTS")
            << 503 << QStringList{u"TOOMANYREQUESTS"_s} << Category::RateLimit;
        QTest::newRow("403 with TOOMANYREQUESTS")
            << 403 << QStringList{u"TOOMANYREQUESTS"_s} << Category::RateLimit;
    }

    void categoryForStatus()
    {
        QFETCH(int, status);
        QFETCH(QStringList, codes);
        QFETCH(Category, category);
        QCOMPARE(probe::categoryForStatus(status, codes), category);
    }

    void parseRateLimitCount_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<std::optional<int>>("count");

        QTest::newRow("Docker Hub limit") << QByteArray("100;w=21600") << std::optional<int>(100);
        QTest::newRow("Docker Hub remaining with spaces")
            << QByteArray(" 76 ; w=21600") << std::optional<int>(76);
        QTest::newRow("zero remaining") << QByteArray("0") << std::optional<int>(0);
        QTest::newRow("not a number") << QByteArray("x") << std::optional<int>();
        QTest::newRow("absent") << QByteArray() << std::optional<int>();
        QTest::newRow("negative") << QByteArray("-1") << std::optional<int>();
    }

    void parseRateLimitCount()
    {
        QFETCH(QByteArray, value);
        QFETCH(std::optional<int>, count);
        const std::optional<int> parsed = probe::parseRateLimitCount(value);
        QCOMPARE(parsed.has_value(), count.has_value());
        if (count)
            QCOMPARE(*parsed, *count);
    }

    void parseRetryAfter_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<qint64>("waitMs");

        const auto rfc2822Date = [](qint64 ms) {
            return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::RFC2822Date).toLatin1();
        };
        QTest::newRow("seconds") << QByteArray("120") << 120'000LL;
        QTest::newRow("seconds with spaces") << QByteArray(" 1 ") << 1'000LL;
        QTest::newRow("zero seconds") << QByteArray("0") << 0LL;
        QTest::newRow("more than a day is capped") << QByteArray("9999999") << 24LL * 3600 * 1000;
        QTest::newRow("negative seconds") << QByteArray("-5") << -1LL;
        // RFC 9110 §5.6.7: an HTTP date is the IMF-fixdate, always in "GMT".
        QTest::newRow("HTTP date 90 s ahead")
            << QByteArray("Tue, 14 Nov 2023 22:14:50 GMT") << 90'000LL;
        QTest::newRow("HTTP date in the past")
            << QByteArray("Tue, 14 Nov 2023 22:12:20 GMT") << 0LL;
        QTest::newRow("RFC 2822 date with numeric zone 90 s ahead")
            << rfc2822Date(Now + 90'000) << 90'000LL;
        QTest::newRow("RFC 2822 date with numeric zone in the past")
            << rfc2822Date(Now - 60'000) << 0LL;
        QTest::newRow("garbage") << QByteArray("soon") << -1LL;
        QTest::newRow("absent") << QByteArray() << -1LL;
    }

    void parseRetryAfter()
    {
        QFETCH(QByteArray, value);
        QFETCH(qint64, waitMs);
        QCOMPARE(http::parseRetryAfter(value, Now), waitMs);
    }

    void toEvent_data()
    {
        QTest::addColumn<bool>("ok");
        QTest::addColumn<Category>("category");
        QTest::addColumn<Category>("eventCategory");

        QTest::newRow("failure keeps its category")
            << false << Category::NotFound << Category::NotFound;
        QTest::newRow("success has no category, whatever was set")
            << true << Category::ServerError << Category::None;
    }

    void toEvent()
    {
        QFETCH(bool, ok);
        QFETCH(Category, category);
        QFETCH(Category, eventCategory);

        ProbeResult result;
        result.reference = *ImageReference::parse(u"ghcr.io/acme/app:1.2"_s);
        result.startedAtMs = Now;
        result.ok = ok;
        result.category = category;
        result.httpStatus = 404;
        result.digest = u"sha256:"_s + QString(64, u'a');
        result.latencyMs = 321;
        result.bytes = 4096;
        result.message = u"manifest: HTTP 404 MANIFEST_UNKNOWN: manifest unknown"_s;
        result.step = u"manifest"_s;
        result.cold = true;

        const PullEvent event = result.toEvent();
        QCOMPARE(event.ts, Now);
        QCOMPARE(event.source, Source::Probe);
        QCOMPARE(event.image, u"ghcr.io/acme/app:1.2"_s);
        QCOMPARE(event.registry, u"ghcr.io"_s);
        QCOMPARE(event.ok, ok);
        QCOMPARE(event.category, eventCategory);
        QCOMPARE(event.httpStatus, 404);
        QCOMPARE(event.latencyMs, 321LL);
        QCOMPARE(event.bytes, 4096LL);
        QCOMPARE(event.digest, result.digest);
        QCOMPARE(event.message, result.message);
        QCOMPARE(event.rule, u"manifest"_s);
        QCOMPARE(event.cold, true);
        QVERIFY(event.ci.isEmpty());
    }

    void toEventTruncatesLongMessages_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("expected");

        QTest::newRow("ASCII over 2 KiB") << QString(5000, u'x') << QString(2048, u'x');
        QTest::newRow("exactly 2 KiB kept") << QString(2048, u'y') << QString(2048, u'y');
        // "é" is two bytes of UTF-8: 2047 bytes of ASCII leave no room for it.
        QTest::newRow("multi-byte character not split")
            << QString(2047, u'z') + u"é and more"_s << QString(2047, u'z');
    }

    void toEventTruncatesLongMessages()
    {
        QFETCH(QString, message);
        QFETCH(QString, expected);
        ProbeResult result;
        result.reference = *ImageReference::parse(u"busybox"_s);
        result.message = message;
        const PullEvent event = result.toEvent();
        QCOMPARE(event.message, expected);
        QVERIFY(event.message.toUtf8().size() <= PullEvent::MaxMessageBytes);
    }

    // A successful probe of an on-demand registry that sees a new digest is cold; the same
    // digest again is warm; other registries are never cold. "on_demand" decides, nixery.dev
    // by default; on-demand registries get the long timeout too.
    void coldPullsOfOnDemandRegistries()
    {
        const auto result = [](const QString &ref, const QString &digest) {
            ProbeResult r;
            r.reference = *ImageReference::parse(ref);
            r.ok = true;
            r.digest = digest;
            return r;
        };
        const QString a = u"sha256:"_s + QString(64, u'a');
        const QString b = u"sha256:"_s + QString(64, u'b');
        ProbeRecorder recorder;
        RegistryConfig own;
        own.host = u"nix.example.org:8443"_s;
        own.onDemand = true;
        recorder.setRegistries({own});
        QList<bool> cold;
        for (const auto &[ref, digest] :
             {std::pair{u"nixery.dev/shell/jq"_s, a}, {u"nixery.dev/shell/jq"_s, a},
              {u"nixery.dev/shell/jq"_s, b}, {u"nix.example.org:8443/shell/jq"_s, a},
              {u"nix.example.org:8443/shell/jq"_s, a}, {u"ghcr.io/acme/app"_s, a},
              {u"ghcr.io/acme/app"_s, b}}) {
            ProbeResult r = result(ref, digest);
            recorder.markCold(r);
            cold.push_back(r.cold);
        }
        QCOMPARE(cold, (QList<bool>{true, false, true, true, false, false, false}));

        RegistryConfig off;
        off.host = u"nixery.dev"_s;
        off.onDemand = false;
        recorder.setRegistries({off});
        ProbeResult r = result(u"nixery.dev/shell/git"_s, a);
        recorder.markCold(r);
        QVERIFY(!r.cold);

        RegistryClient client({own}, CredentialStore({}, {}));
        QCOMPARE(client.defaultTimeoutMs(*ImageReference::parse(u"nix.example.org:8443/shell"_s)),
                 RegistryClient::OnDemandTimeoutMs);
        QCOMPARE(client.defaultTimeoutMs(*ImageReference::parse(u"nixery.dev/shell"_s)),
                 RegistryClient::OnDemandTimeoutMs);
        QCOMPARE(client.defaultTimeoutMs(*ImageReference::parse(u"ghcr.io/acme/app"_s)),
                 RegistryClient::DefaultTimeoutMs);
    }
};

QTEST_GUILESS_MAIN(TstProbeResult)
#include "tst_proberesult.moc"
