#include "registry/TokenCache.h"

#include <QDateTime>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

// Distinctive so that a leak into an error message cannot match by accident.
const QString Secret = u"eyJhbGciOiJSUzI1NiJ9.s3cr3t-t0ken.Zm9vYmFy"_s;
const QByteArray SecretBytes = Secret.toLatin1();

constexpr qint64 T0 = 1'700'000'000'000; // an arbitrary "now"
constexpr qint64 Margin = TokenCache::SafetyMarginMs;

const TokenKey Busybox{u"https://auth.docker.io/token"_s, u"registry.docker.io"_s,
                       u"repository:library/busybox:pull"_s};

TokenKey withScope(const TokenKey &key, const QString &scope)
{
    return TokenKey{key.realm, key.service, scope};
}

qint64 utcMs(int year, int month, int day, int hour, int minute, int second, int ms = 0)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second, ms), Qt::UTC)
        .toMSecsSinceEpoch();
}

// When the Docker Hub sample response below arrives.
const qint64 HubReceived = utcMs(2018, 1, 26, 5, 36, 0);
const qint64 HubIssued = utcMs(2018, 1, 26, 5, 35, 56, 860);

// QVERIFY2 evaluates its message even on success, and error() is only valid on failure.
QString errorOf(const Result<TokenResponse> &result)
{
    return result.ok() ? QString() : result.error();
}

// JSON written with single quotes for readability; SECRET stands for the token.
QByteArray json(QString text)
{
    return text.replace(u'\'', u'"').replace(u"SECRET"_s, Secret).toUtf8();
}

} // namespace

namespace pw {
char *toString(const TokenKey &key)
{
    return QTest::toString(key.realm + u' ' + key.service + u' ' + key.scope);
}
} // namespace pw

class TstTokenCache : public QObject
{
    Q_OBJECT

private slots:
    void find_data()
    {
        QTest::addColumn<TokenKey>("stored");
        QTest::addColumn<qint64>("expiresIn");
        QTest::addColumn<TokenKey>("lookedUp");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<bool>("hit");

        const qint64 fiveMinutes = 300'000;
        QTest::newRow("hit right after issue") << Busybox << 300LL << Busybox << T0 << true;
        QTest::newRow("hit 1 ms before the safety margin")
            << Busybox << 300LL << Busybox << T0 + fiveMinutes - Margin - 1 << true;
        QTest::newRow("miss inside the safety margin")
            << Busybox << 300LL << Busybox << T0 + fiveMinutes - Margin << false;
        QTest::newRow("miss at exactly expires_in")
            << Busybox << 300LL << Busybox << T0 + fiveMinutes << false;
        QTest::newRow("miss an hour later")
            << Busybox << 300LL << Busybox << T0 + 3'600'000 << false;
        QTest::newRow("default 60 s: hit before margin")
            << Busybox << 0LL << Busybox << T0 + 60'000 - Margin - 1 << true;
        QTest::newRow("default 60 s: miss at margin")
            << Busybox << 0LL << Busybox << T0 + 60'000 - Margin << false;
        QTest::newRow("negative expires_in means default")
            << Busybox << -5LL << Busybox << T0 + 60'000 - Margin - 1 << true;
        QTest::newRow("short lifetime honoured")
            << Busybox << 30LL << Busybox << T0 + 30'000 - Margin << false;
        QTest::newRow("miss: other action")
            << Busybox << 300LL << withScope(Busybox, u"repository:library/busybox:pull,push"_s)
            << T0 << false;
        QTest::newRow("miss: other repository")
            << Busybox << 300LL << withScope(Busybox, u"repository:library/alpine:pull"_s) << T0
            << false;
        QTest::newRow("miss: no scope (GET /v2/)")
            << Busybox << 300LL << withScope(Busybox, QString()) << T0 << false;
        QTest::newRow("miss: other service")
            << Busybox << 300LL << TokenKey{Busybox.realm, u"ghcr.io"_s, Busybox.scope} << T0
            << false;
        QTest::newRow("miss: other realm")
            << Busybox << 300LL
            << TokenKey{u"https://evil.example/token"_s, Busybox.service, Busybox.scope} << T0
            << false;
        const TokenKey twoScopes = withScope(Busybox, u"repository:a:pull repository:b:pull"_s);
        QTest::newRow("hit: scope order and spacing ignored")
            << twoScopes << 300LL
            << withScope(Busybox, u" repository:b:pull  repository:a:pull repository:b:pull"_s)
            << T0 << true;
        QTest::newRow("miss: one scope of two")
            << twoScopes << 300LL << withScope(Busybox, u"repository:a:pull"_s) << T0 << false;
    }

    void find()
    {
        QFETCH(TokenKey, stored);
        QFETCH(qint64, expiresIn);
        QFETCH(TokenKey, lookedUp);
        QFETCH(qint64, now);
        QFETCH(bool, hit);

        TokenCache cache;
        cache.insert(stored, Secret, expiresIn, T0);
        const std::optional<QString> token = cache.find(lookedUp, now);
        QCOMPARE(token.has_value(), hit);
        if (hit)
            QCOMPARE(*token, Secret);
    }

    void usableUntil()
    {
        TokenCache cache;
        QCOMPARE(cache.usableUntilMs(Busybox), std::nullopt);
        cache.insert(Busybox, Secret, 300, T0);
        QCOMPARE(cache.usableUntilMs(Busybox), T0 + 300'000 - Margin);
        // Lifetimes beyond the cap are cut; no overflow for absurd values.
        cache.insert(Busybox, Secret, std::numeric_limits<qint64>::max(), T0);
        QCOMPARE(cache.usableUntilMs(Busybox), T0 + TokenCache::MaxLifetimeSeconds * 1000 - Margin);
        cache.insert(Busybox, Secret, 300, std::numeric_limits<qint64>::max() - 1);
        QCOMPARE(cache.usableUntilMs(Busybox), std::numeric_limits<qint64>::max());
        QVERIFY(cache.find(Busybox, T0).has_value());
    }

    void insertReplaces()
    {
        TokenCache cache;
        cache.insert(Busybox, u"old"_s, 300, T0);
        cache.insert(Busybox, u"new"_s, 300, T0 + 1000);
        QCOMPARE(cache.size(), 1);
        QCOMPARE(cache.find(Busybox, T0 + 1000), u"new"_s);
    }

    void drop()
    {
        TokenCache cache;
        const TokenKey alpine = withScope(Busybox, u"repository:library/alpine:pull"_s);
        const TokenKey both = withScope(Busybox, u"repository:a:pull repository:b:pull"_s);
        cache.insert(Busybox, u"busybox-token"_s, 300, T0);
        cache.insert(alpine, u"alpine-token"_s, 300, T0);
        cache.insert(both, u"both-token"_s, 300, T0);

        cache.drop(Busybox); // the registry said invalid_token
        QCOMPARE(cache.find(Busybox, T0), std::nullopt);
        QCOMPARE(cache.find(alpine, T0), u"alpine-token"_s);

        cache.drop(withScope(Busybox, u"repository:b:pull repository:a:pull"_s));
        QCOMPARE(cache.find(both, T0), std::nullopt);
        QCOMPARE(cache.size(), 1);

        cache.drop(Busybox); // dropping twice is harmless
        QCOMPARE(cache.size(), 1);
    }

    void removeExpiredAndClear()
    {
        TokenCache cache;
        const TokenKey alpine = withScope(Busybox, u"repository:library/alpine:pull"_s);
        cache.insert(Busybox, u"short"_s, 60, T0);
        cache.insert(alpine, u"long"_s, 3600, T0);
        cache.removeExpired(T0 + 60'000 - Margin);
        QCOMPARE(cache.size(), 1);
        QCOMPARE(cache.find(alpine, T0 + 60'000), u"long"_s);
        cache.clear();
        QCOMPARE(cache.size(), 0);
        QCOMPARE(cache.find(alpine, T0), std::nullopt);
    }

    void issuedAtHonoured()
    {
        // A token issued 30 s before it reached us has 30 s of its 60 left, 20 s usable.
        const qint64 received = utcMs(2024, 5, 1, 12, 0, 30);
        const Result<TokenResponse> response = parseTokenResponse(
            json(u"{'token':'SECRET','expires_in':60,'issued_at':'2024-05-01T12:00:00Z'}"_s),
            received);
        QVERIFY2(response.ok(), qPrintable(errorOf(response)));
        QCOMPARE(response->issuedAtMs, received - 30'000);

        TokenCache cache;
        cache.insert(Busybox, *response);
        QCOMPARE(cache.find(Busybox, received), Secret);
        QCOMPARE(cache.find(Busybox, received + 20'000 - 1), Secret);
        QCOMPARE(cache.find(Busybox, received + 20'000), std::nullopt);
    }

    void missingExpiresInLastsSixtySeconds()
    {
        const Result<TokenResponse> response =
            parseTokenResponse(json(u"{'token':'SECRET'}"_s), T0);
        QVERIFY2(response.ok(), qPrintable(errorOf(response)));
        TokenCache cache;
        cache.insert(Busybox, *response);
        QCOMPARE(cache.find(Busybox, T0 + 60'000 - Margin - 1), Secret);
        QCOMPARE(cache.find(Busybox, T0 + 60'000 - Margin), std::nullopt);
    }

    void parseResponse_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<qint64>("received");
        QTest::addColumn<QString>("token");
        QTest::addColumn<qint64>("expiresIn");
        QTest::addColumn<qint64>("issuedAt");

        const QString s = Secret;
        QTest::newRow("Docker Hub: both fields, fractional issued_at")
            << json(u"{'access_token':'SECRET','expires_in':300,"
                    u"'issued_at':'2018-01-26T05:35:56.86Z','token':'SECRET'}"_s)
            << HubReceived << s << 300LL << HubIssued;
        QTest::newRow("GHCR: token only") << json(u"{'token':'SECRET'}"_s) << T0 << s << 0LL << T0;
        QTest::newRow("access_token only")
            << json(u"{'access_token':'SECRET','expires_in':3600}"_s) << T0 << s << 3600LL << T0;
        QTest::newRow("access_token wins over token")
            << json(u"{'token':'other','access_token':'SECRET'}"_s) << T0 << s << 0LL << T0;
        QTest::newRow("empty access_token falls back to token")
            << json(u"{'access_token':'','token':'SECRET'}"_s) << T0 << s << 0LL << T0;
        QTest::newRow("issued_at with offset")
            << json(u"{'token':'SECRET','issued_at':'2018-01-26T06:35:56.86+01:00'}"_s)
            << HubReceived << s << 0LL << HubIssued;
        QTest::newRow("issued_at in nanoseconds")
            << json(u"{'token':'SECRET','issued_at':'2018-01-26T05:35:56.860123456Z'}"_s)
            << HubReceived << s << 0LL << HubIssued;
        QTest::newRow("issued_at ahead of our clock is not trusted")
            << json(u"{'token':'SECRET','issued_at':'2018-01-26T06:00:00Z'}"_s) << HubReceived << s
            << 0LL << HubReceived;
        QTest::newRow("null issued_at and expires_in")
            << json(u"{'token':'SECRET','issued_at':null,'expires_in':null}"_s) << T0 << s << 0LL
            << T0;
        QTest::newRow("empty issued_at")
            << json(u"{'token':'SECRET','issued_at':''}"_s) << T0 << s << 0LL << T0;
        QTest::newRow("fractional expires_in")
            << json(u"{'token':'SECRET','expires_in':299.9}"_s) << T0 << s << 299LL << T0;
        QTest::newRow("negative expires_in")
            << json(u"{'token':'SECRET','expires_in':-1}"_s) << T0 << s << 0LL << T0;
        QTest::newRow("huge expires_in is capped")
            << json(u"{'token':'SECRET','expires_in':1e300}"_s) << T0 << s
            << TokenCache::MaxLifetimeSeconds << T0;
        QTest::newRow("unknown fields ignored")
            << json(u"{'token':'SECRET','refresh_token':'r','scope':'x'}"_s) << T0 << s << 0LL
            << T0;
    }

    void parseResponse()
    {
        QFETCH(QByteArray, body);
        QFETCH(qint64, received);
        QFETCH(QString, token);
        QFETCH(qint64, expiresIn);
        QFETCH(qint64, issuedAt);

        const Result<TokenResponse> response = parseTokenResponse(body, received);
        QVERIFY2(response.ok(), qPrintable(errorOf(response)));
        QCOMPARE(response->token, token);
        QCOMPARE(response->expiresInSeconds, expiresIn);
        QCOMPARE(response->issuedAtMs, issuedAt);
    }

    void parseResponseErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expectedError");

        QTest::newRow("empty body") << QByteArray() << u"invalid JSON"_s;
        QTest::newRow("bare token, not JSON") << SecretBytes << u"invalid JSON"_s;
        QTest::newRow("truncated JSON")
            << json(u"{'token':'SECRET'"_s) << u"invalid JSON at offset"_s;
        QTest::newRow("HTML error page")
            << json(u"<html><body>SECRET</body></html>"_s) << u"invalid JSON"_s;
        QTest::newRow("array") << json(u"['SECRET']"_s) << u"expected a JSON object"_s;
        QTest::newRow("no token") << json(u"{'expires_in':300,'refresh_token':'SECRET'}"_s)
                                  << u"neither \"token\" nor \"access_token\""_s;
        QTest::newRow("empty token")
            << json(u"{'token':''}"_s) << u"neither \"token\" nor \"access_token\""_s;
        QTest::newRow("token is a number")
            << json(u"{'token':12345}"_s) << u"\"token\" is not a string"_s;
        QTest::newRow("access_token is an object")
            << json(u"{'access_token':{'v':'SECRET'},'token':'SECRET'}"_s)
            << u"\"access_token\" is not a string"_s;
        QTest::newRow("header injection in token")
            << json(u"{'token':'SECRET\\r\\nX-Evil: 1'}"_s) << u"control"_s;
        QTest::newRow("space in token") << json(u"{'token':'SECRET SECRET'}"_s) << u"spaces"_s;
        QTest::newRow("non-ASCII token") << json(u"{'token':'SECRET\u00e9'}"_s) << u"non-ASCII"_s;
        QTest::newRow("expires_in as string") << json(u"{'token':'SECRET','expires_in':'300'}"_s)
                                              << u"\"expires_in\" is not a number"_s;
        QTest::newRow("issued_at as number") << json(u"{'token':'SECRET','issued_at':1516944956}"_s)
                                             << u"\"issued_at\" is not a string"_s;
        for (const char *time : {"yesterday", "now", "-7d", "2018-01-26", "2018-01-26T05:35:56",
                                 "2018-02-30T00:00:00Z", "2018-01-26T25:00:00Z"}) {
            QTest::addRow("issued_at \"%s\"", time)
                << json(u"{'token':'SECRET','issued_at':'"_s + QLatin1StringView(time) + u"'}")
                << u"\"issued_at\" is not an RFC 3339 time"_s;
        }
    }

    void parseResponseErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expectedError);

        const Result<TokenResponse> response = parseTokenResponse(body, T0);
        QVERIFY(!response.ok());
        QVERIFY2(response.error().contains(expectedError), qPrintable(response.error()));
        QVERIFY2(response.error().startsWith(u"token response: "), qPrintable(response.error()));
        // The token is a secret; errors end up in logs and the UI.
        QVERIFY2(!response.error().contains(u"s3cr3t"), qPrintable(response.error()));
    }

    void nothingIsLogged()
    {
        // Tokens must not reach qDebug/qWarning output either; these classes log nothing.
        static QStringList messages;
        messages.clear();
        const QtMessageHandler previous =
            qInstallMessageHandler([](QtMsgType, const QMessageLogContext &,
                                      const QString &message) { messages.append(message); });
        TokenCache cache;
        const Result<TokenResponse> good = parseTokenResponse(json(u"{'token':'SECRET'}"_s), T0);
        const Result<TokenResponse> bad = parseTokenResponse(json(u"{'token':'SECRET']"_s), T0);
        if (good)
            cache.insert(Busybox, *good);
        [[maybe_unused]] const auto hit = cache.find(Busybox, T0);
        cache.drop(Busybox);
        qInstallMessageHandler(previous);
        QVERIFY(good.ok());
        QVERIFY(!bad.ok());
        QCOMPARE(messages, QStringList());
    }
};

QTEST_GUILESS_MAIN(TstTokenCache)
#include "tst_tokencache.moc"
