#include "registry/Credentials.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

// Distinctive so that a leak into an error message cannot match by accident.
const QString Secret = u"s3cr3t-P4ssw0rd-9f8e7d"_s;
const QString Token = u"eyJhbGciOiJSUzI1NiJ9.1d3nt1ty-t0ken.Zm9v"_s;

QString base64(const QString &text)
{
    return QString::fromLatin1(text.toUtf8().toBase64());
}

// A Docker config directory with config.json and fake credential helpers, plus an environment
// whose PATH finds those helpers first.
struct Fixture
{
    QTemporaryDir dir;

    QString configPath() const { return dir.filePath(u"config.json"_s); }

    void writeConfig(const QString &json) const
    {
        QFile file(configPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(json.toUtf8());
    }

    // Writes an executable `docker-credential-<name>` running the given sh body.
    void writeHelper(const QString &name, const QString &body) const
    {
        QFile file(dir.filePath(u"docker-credential-"_s + name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write((u"#!/bin/sh\n"_s + body + u'\n').toUtf8());
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    }

    QProcessEnvironment env() const
    {
        QProcessEnvironment env;
        env.insert(u"PATH"_s, dir.path() + u":/usr/bin:/bin"_s);
        env.insert(u"HOME"_s, dir.path());
        return env;
    }

    CredentialStore store(int timeoutMs = 5000) const
    {
        return CredentialStore(dir.path(), env(), timeoutMs);
    }
};

void verifyNoSecret(const QString &error)
{
    QVERIFY2(!error.contains(Secret), qPrintable(error));
    QVERIFY2(!error.contains(Token), qPrintable(error));
    QVERIFY2(!error.contains(base64(u"ci:"_s + Secret)), qPrintable(error));
}

} // namespace

class TestCredentials : public QObject
{
    Q_OBJECT

private slots:
    void dockerConfig_data();
    void dockerConfig();
    void dockerConfigErrors_data();
    void dockerConfigErrors();
    void missingConfig();
    void helpers_data();
    void helpers();
    void helperTimeout();
    void helperNotFound();
    void fromConfig_data();
    void fromConfig();
    void defaultConfigDir();
};

void TestCredentials::dockerConfig_data()
{
    QTest::addColumn<QString>("registry");
    QTest::addColumn<QString>("json");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("identityToken");

    const QString basic = base64(u"ci:"_s + Secret);
    QTest::newRow("base64 auth") << u"localhost:5000"_s
                                 << uR"({"auths":{"localhost:5000":{"auth":"%1"}}})"_s.arg(basic)
                                 << true << u"ci"_s << Secret << false;
    QTest::newRow("password with colon")
        << u"localhost:5000"_s
        << uR"({"auths":{"localhost:5000":{"auth":"%1"}}})"_s.arg(base64(u"ci:a:b"_s)) << true
        << u"ci"_s << u"a:b"_s << false;
    QTest::newRow("username/password")
        << u"ghcr.io"_s
        << uR"({"auths":{"ghcr.io":{"username":"bot","password":"%1"}}})"_s.arg(Secret) << true
        << u"bot"_s << Secret << false;
    QTest::newRow("identitytoken")
        << u"myacr.azurecr.io"_s
        << uR"({"auths":{"myacr.azurecr.io":{"auth":"%1","identitytoken":"%2"}}})"_s.arg(
               base64(u"00000000-0000-0000-0000-000000000000:"_s), Token)
        << true << u"00000000-0000-0000-0000-000000000000"_s << Token << true;
    QTest::newRow("https key") << u"quay.io"_s
                               << uR"({"auths":{"https://quay.io":{"auth":"%1"}}})"_s.arg(basic)
                               << true << u"ci"_s << Secret << false;
    QTest::newRow("key with path")
        << u"registry.example.com:8443"_s
        << uR"({"auths":{"https://registry.example.com:8443/v2/":{"auth":"%1"}}})"_s.arg(basic)
        << true << u"ci"_s << Secret << false;
    QTest::newRow("docker.io via index v1")
        << u"docker.io"_s
        << uR"({"auths":{"https://index.docker.io/v1/":{"auth":"%1"}}})"_s.arg(basic) << true
        << u"ci"_s << Secret << false;
    QTest::newRow("exact key before https key")
        << u"ghcr.io"_s << uR"({"auths":{"https://ghcr.io":{"username":"other","password":"x"},
                         "ghcr.io":{"username":"bot","password":"%1"}}})"_s.arg(Secret)
        << true << u"bot"_s << Secret << false;
    QTest::newRow("other registry only")
        << u"ghcr.io"_s << uR"({"auths":{"quay.io":{"auth":"%1"}}})"_s.arg(basic) << false
        << QString() << QString() << false;
    QTest::newRow("index v1 is not for other registries")
        << u"quay.io"_s
        << uR"({"auths":{"https://index.docker.io/v1/":{"auth":"%1"}}})"_s.arg(basic) << false
        << QString() << QString() << false;
    QTest::newRow("empty entry") << u"ghcr.io"_s << uR"({"auths":{"ghcr.io":{}}})"_s << false
                                 << QString() << QString() << false;
    QTest::newRow("empty object") << u"ghcr.io"_s << u"{}"_s << false << QString() << QString()
                                  << false;
}

void TestCredentials::dockerConfig()
{
    QFETCH(QString, registry);
    QFETCH(QString, json);
    QFETCH(bool, found);
    QFETCH(QString, username);
    QFETCH(QString, secret);
    QFETCH(bool, identityToken);

    Fixture fixture;
    fixture.writeConfig(json);
    const auto result = fixture.store().forRegistry(registry);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error()));
    QCOMPARE(result->has_value(), found);
    if (!found)
        return;
    QCOMPARE((*result)->username, username);
    QCOMPARE((*result)->secret, secret);
    QCOMPARE((*result)->kind == Credential::Kind::IdentityToken, identityToken);
}

void TestCredentials::dockerConfigErrors_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");

    QTest::newRow("malformed") << uR"({"auths":{"ghcr.io":{"auth":"%1"}})"_s.arg(Secret)
                               << u"invalid JSON"_s;
    QTest::newRow("not an object") << u"[1]"_s << u"top level"_s;
    QTest::newRow("auths not an object") << u"{\"auths\":[]}"_s << u"\"auths\" must be"_s;
    QTest::newRow("credHelpers not an object")
        << u"{\"credHelpers\":1}"_s << u"\"credHelpers\" must be"_s;
    QTest::newRow("entry not an object")
        << u"{\"auths\":{\"ghcr.io\":\"x\"}}"_s << u"auths[\"ghcr.io\"]"_s;
    QTest::newRow("auth not base64")
        << uR"({"auths":{"ghcr.io":{"auth":"%1!!"}}})"_s.arg(Secret) << u"not base64"_s;
    QTest::newRow("auth without colon")
        << uR"({"auths":{"ghcr.io":{"auth":"%1"}}})"_s.arg(base64(Secret)) << u"not base64"_s;
}

void TestCredentials::dockerConfigErrors()
{
    QFETCH(QString, json);
    QFETCH(QString, expected);

    Fixture fixture;
    fixture.writeConfig(json);
    const auto result = fixture.store().forRegistry(u"ghcr.io"_s);
    QVERIFY(!result.ok());
    QVERIFY2(result.error().startsWith(fixture.configPath() + u": "_s), qPrintable(result.error()));
    QVERIFY2(result.error().contains(expected), qPrintable(result.error()));
    verifyNoSecret(result.error());
    QVERIFY(!result.error().contains(base64(Secret)));
}

void TestCredentials::missingConfig()
{
    Fixture fixture;
    const auto result = fixture.store().forRegistry(u"docker.io"_s);
    QVERIFY(result.ok());
    QVERIFY(!result->has_value());

    const CredentialStore missingDir(fixture.dir.filePath(u"nope"_s), fixture.env());
    const auto again = missingDir.forRegistry(u"docker.io"_s);
    QVERIFY(again.ok());
    QVERIFY(!again->has_value());
}

void TestCredentials::helpers_data()
{
    QTest::addColumn<QString>("registry");
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("script"); // body of docker-credential-test
    QTest::addColumn<bool>("ok");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QString>("username"); // or the expected error fragment
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("identityToken");

    const QString helperConfig = uR"({"credHelpers":{"ghcr.io":"test"}})"_s;
    // Echoes the server URL read from stdin as the username, so the test sees what was sent.
    const QString echoUrl = uR"(read -r url || true
[ "$1" = get ] || exit 3
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" "$url" ")"_s +
                            Secret + u"\""_s;

    QTest::newRow("credHelpers") << u"ghcr.io"_s << helperConfig << echoUrl << true << true
                                 << u"ghcr.io"_s << Secret << false;
    QTest::newRow("credHelpers before auths")
        << u"ghcr.io"_s << uR"({"credHelpers":{"ghcr.io":"test"},
                "auths":{"ghcr.io":{"username":"other","password":"x"}}})"_s
        << echoUrl << true << true << u"ghcr.io"_s << Secret << false;
    QTest::newRow("docker.io sends index v1 url")
        << u"docker.io"_s << uR"({"credsStore":"test"})"_s << echoUrl << true << true
        << u"https://index.docker.io/v1/"_s << Secret << false;
    QTest::newRow("identity token")
        << u"ghcr.io"_s << helperConfig
        << uR"(printf '{"Username":"<token>","Secret":"%s"}' ")"_s + Token + u"\""_s << true << true
        << QString() << Token << true;
    QTest::newRow("credentials not found on stdout")
        << u"ghcr.io"_s << helperConfig
        << u"echo 'credentials not found in native keychain'; exit 1"_s << true << false
        << QString() << QString() << false;
    QTest::newRow("credentials not found on stderr")
        << u"ghcr.io"_s << helperConfig << u"echo 'credentials not found' >&2; exit 1"_s << true
        << false << QString() << QString() << false;
    QTest::newRow("helper fails") << u"ghcr.io"_s << helperConfig
                                  << u"echo 'keychain locked' >&2; exit 2"_s << false << false
                                  << u"docker-credential-test get: exit code 2: keychain locked"_s
                                  << QString() << false;
    QTest::newRow("reply not JSON")
        << u"ghcr.io"_s << helperConfig << u"echo 'Secret: "_s + Secret + u"'"_s << false << false
        << u"not a JSON object"_s << QString() << false;
    QTest::newRow("credsStore fallback")
        << u"ghcr.io"_s << uR"({"auths":{"ghcr.io":{}},"credsStore":"test"})"_s << echoUrl << true
        << true << u"ghcr.io"_s << Secret << false;
    QTest::newRow("auths before credsStore")
        << u"ghcr.io"_s
        << uR"({"auths":{"ghcr.io":{"username":"bot","password":"pw"}},"credsStore":"test"})"_s
        << u"exit 9"_s << true << true << u"bot"_s << u"pw"_s << false;
    QTest::newRow("credsStore not found") << u"quay.io"_s << uR"({"credsStore":"test"})"_s
                                          << u"echo 'credentials not found'; exit 1"_s << true
                                          << false << QString() << QString() << false;
}

void TestCredentials::helpers()
{
    QFETCH(QString, registry);
    QFETCH(QString, json);
    QFETCH(QString, script);
    QFETCH(bool, ok);
    QFETCH(bool, found);
    QFETCH(QString, username);
    QFETCH(QString, secret);
    QFETCH(bool, identityToken);

    Fixture fixture;
    fixture.writeConfig(json);
    fixture.writeHelper(u"test"_s, script);
    const auto result = fixture.store().forRegistry(registry);
    QCOMPARE(result.ok(), ok);
    if (!ok) {
        QVERIFY2(result.error().contains(username), qPrintable(result.error()));
        verifyNoSecret(result.error());
        return;
    }
    QCOMPARE(result->has_value(), found);
    if (!found)
        return;
    QCOMPARE((*result)->username, username);
    QCOMPARE((*result)->secret, secret);
    QCOMPARE((*result)->kind == Credential::Kind::IdentityToken, identityToken);
}

void TestCredentials::helperTimeout()
{
    Fixture fixture;
    fixture.writeConfig(uR"({"credHelpers":{"ghcr.io":"test"}})"_s);
    fixture.writeHelper(u"test"_s, u"exec sleep 30"_s);

    QElapsedTimer timer;
    timer.start();
    const auto result = fixture.store(500).forRegistry(u"ghcr.io"_s);
    QVERIFY(!result.ok());
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(result.error().contains(u"docker-credential-test"_s), qPrintable(result.error()));
    QVERIFY2(result.error().contains(u"500 ms"_s), qPrintable(result.error()));
}

void TestCredentials::helperNotFound()
{
    Fixture fixture;
    fixture.writeConfig(uR"({"credHelpers":{"ghcr.io":"absent"}})"_s);
    const auto result = fixture.store().forRegistry(u"ghcr.io"_s);
    QVERIFY(!result.ok());
    QVERIFY2(result.error().contains(u"docker-credential-absent: not found in PATH"_s),
             qPrintable(result.error()));

    fixture.writeConfig(uR"({"credHelpers":{"ghcr.io":"../../bin/sh"}})"_s);
    const auto traversal = fixture.store().forRegistry(u"ghcr.io"_s);
    QVERIFY(!traversal.ok());
    QVERIFY2(traversal.error().contains(u"invalid credential helper name"_s),
             qPrintable(traversal.error()));
}

void TestCredentials::fromConfig_data()
{
    QTest::addColumn<QString>("authType");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("usernameEnv");
    QTest::addColumn<QString>("passwordEnv");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QString>("expectedUser"); // or the expected error fragment
    QTest::addColumn<QString>("expectedSecret");
    QTest::addColumn<bool>("identityToken");

    QTest::newRow("none") << u"none"_s << QString() << QString() << QString() << true << false
                          << QString() << QString() << false;
    QTest::newRow("basic, literal username") << u"basic"_s << u"ci"_s << QString() << u"REG_PASS"_s
                                             << true << true << u"ci"_s << Secret << false;
    QTest::newRow("basic, username from env")
        << u"basic"_s << QString() << u"REG_USER"_s << u"REG_PASS"_s << true << true
        << u"robot$ci"_s << Secret << false;
    QTest::newRow("token") << u"token"_s << QString() << QString() << u"REG_TOKEN"_s << true << true
                           << QString() << Token << false;
    QTest::newRow("password variable unset")
        << u"basic"_s << u"ci"_s << QString() << u"UNSET_PASS"_s << false << false
        << u"environment variable UNSET_PASS is not set"_s << QString() << false;
    QTest::newRow("username variable unset")
        << u"basic"_s << QString() << u"UNSET_USER"_s << u"REG_PASS"_s << false << false
        << u"environment variable UNSET_USER is not set"_s << QString() << false;
    QTest::newRow("token variable empty")
        << u"token"_s << QString() << QString() << u"EMPTY"_s << false << false
        << u"environment variable EMPTY is empty"_s << QString() << false;
    QTest::newRow("unknown type") << u"kerberos"_s << QString() << QString() << u"REG_PASS"_s
                                  << false << false << u"unknown auth type"_s << QString() << false;
}

void TestCredentials::fromConfig()
{
    QFETCH(QString, authType);
    QFETCH(QString, username);
    QFETCH(QString, usernameEnv);
    QFETCH(QString, passwordEnv);
    QFETCH(bool, ok);
    QFETCH(bool, found);
    QFETCH(QString, expectedUser);
    QFETCH(QString, expectedSecret);
    QFETCH(bool, identityToken);

    QProcessEnvironment env;
    env.insert(u"REG_USER"_s, u"robot$ci"_s);
    env.insert(u"REG_PASS"_s, Secret);
    env.insert(u"REG_TOKEN"_s, Token);
    env.insert(u"EMPTY"_s, QString());

    RegistryConfig registry;
    registry.host = u"localhost:5000"_s;
    registry.authType = authType;
    registry.username = username;
    registry.usernameEnv = usernameEnv;
    registry.passwordEnv = passwordEnv;

    const auto result = CredentialStore::fromConfig(registry, env);
    QCOMPARE(result.ok(), ok);
    if (!ok) {
        QVERIFY2(result.error().contains(expectedUser), qPrintable(result.error()));
        QVERIFY2(result.error().contains(u"localhost:5000"_s), qPrintable(result.error()));
        verifyNoSecret(result.error());
        return;
    }
    QCOMPARE(result->has_value(), found);
    if (!found)
        return;
    QCOMPARE((*result)->username, expectedUser);
    QCOMPARE((*result)->secret, expectedSecret);
    QCOMPARE((*result)->kind == Credential::Kind::IdentityToken, identityToken);
    QCOMPARE((*result)->kind == Credential::Kind::RegistryToken, authType == u"token"_s);
}

void TestCredentials::defaultConfigDir()
{
    QProcessEnvironment env;
    env.insert(u"HOME"_s, u"/home/ci"_s);
    QCOMPARE(CredentialStore::defaultConfigDir(env), u"/home/ci/.docker"_s);
    QCOMPARE(CredentialStore(QString(), env).configFile(), u"/home/ci/.docker/config.json"_s);
    env.insert(u"DOCKER_CONFIG"_s, u"/etc/docker-ci"_s);
    QCOMPARE(CredentialStore::defaultConfigDir(env), u"/etc/docker-ci"_s);
}

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_credentials.moc"
