#include "config/Config.h"
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace Qt::Literals::StringLiterals;

// Declared before any test data: moc mistakes "//" inside raw string literals (the URLs below)
// for a comment and would not find a class that comes after them.
class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void designExample();
    void defaults();
    void durations_data();
    void durations();
    void builtinDefault();
    void loadOrDefaultWithoutUserFile();
    void loadOrDefaultPrefersUserFile();
    void explicitMissingFile();
    void broken_data();
    void broken();
    void insecureIsThreeWay();
    void onDemandIsAProperty();
    void caFile_data();
    void caFile();
};

namespace {

constexpr qint64 Minute = 60 * 1000;
constexpr qint64 Day = 24 * 60 * Minute;

// The example of DESIGN.md "Config", verbatim.
const QByteArray DesignExample = R"({
  "registries": [{"host": "localhost:5000", "insecure": true,
                  "auth": {"type": "basic", "username": "ci", "password_env": "REG_PASS"}}],
  "images": [
    {"ref": "nixery.dev/shell/awscli2/openstackclient/jq/busybox", "group": "keystone-tools", "label": "nixery", "interval": "5m"},
    {"ref": "ghcr.io/example/keystone-tools:latest", "group": "keystone-tools", "label": "self-hosted"}],
  "ci": [{"provider": "github", "repo": "rook/rook", "workflow": "canary-integration-test.yml", "token_env": "GITHUB_TOKEN"},
         {"provider": "gitlab", "api_url": "https://gitlab.example.com/api/v4", "project": "group/app", "token_env": "GITLAB_TOKEN"},
         {"provider": "files", "path": "~/ci-logs"}],
  "rules": [{"id": "corp-proxy-quota", "category": "rate_limit", "pattern": "quota exceeded"}],
  "retention": "400d"
}
)";

const QString Nixery = u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s;

// Points XDG_CONFIG_HOME somewhere else for one test and restores it afterwards.
class ConfigHome
{
public:
    explicit ConfigHome(const QString &path)
        : m_had(qEnvironmentVariableIsSet("XDG_CONFIG_HOME")), m_old(qgetenv("XDG_CONFIG_HOME"))
    {
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(path));
    }
    ~ConfigHome()
    {
        if (m_had)
            qputenv("XDG_CONFIG_HOME", m_old);
        else
            qunsetenv("XDG_CONFIG_HOME");
    }

private:
    bool m_had;
    QByteArray m_old;
};

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return QDir().mkpath(QFileInfo(path).path()) && file.open(QIODevice::WriteOnly) &&
           file.write(data) == data.size();
}

} // namespace

void TestConfig::designExample()
{
    const pw::Result<pw::Config> config = pw::Config::parse(DesignExample, u"config.json"_s);
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QCOMPARE(config->sourcePath, u"config.json"_s);

    QCOMPARE(config->registries.size(), 1);
    const pw::RegistryConfig &registry = config->registries.first();
    QCOMPARE(registry.host, u"localhost:5000"_s);
    QVERIFY(registry.insecure);
    QCOMPARE(registry.authType, u"basic"_s);
    QCOMPARE(registry.username, u"ci"_s);
    QCOMPARE(registry.usernameEnv, QString());
    QCOMPARE(registry.passwordEnv, u"REG_PASS"_s);

    QCOMPARE(config->images.size(), 2);
    const pw::ImageConfig &nixery = config->images[0];
    QCOMPARE(nixery.ref, Nixery);
    QCOMPARE(nixery.canonical, Nixery + u":latest"_s);
    QCOMPARE(config->image(Nixery + u":latest"_s), &nixery);
    QCOMPARE(nixery.group, u"keystone-tools"_s);
    QCOMPARE(nixery.label, u"nixery"_s);
    QCOMPARE(nixery.intervalMs, 5 * Minute);
    QCOMPARE(nixery.deep, false);
    QCOMPARE(nixery.platform, u"linux/amd64"_s);
    QCOMPARE(nixery.timeoutMs, 0);
    const pw::ImageConfig &selfHosted = config->images[1];
    QCOMPARE(selfHosted.ref, u"ghcr.io/example/keystone-tools:latest"_s);
    QCOMPARE(selfHosted.label, u"self-hosted"_s);
    QCOMPARE(selfHosted.intervalMs, 5 * Minute); // the default

    QCOMPARE(config->ci.size(), 3);
    const pw::CiSourceConfig &github = config->ci[0];
    QCOMPARE(github.provider, u"github"_s);
    QCOMPARE(github.repo, u"rook/rook"_s);
    QCOMPARE(github.workflow, u"canary-integration-test.yml"_s);
    QCOMPARE(github.apiUrl, u"https://api.github.com"_s);
    QCOMPARE(github.tokenEnv, u"GITHUB_TOKEN"_s);
    QCOMPARE(github.intervalMs, 15 * Minute);
    const pw::CiSourceConfig &gitlab = config->ci[1];
    QCOMPARE(gitlab.provider, u"gitlab"_s);
    QCOMPARE(gitlab.project, u"group/app"_s);
    QCOMPARE(gitlab.apiUrl, u"https://gitlab.example.com/api/v4"_s);
    QCOMPARE(gitlab.tokenEnv, u"GITLAB_TOKEN"_s);
    const pw::CiSourceConfig &files = config->ci[2];
    QCOMPARE(files.provider, u"files"_s);
    QCOMPARE(files.path, QDir::homePath() + u"/ci-logs"_s);
    QCOMPARE(files.tokenEnv, QString());

    QCOMPARE(config->rules.size(), 1);
    QCOMPARE(config->rules[0].id, u"corp-proxy-quota"_s);
    QCOMPARE(config->rules[0].category, u"rate_limit"_s);
    QCOMPARE(config->rules[0].pattern, u"quota exceeded"_s);
    QCOMPARE(config->retentionMs, 400 * Day);

    QCOMPARE(config->image(Nixery), &config->images[0]);
    QCOMPARE(config->image(u"docker.io/library/busybox:latest"_s), nullptr);
}

void TestConfig::defaults()
{
    const pw::Result<pw::Config> config = pw::Config::parse(R"({"ci": [
        {"provider": "github", "repo": "a/b"},
        {"provider": "gitlab", "project": "42", "api_url": "https://git.example/api/v4/"}],
        "registries": [{"host": "r.example"}, {"host": "q.example", "auth": {"type": "token", "token_env": "Q_TOKEN"}}]})",
                                                            u"c.json"_s);
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QVERIFY(config->images.isEmpty());
    QVERIFY(config->rules.isEmpty());
    QCOMPARE(config->retentionMs, 400 * Day);
    QCOMPARE(config->ci[0].tokenEnv, u"GITHUB_TOKEN"_s);
    QCOMPARE(config->ci[1].tokenEnv, u"GITLAB_TOKEN"_s);
    QCOMPARE(config->ci[1].apiUrl, u"https://git.example/api/v4"_s); // trailing slash dropped
    QCOMPARE(config->registries[0].authType, u"none"_s);
    QCOMPARE(config->registries[1].authType, u"token"_s);
    QCOMPARE(config->registries[1].passwordEnv, u"Q_TOKEN"_s);

    const pw::Result<pw::Config> gitlab =
        pw::Config::parse(R"({"ci": [{"provider": "gitlab", "project": "g/p"}]})", u"c.json"_s);
    QVERIFY(gitlab.ok());
    QCOMPARE(gitlab->ci[0].apiUrl, u"https://gitlab.com/api/v4"_s);
}

void TestConfig::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("milliseconds") << u"500ms"_s << qint64(500);
    QTest::newRow("seconds") << u"30s"_s << qint64(30'000);
    QTest::newRow("minutes") << u"5m"_s << 5 * Minute;
    QTest::newRow("hours") << u"1h"_s << 60 * Minute;
    QTest::newRow("days") << u"7d"_s << 7 * Day;
    QTest::newRow("weeks") << u"2w"_s << 14 * Day;
}
void TestConfig::durations()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    // Intervals below 10 s are refused (intervalBelowMinimum): those rows check the rest.
    const QByteArray interval = ms >= 10'000 ? text.toUtf8() : QByteArray("10s");
    const QByteArray json = R"({"images": [{"ref": "busybox", "interval": ")" + interval +
                            R"(", "timeout": ")" + text.toUtf8() + R"("}], "retention": ")" +
                            text.toUtf8() + R"("})";
    const pw::Result<pw::Config> config = pw::Config::parse(json, u"c.json"_s);
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QCOMPARE(config->images[0].intervalMs, ms >= 10'000 ? ms : 10'000);
    QCOMPARE(config->images[0].timeoutMs, ms);
    QCOMPARE(config->retentionMs, ms);
}

void TestConfig::builtinDefault()
{
    const pw::Config config = pw::Config::builtinDefault();
    QCOMPARE(config.sourcePath, u":/config/default.json"_s);
    const pw::ImageConfig *nixery = config.image(Nixery);
    QVERIFY(nixery);
    QVERIFY(!nixery->group.isEmpty());
    const auto selfHosted = std::find_if(
        config.images.cbegin(), config.images.cend(), [&](const pw::ImageConfig &image) {
            return image.group == nixery->group && image.ref != Nixery;
        });
    QVERIFY(selfHosted != config.images.cend());
    QCOMPARE(selfHosted->label, u"self-hosted"_s);
}

void TestConfig::loadOrDefaultWithoutUserFile()
{
    TestDir home;
    const ConfigHome env(home.dir.path());
    QCOMPARE(pw::Config::defaultPath(), home.path(u"pullwatch/config.json"_s));
    const pw::Result<pw::Config> config = pw::Config::loadOrDefault({});
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QCOMPARE(*config, pw::Config::builtinDefault());
}

void TestConfig::loadOrDefaultPrefersUserFile()
{
    TestDir home;
    const ConfigHome env(home.dir.path());
    const QString path = home.path(u"pullwatch/config.json"_s);
    QVERIFY(writeFile(path, R"({"images": [{"ref": "mine:1"}]})"));
    const pw::Result<pw::Config> config = pw::Config::loadOrDefault({});
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QCOMPARE(config->sourcePath, path);
    QCOMPARE(config->images.size(), 1);
    QCOMPARE(config->images[0].ref, u"mine:1"_s);

    // A broken user file is an error, not a silent fallback to the default.
    QVERIFY(writeFile(path, "{\n  \"images\": 5\n}\n"));
    const pw::Result<pw::Config> broken = pw::Config::loadOrDefault({});
    QVERIFY(!broken.ok());
    QVERIFY2(broken.error().startsWith(path + u":2:13: "_s), qPrintable(broken.error()));
}

void TestConfig::explicitMissingFile()
{
    TestDir dir;
    const QString path = dir.path(u"nope.json"_s);
    const pw::Result<pw::Config> config = pw::Config::loadOrDefault(path);
    QVERIFY(!config.ok());
    QVERIFY2(config.error().startsWith(path + u": cannot read: "_s), qPrintable(config.error()));

    const pw::Result<pw::Config> directory = pw::Config::load(dir.dir.path());
    QVERIFY(!directory.ok());
    QVERIFY2(directory.error().contains(u"cannot read"_s), qPrintable(directory.error()));
}

void TestConfig::broken_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("fragment");

    QTest::newRow("syntax error mid-file")
        << QByteArray("{\n  \"images\": [\n    {\"ref\": \"a\" \"group\": \"g\"}\n  ]\n}\n")
        << u"3:17"_s << u"syntax error: unexpected string literal; expected '}'"_s;
    QTest::newRow("unterminated object")
        << QByteArray("{\n  \"images\": [\n    {\"ref\": \"a\"}\n  ]\n") << u"5:1"_s
        << u"syntax error: unexpected end of input; expected '}'"_s;
    QTest::newRow("missing colon before number")
        << QByteArray("{\"retention\" 12}") << u"1:14"_s
        << u"syntax error: unexpected number literal; expected ':'"_s;
    QTest::newRow("string with escaped quotes")
        << QByteArray("{\"images\": [{\"ref\": \"a\"} \"x\\\"y\"]}") << u"1:26"_s
        << u"unexpected string literal"_s;
    QTest::newRow("byte order mark and CRLF")
        << QByteArray("\xEF\xBB\xBF{\r\n  \"retention\": \"soon\"\r\n}") << u"2:16"_s
        << u"\"retention\" must be a duration"_s;
    QTest::newRow("trailing comma")
        << QByteArray("{\n  \"images\": [\n    {\"ref\": \"a\"},\n  ]\n}\n") << u"4:3"_s
        << u"syntax error: unexpected ']'"_s;
    QTest::newRow("bad literal") << QByteArray("{\"images\": [{\"ref\": \"a\", \"deep\": yes}]}")
                                 << u"1:34"_s << u"invalid literal"_s;
    QTest::newRow("wrong type") << QByteArray("{\"images\": [{\"ref\": \"a\", \"deep\": \"yes\"}]}")
                                << u"1:34"_s << u"\"deep\" must be true or false, got \"yes\""_s;
    QTest::newRow("section not an array")
        << QByteArray("{\n  \"images\": {\"ref\": \"a\"}\n}") << u"2:13"_s
        << u"\"images\" must be an array of objects, got an object"_s;
    QTest::newRow("unknown key")
        << QByteArray("{\n  \"images\": [],\n  \"imgaes\": []\n}") << u"3:3"_s
        << u"unknown key \"imgaes\" (expected one of: registries, images, ci, rules, retention)"_s;
    QTest::newRow("unknown image key")
        << QByteArray("{\"images\": [{\"ref\": \"a\", \"lable\": \"x\"}]}") << u"1:26"_s
        << u"unknown key \"lable\""_s;
    QTest::newRow("duplicate key") << QByteArray("{\"images\": [],\n \"images\": []}") << u"2:2"_s
                                   << u"duplicate key \"images\""_s;
    QTest::newRow("bad duration")
        << QByteArray("{\n  \"images\": [\n    {\"ref\": \"a\",\n     \"interval\": \"5 "
                      "minutes\"}\n  ]\n}")
        << u"4:18"_s << u"\"interval\" must be a duration like \"5m\", got \"5 minutes\""_s;
    QTest::newRow("interval below 10 s")
        << QByteArray("{\"images\": [{\"ref\": \"a\", \"interval\": \"1ms\"}]}") << u"1:38"_s
        << u"\"interval\" must be at least 10 s"_s;
    QTest::newRow("ci interval below 10 s")
        << QByteArray("{\"ci\": [{\"provider\": \"files\", \"path\": \"/x\", \"interval\": "
                      "\"5s\"}]}")
        << u"1:57"_s << u"\"interval\" must be at least 10 s"_s;
    QTest::newRow("invalid rule pattern")
        << QByteArray("{\"rules\": [\n  {\"id\": \"r\", \"category\": \"dns\",\n   \"pattern\": "
                      "\"lookup (\"}]}")
        << u"3:15"_s << u"\"pattern\" is not a valid regular expression"_s;
    QTest::newRow("rule with an unknown capture group")
        << QByteArray("{\"rules\": [{\"id\": \"r\", \"category\": \"dns\", \"pattern\": "
                      "\"(?<name>x)\"}]}")
        << u"1:54"_s << u"unknown capture group \"name\""_s;
    QTest::newRow("zero duration") << QByteArray("{\"retention\": \"0d\"}") << u"1:15"_s
                                   << u"\"retention\" must be longer than zero"_s;
    QTest::newRow("numeric duration") << QByteArray("{\"retention\": 400}") << u"1:15"_s
                                      << u"must be a duration like \"5m\", got 400"_s;
    QTest::newRow("ref with space") << QByteArray("{\"images\": [{\"ref\": \"busy box\"}]}")
                                    << u"1:21"_s << u"without spaces"_s;
    QTest::newRow("uppercase ref")
        << QByteArray("{\"images\": [{\"ref\": \"ghcr.io/Foo/bar\"}]}") << u"1:21"_s
        << u"invalid reference \"ghcr.io/Foo/bar\": repository name must be lowercase"_s;
    QTest::newRow("same image twice after normalization")
        << QByteArray("{\"images\": [{\"ref\": \"busybox\"},\n {\"ref\": "
                      "\"docker.io/library/busybox:latest\"}]}")
        << u"2:10"_s << u"duplicate image"_s;
    QTest::newRow("missing ref") << QByteArray("{\"images\": [\n  {\"label\": \"x\"}]}") << u"2:3"_s
                                 << u"images[0] is missing \"ref\""_s;
    QTest::newRow("bad provider")
        << QByteArray("{\"ci\": [{\"provider\": \"jenkins\"}]}") << u"1:22"_s
        << u"\"provider\" must be one of github, gitlab, files, got \"jenkins\""_s;
    QTest::newRow("missing repo")
        << QByteArray("{\"ci\": [\n  {\"provider\": \"github\", \"workflow\": \"x.yml\"}\n]}")
        << u"2:3"_s << u"ci[0] is missing \"repo\""_s;
    QTest::newRow("repo not OWNER/REPO")
        << QByteArray("{\"ci\": [{\"provider\": \"github\", \"repo\": \"rook\"}]}") << u"1:40"_s
        << u"\"repo\" must be OWNER/REPO"_s;
    QTest::newRow("key of another provider")
        << QByteArray("{\"ci\": [{\"provider\": \"gitlab\", \"repo\": \"a/b\"}]}") << u"1:32"_s
        << u"unknown key \"repo\" for provider \"gitlab\""_s;
    QTest::newRow("password key")
        << QByteArray("{\"registries\": [\n  {\"host\": \"r.example\", \"auth\": {\"type\": "
                      "\"basic\", \"username\": \"ci\", \"password\": \"hunter2\"}}\n]}")
        << u"2:69"_s << u"key \"password\" is not allowed"_s;
    QTest::newRow("token key")
        << QByteArray("{\"ci\": [{\"provider\": \"github\", \"repo\": \"a/b\", \"token\": \"x\"}]}")
        << u"1:47"_s << u"\"token_env\""_s;
    QTest::newRow("basic without password_env")
        << QByteArray("{\"registries\": [{\"host\": \"r\", \"auth\": {\"type\": \"basic\", "
                      "\"username\": \"ci\"}}]}")
        << u"1:39"_s << u"registries[0].auth is missing \"password_env\""_s;
    QTest::newRow("bad auth type")
        << QByteArray("{\"registries\": [{\"host\": \"r\", \"auth\": {\"type\": \"oauth\"}}]}")
        << u"1:48"_s << u"\"type\" must be one of none, basic, token"_s;
    QTest::newRow("env name is a secret")
        << QByteArray("{\"registries\": [{\"host\": \"r\", \"auth\": {\"type\": \"token\", "
                      "\"token_env\": \"ghp_x y\"}}]}")
        << u"1:70"_s << u"must name an environment variable"_s;
    QTest::newRow("duplicate image")
        << QByteArray("{\"images\": [\n  {\"ref\": \"busybox\"},\n  {\"ref\": \"busybox\"}\n]}")
        << u"3:11"_s << u"duplicate image \"busybox\" (first listed at 2:11)"_s;
    QTest::newRow("bad category")
        << QByteArray(
               "{\"rules\": [{\"id\": \"x\", \"category\": \"ratelimit\", \"pattern\": \"p\"}]}")
        << u"1:36"_s << u"\"category\" must be one of platform, integrity, disk, rate_limit"_s;
    QTest::newRow("empty pattern")
        << QByteArray("{\"rules\": [{\"id\": \"x\", \"category\": \"auth\", \"pattern\": \"\"}]}")
        << u"1:55"_s << u"\"pattern\" must not be empty"_s;
    QTest::newRow("non-object root") << QByteArray("[1, 2]") << u"1:1"_s
                                     << u"expected a JSON object at the top level, got an array"_s;
    QTest::newRow("empty file") << QByteArray("") << u"1:1"_s << u"empty"_s;
    QTest::newRow("whitespace only") << QByteArray(" \n\t\n") << u"1:1"_s << u"empty"_s;
    QTest::newRow("invalid UTF-8")
        << QByteArray("{\"images\": [{\"ref\": \"caf\xC3(\"}]}") << u"1:26"_s
        << u"syntax error: invalid string: ill-formed UTF-8 byte; last read: '\"caf\\xC3('"_s;
    QTest::newRow("column counts characters")
        << QByteArray("{\"images\": [{\"label\": \"\xC3\xA9t\xC3\xA9\", \"ref\": 1}]}") << u"1:37"_s
        << u"\"ref\" must be a string, got 1"_s;
    QTest::newRow("too deep") << QByteArray(100, '[') + QByteArray(100, ']') << u"1:66"_s
                              << u"nested deeper than 64 levels"_s;
}
void TestConfig::broken()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, where);
    QFETCH(QString, fragment);
    const pw::Result<pw::Config> config = pw::Config::parse(json, u"config.json"_s);
    QVERIFY(!config.ok());
    const QString &error = config.error();
    QVERIFY2(error.startsWith(u"config.json:"_s + where + u": "_s), qPrintable(error));
    QVERIFY2(error.contains(fragment), qPrintable(error));
    QVERIFY2(!error.contains(u'\n'), qPrintable(error));
}

void TestConfig::insecureIsThreeWay()
{
    const pw::Result<pw::Config> config = pw::Config::parse(
        R"({"registries": [{"host": "a:5000"}, {"host": "b:5000", "insecure": false},
                           {"host": "c:5000", "insecure": true}]})",
        u"config.json"_s);
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QVERIFY(!config->registries[0].insecure.has_value());
    QCOMPARE(config->registries[1].insecure, std::optional<bool>(false));
    QCOMPARE(config->registries[2].insecure, std::optional<bool>(true));
}

// Teams run their own nixery: "on_demand" makes any registry one; nixery.dev is by default and
// can be told otherwise.
void TestConfig::onDemandIsAProperty()
{
    const pw::Result<pw::Config> config = pw::Config::parse(
        R"({"registries": [{"host": "nix.example.org:8443", "on_demand": true},
                           {"host": "nixery.dev", "on_demand": false}, {"host": "b:5000"}]})",
        u"config.json"_s);
    QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
    QVERIFY(pw::isOnDemand(config->registries, u"nix.example.org:8443"_s));
    QVERIFY(!pw::isOnDemand(config->registries, u"nixery.dev"_s));
    QVERIFY(!pw::isOnDemand(config->registries, u"b:5000"_s));
    QVERIFY(pw::isOnDemand({}, u"nixery.dev"_s));
    QVERIFY(!pw::isOnDemand({}, u"ghcr.io"_s));

    const pw::Result<pw::Config> bad = pw::Config::parse(
        R"({"registries": [{"host": "a:5000", "on_demand": "yes"}]})", u"config.json"_s);
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().startsWith(u"config.json:1:"_s) && bad.error().contains(u"on_demand"_s),
             qPrintable(bad.error()));
}

namespace {
// A throwaway self-signed CA certificate (openssl req -x509, prime256v1).
const QByteArray CaPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmjCCAUGgAwIBAgIUMkDWumky3JzxRG66i2rDhwBvun8wCgYIKoZIzj0EAwIw\n"
    "IzEhMB8GA1UEAwwYcHVsbHdhdGNoLWNvbmZpZy10ZXN0LWNhMB4XDTI2MTIwMjIy\n"
    "MzUyOFoXDTM2MTEyOTIyMzUyOFowIzEhMB8GA1UEAwwYcHVsbHdhdGNoLWNvbmZp\n"
    "Zy10ZXN0LWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1mla89faMwkXZWbi\n"
    "nJBRctQL25oLAKVGRYBv/f6XwMh+Ka7FkKC5UQmHxzViAXNq1rTURlHLWsYzeWrR\n"
    "v/kCLKNTMFEwHQYDVR0OBBYEFGjBW5ztKz51Yw/vfP7aPAzYZoHAMB8GA1UdIwQY\n"
    "MBaAFGjBW5ztKz51Yw/vfP7aPAzYZoHAMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI\n"
    "zj0EAwIDRwAwRAIgUppAP4Sb2wx90SlpIklYT+WGDyCvNC3k7qSTpMqGASsCIHDT\n"
    "v+5iPh3pf4QoFGq+7V22XH9nD1sY3E4kVM1dcIsk\n"
    "-----END CERTIFICATE-----\n";
} // namespace

void TestConfig::caFile_data()
{
    QTest::addColumn<QString>("value");   // {dir}: the config's directory
    QTest::addColumn<QString>("problem"); // empty: loads
    QTest::newRow("relative to the config's directory") << u"certs/ca.pem"_s << QString();
    QTest::newRow("absolute") << u"{dir}/certs/ca.pem"_s << QString();
    QTest::newRow("a bundle with text around the certificate") << u"certs/bundle.pem"_s << QString();
    QTest::newRow("missing") << u"certs/none.pem"_s << u"/certs/none.pem: no such file"_s;
    QTest::newRow("a directory") << u"certs"_s << u": not a regular file"_s;
    QTest::newRow("not PEM") << u"certs/key.txt"_s << u"no PEM certificate in "_s;
    QTest::newRow("empty") << QString() << u"\"ca_file\" must not be empty"_s;
}

void TestConfig::caFile()
{
    QFETCH(QString, value);
    QFETCH(QString, problem);
    TestDir dir;
    QVERIFY(QDir(dir.dir.path()).mkpath(u"certs"_s));
    const auto write = [&](const QString &name, const QByteArray &data) {
        QFile file(dir.path(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(data);
    };
    write(u"certs/ca.pem"_s, CaPem);
    write(u"certs/bundle.pem"_s, "# the team's CA\n" + CaPem + "\n");
    write(u"certs/key.txt"_s, "not a certificate\n");
    const QString path = dir.path(u"config.json"_s);
    write(u"config.json"_s, "{\"registries\": [\n  {\"host\": \"localhost:5443\", \"ca_file\": \"" +
                                QString(value).replace(u"{dir}"_s, dir.dir.path()).toUtf8() +
                                "\"}]}\n");
    const pw::Result<pw::Config> config = pw::Config::load(path);
    if (problem.isEmpty()) {
        QVERIFY2(config.ok(), qPrintable(config ? QString() : config.error()));
        const pw::RegistryConfig &registry = config->registries.first();
        QCOMPARE(registry.caFile, QFileInfo(dir.path(value.endsWith(u"bundle.pem"_s)
                                                         ? u"certs/bundle.pem"_s
                                                         : u"certs/ca.pem"_s))
                                      .canonicalFilePath());
        QCOMPARE(registry.caCertificates.size(), 1);
        QCOMPARE(registry.caCertificates.first().subjectInfo(QSslCertificate::CommonName),
                 QStringList{u"pullwatch-config-test-ca"_s});
        return;
    }
    QVERIFY(!config.ok());
    // At the value, with what is wrong and where it looked.
    QVERIFY2(config.error().startsWith(path + u":2:41: "_s), qPrintable(config.error()));
    QVERIFY2(config.error().contains(problem), qPrintable(config.error()));
}

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
