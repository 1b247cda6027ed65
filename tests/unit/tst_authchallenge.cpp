#include "registry/AuthChallenge.h"

#include <QTest>

#include <initializer_list>
#include <utility>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

using Params = std::initializer_list<std::pair<QString, QString>>;
using Challenges = QList<AuthChallenge>;

AuthChallenge challenge(const QString &scheme, Params params = {})
{
    AuthChallenge result;
    result.scheme = scheme;
    for (const auto &[name, value] : params)
        result.params.insert(name, value);
    return result;
}

AuthChallenge token68Challenge(const QString &scheme, const QString &token68)
{
    AuthChallenge result;
    result.scheme = scheme;
    result.token68 = token68;
    return result;
}

const QString HubRealm = u"https://auth.docker.io/token"_s;
const QString HubService = u"registry.docker.io"_s;

// No raw string literals in this file: moc reads the "//" of a URL inside one as a comment
// and then misses the test class.

// Headers as registries send them (protocols.md §2.1, §2.3).
const QByteArray HubHeader = "Bearer realm=\"https://auth.docker.io/token\","
                             "service=\"registry.docker.io\","
                             "scope=\"repository:library/busybox:pull\"";
const QByteArray HubV2Header =
    "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\"";
const QByteArray GhcrHeader = "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
                              "scope=\"repository:user/image:pull\"";
const QByteArray QuayBearerHeader = "Bearer realm=\"https://quay.io/v2/auth\",service=\"quay.io\","
                                    "scope=\"repository:coreos/etcd:pull\"";
const QByteArray QuayBasicHeader = "Basic realm=\"quay.io\"";
// distribution 2.8.2 with `auth: token`, answering a token for another repository.
const QByteArray InsufficientScopeHeader =
    "Bearer realm=\"http://127.0.0.1:5056/token\",service=\"test-registry\","
    "scope=\"repository:ci/tools:pull\",error=\"insufficient_scope\"";
// The same registry answering an expired token.
const QByteArray InvalidTokenHeader =
    "Bearer realm=\"http://127.0.0.1:5056/token\",service=\"test-registry\","
    "scope=\"repository:ci/tools:pull\",error=\"invalid_token\"";

} // namespace

namespace pw {
// Failure messages show the challenge as it would be written in a header.
char *toString(const AuthChallenge &challenge)
{
    QString text = challenge.scheme;
    if (!challenge.token68.isEmpty())
        text += u' ' + challenge.token68;
    QStringList params;
    for (auto it = challenge.params.cbegin(); it != challenge.params.cend(); ++it)
        params.append(it.key() + u"=\"" + it.value() + u'"');
    if (!params.isEmpty())
        text += u' ' + params.join(u',');
    return QTest::toString(text);
}

char *toString(BearerError error)
{
    switch (error) {
    case BearerError::None:
        return qstrdup("None");
    case BearerError::InvalidRequest:
        return qstrdup("InvalidRequest");
    case BearerError::InvalidToken:
        return qstrdup("InvalidToken");
    case BearerError::InsufficientScope:
        return qstrdup("InsufficientScope");
    case BearerError::Other:
        return qstrdup("Other");
    }
    return qstrdup("?");
}
} // namespace pw

class TstAuthChallenge : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<Challenges>("expected");

        // Registries as they answer in the wild.
        QTest::newRow("Docker Hub manifest")
            << HubHeader
            << Challenges{
                   challenge(u"bearer"_s, {{u"realm"_s, HubRealm},
                                           {u"service"_s, HubService},
                                           {u"scope"_s, u"repository:library/busybox:pull"_s}})};
        QTest::newRow("Docker Hub /v2/ without scope")
            << HubV2Header
            << Challenges{
                   challenge(u"bearer"_s, {{u"realm"_s, HubRealm}, {u"service"_s, HubService}})};
        QTest::newRow("GHCR placeholder scope")
            << GhcrHeader
            << Challenges{challenge(u"bearer"_s, {{u"realm"_s, u"https://ghcr.io/token"_s},
                                                  {u"service"_s, u"ghcr.io"_s},
                                                  {u"scope"_s, u"repository:user/image:pull"_s}})};
        const AuthChallenge quayBearer =
            challenge(u"bearer"_s, {{u"realm"_s, u"https://quay.io/v2/auth"_s},
                                    {u"service"_s, u"quay.io"_s},
                                    {u"scope"_s, u"repository:coreos/etcd:pull"_s}});
        const AuthChallenge quayBasic = challenge(u"basic"_s, {{u"realm"_s, u"quay.io"_s}});
        QTest::newRow("Quay Bearer then Basic")
            << QByteArray(QuayBearerHeader + ", " + QuayBasicHeader)
            << Challenges{quayBearer, quayBasic};
        QTest::newRow("Quay Basic then Bearer")
            << QByteArray(QuayBasicHeader + ", " + QuayBearerHeader)
            << Challenges{quayBasic, quayBearer};
        QTest::newRow("distribution insufficient_scope")
            << InsufficientScopeHeader
            << Challenges{challenge(u"bearer"_s, {{u"realm"_s, u"http://127.0.0.1:5056/token"_s},
                                                  {u"service"_s, u"test-registry"_s},
                                                  {u"scope"_s, u"repository:ci/tools:pull"_s},
                                                  {u"error"_s, u"insufficient_scope"_s}})};
        QTest::newRow("htpasswd Basic")
            << QByteArray("Basic realm=\"Registry Realm\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"Registry Realm"_s}})};

        // Quoted strings.
        QTest::newRow("comma inside quotes")
            << QByteArray("Bearer realm=\"r\",scope=\"repository:samalba/my-app:pull,push\"")
            << Challenges{challenge(
                   u"bearer"_s,
                   {{u"realm"_s, u"r"_s}, {u"scope"_s, u"repository:samalba/my-app:pull,push"_s}})};
        QTest::newRow("comma and equals inside quotes")
            << QByteArray("Bearer realm=\"a, b=c\", service=\"d\"")
            << Challenges{
                   challenge(u"bearer"_s, {{u"realm"_s, u"a, b=c"_s}, {u"service"_s, u"d"_s}})};
        QTest::newRow("space-separated scopes")
            << QByteArray("Bearer scope=\"repository:a:pull repository:b:pull,push\"")
            << Challenges{challenge(u"bearer"_s,
                                    {{u"scope"_s, u"repository:a:pull repository:b:pull,push"_s}})};
        QTest::newRow("host:port in scope")
            << QByteArray("Bearer scope=\"repository:localhost:5000/x:pull\"")
            << Challenges{
                   challenge(u"bearer"_s, {{u"scope"_s, u"repository:localhost:5000/x:pull"_s}})};
        QTest::newRow("escaped quotes")
            << QByteArray("Basic realm=\"say \\\"hi\\\", then go\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"say \"hi\", then go"_s}})};
        QTest::newRow("escaped backslash")
            << QByteArray("Basic realm=\"C:\\\\dir\\\\\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"C:\\dir\\"_s}})};
        QTest::newRow("escaped ordinary character")
            << QByteArray("Basic realm=\"\\a\\b\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"ab"_s}})};
        QTest::newRow("empty quoted value")
            << QByteArray("Basic realm=\"\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, QString()}})};
        QTest::newRow("UTF-8 in quotes")
            << QByteArray("Basic realm=\"Z\xc3\xbcrich\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"Zürich"_s}})};

        // token68 and schemes without parameters.
        QTest::newRow("token68 with padding")
            << QByteArray("Negotiate abc==")
            << Challenges{token68Challenge(u"negotiate"_s, u"abc=="_s)};
        QTest::newRow("token68 with / and +")
            << QByteArray("Negotiate YIIB/+x~_-.")
            << Challenges{token68Challenge(u"negotiate"_s, u"YIIB/+x~_-."_s)};
        QTest::newRow("token68 then Basic")
            << QByteArray("Negotiate abc= , Basic realm=\"x\"")
            << Challenges{token68Challenge(u"negotiate"_s, u"abc="_s),
                          challenge(u"basic"_s, {{u"realm"_s, u"x"_s}})};
        QTest::newRow("scheme alone")
            << QByteArray("Negotiate") << Challenges{challenge(u"negotiate"_s)};
        QTest::newRow("scheme alone then Basic")
            << QByteArray("NTLM, Basic realm=\"x\"")
            << Challenges{challenge(u"ntlm"_s), challenge(u"basic"_s, {{u"realm"_s, u"x"_s}})};

        // Case and whitespace.
        QTest::newRow("mixed case scheme and names, values kept")
            << QByteArray("BEARER Realm=\"R\",SERVICE=\"Reg.Example\"")
            << Challenges{challenge(u"bearer"_s,
                                    {{u"realm"_s, u"R"_s}, {u"service"_s, u"Reg.Example"_s}})};
        QTest::newRow("unquoted values")
            << QByteArray("Bearer realm=simple,error=invalid_token")
            << Challenges{challenge(u"bearer"_s,
                                    {{u"realm"_s, u"simple"_s}, {u"error"_s, u"invalid_token"_s}})};
        QTest::newRow("spaces around = and commas")
            << QByteArray("Bearer  realm = \"r\" ,  service= \"s\"  ,scope =\"x\"")
            << Challenges{
                   challenge(u"bearer"_s,
                             {{u"realm"_s, u"r"_s}, {u"service"_s, u"s"_s}, {u"scope"_s, u"x"_s}})};
        QTest::newRow("tabs") << QByteArray("Bearer\trealm=\"r\",\tservice=\"s\"")
                              << Challenges{challenge(
                                     u"bearer"_s, {{u"realm"_s, u"r"_s}, {u"service"_s, u"s"_s}})};
        QTest::newRow("empty list elements and outer whitespace")
            << QByteArray("  , Bearer realm=\"r\",, ,service=\"s\" , ")
            << Challenges{challenge(u"bearer"_s, {{u"realm"_s, u"r"_s}, {u"service"_s, u"s"_s}})};
        QTest::newRow("lines joined with newline")
            << QByteArray("Basic realm=\"x\"\nBearer realm=\"r\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"x"_s}}),
                          challenge(u"bearer"_s, {{u"realm"_s, u"r"_s}})};
        QTest::newRow("repeated name keeps the first")
            << QByteArray(
                   "Bearer realm=\"https://good.example/token\",realm=\"https://evil.example/\"")
            << Challenges{challenge(u"bearer"_s, {{u"realm"_s, u"https://good.example/token"_s}})};

        // Nothing usable, or only what came before the damage.
        QTest::newRow("empty") << QByteArray() << Challenges{};
        QTest::newRow("only separators") << QByteArray(" ,\t, ") << Challenges{};
        QTest::newRow("unterminated quote")
            << QByteArray("Bearer realm=\"unterminated") << Challenges{};
        QTest::newRow("unterminated quote after Basic")
            << QByteArray("Basic realm=\"x\", Bearer realm=\"unterminated,service=\"s\"")
            << Challenges{challenge(u"basic"_s, {{u"realm"_s, u"x"_s}})};
        QTest::newRow("backslash at the end") << QByteArray("Basic realm=\"abc\\") << Challenges{};
        QTest::newRow("missing comma between params")
            << QByteArray("Bearer realm=\"a\" service=\"b\"") << Challenges{};
        QTest::newRow("missing value")
            << QByteArray("Bearer realm=\"a\", service=") << Challenges{};
        QTest::newRow("param without scheme") << QByteArray("realm=\"x\"") << Challenges{};
        QTest::newRow("quote right after scheme") << QByteArray("Bearer\"x\"") << Challenges{};
        QTest::newRow("control character in quotes") << QByteArray("Bearer realm=\"a\x01"
                                                                   "b\"")
                                                     << Challenges{};
        QTest::newRow("NUL byte") << QByteArray("Basic realm=\"a\0b\"", 17) << Challenges{};
        QTest::newRow("punctuation only") << QByteArray("\"\"\"===;;;@@@") << Challenges{};
        QTest::newRow("binary") << QByteArray("\xff\xfe\x80\x00\x7f", 5) << Challenges{};
    }

    void parse()
    {
        QFETCH(QByteArray, header);
        QFETCH(Challenges, expected);
        QCOMPARE(parseAuthChallenges(header), expected);
    }

    void severalHeaderLines()
    {
        // A broken line must not take the good lines after it with it.
        const QList<QByteArray> lines{QByteArrayLiteral("Basic realm=\"x\""),
                                      QByteArrayLiteral("Bearer realm=\"unterminated"),
                                      QByteArrayLiteral("Bearer realm=\"r\",service=\"s\"")};
        const Challenges expected{
            challenge(u"basic"_s, {{u"realm"_s, u"x"_s}}),
            challenge(u"bearer"_s, {{u"realm"_s, u"r"_s}, {u"service"_s, u"s"_s}})};
        QCOMPARE(parseAuthChallenges(lines), expected);
        QCOMPARE(parseAuthChallenges(QList<QByteArray>{}), Challenges{});
    }

    void manyChallenges()
    {
        // A hostile registry can send a huge header; parsing stays linear and complete.
        QByteArray header;
        for (int i = 0; i < 20000; ++i)
            header += "Basic realm=\"r\", ";
        QCOMPARE(parseAuthChallenges(header).size(), 20000);
    }

    void paramLookupIgnoresCase()
    {
        const Challenges parsed = parseAuthChallenges("Bearer Realm=\"R\",sErViCe=\"S\"");
        QCOMPARE(parsed.size(), 1);
        const AuthChallenge &bearer = parsed.first();
        QCOMPARE(bearer.param(u"realm"), u"R"_s);
        QCOMPARE(bearer.param(u"REALM"), u"R"_s);
        QCOMPARE(bearer.param(u"Service"), u"S"_s);
        QVERIFY(bearer.hasParam(u"SERVICE"));
        QVERIFY(!bearer.hasParam(u"scope"));
        QCOMPARE(bearer.param(u"scope"), QString());
        QVERIFY(bearer.isScheme(u"Bearer"));
        QVERIFY(!bearer.isScheme(u"basic"));
    }

    void findChallenge_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("expectedRealm"); // empty: no such challenge

        const QByteArray quay = "Basic realm=\"quay.io\", Bearer realm=\"https://quay.io/v2/auth\"";
        QTest::newRow("Bearer after Basic") << quay << u"bearer"_s << u"https://quay.io/v2/auth"_s;
        QTest::newRow("Basic before Bearer") << quay << u"Basic"_s << u"quay.io"_s;
        QTest::newRow("only Basic offered")
            << QByteArray("Basic realm=\"Registry Realm\"") << u"bearer"_s << QString();
        QTest::newRow("first of two Bearers")
            << QByteArray("Bearer realm=\"one\", Bearer realm=\"two\"") << u"BEARER"_s << u"one"_s;
        QTest::newRow("nothing parsed") << QByteArray("\"") << u"bearer"_s << QString();
    }

    void findChallenge()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, scheme);
        QFETCH(QString, expectedRealm);
        const std::optional<AuthChallenge> found =
            pw::findChallenge(parseAuthChallenges(header), scheme);
        QCOMPARE(found.has_value(), !expectedRealm.isEmpty());
        if (found)
            QCOMPARE(found->param(u"realm"), expectedRealm);
    }

    void bearerError_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<BearerError>("expected");

        QTest::newRow("no error: first request") << HubHeader << BearerError::None;
        QTest::newRow("insufficient_scope: token for another repository")
            << InsufficientScopeHeader << BearerError::InsufficientScope;
        QTest::newRow("invalid_token: expired token")
            << InvalidTokenHeader << BearerError::InvalidToken;
        QTest::newRow("invalid_token with description (RFC 6750)")
            << QByteArray("Bearer realm=\"example\", error=\"invalid_token\", "
                          "error_description=\"The access token expired\"")
            << BearerError::InvalidToken;
        QTest::newRow("unquoted error code")
            << QByteArray("Bearer realm=r,error=insufficient_scope")
            << BearerError::InsufficientScope;
        QTest::newRow("upper-case error code")
            << QByteArray("Bearer error=\"INVALID_TOKEN\"") << BearerError::InvalidToken;
        QTest::newRow("invalid_request")
            << QByteArray("Bearer error=\"invalid_request\"") << BearerError::InvalidRequest;
        QTest::newRow("unknown error code")
            << QByteArray("Bearer error=\"quota_exceeded\"") << BearerError::Other;
        QTest::newRow("Basic with an error param")
            << QByteArray("Basic realm=\"x\", error=\"invalid_token\"") << BearerError::None;
    }

    void bearerError()
    {
        QFETCH(QByteArray, header);
        QFETCH(BearerError, expected);
        const Challenges parsed = parseAuthChallenges(header);
        QVERIFY(!parsed.isEmpty());
        QCOMPARE(parsed.first().bearerError(), expected);
    }
};

QTEST_GUILESS_MAIN(TstAuthChallenge)
#include "tst_authchallenge.moc"
