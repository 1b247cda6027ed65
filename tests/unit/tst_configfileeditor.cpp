// ConfigFileEditor: what the settings dialog saves is what the loader reads, members the form does
// not show survive, and nothing invalid or secret reaches the file.
#include "config/Config.h"
#include "config/ConfigFileEditor.h"
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace Qt::StringLiterals;
using namespace pw;

// Declared before the test data: moc reads "//" in the URLs below as a comment.
class TestConfigFileEditor : public QObject
{
    Q_OBJECT

private slots:
    void roundTripKeepsUnknownMembers();
    void savedFileLoadsTheSameConfig();
    void fieldChecks_data();
    void fieldChecks();
    void invalidDocumentRefused_data();
    void invalidDocumentRefused();
    void secretsRefused_data();
    void secretsRefused();
    void missingDirectoryCreated();
    void unreadableFileReported();
    void failedWriteKeepsOldFile();
};

namespace {

const QByteArray Example = R"({
  "registries": [{"host": "localhost:5000", "insecure": true,
                  "auth": {"type": "basic", "username": "ci", "password_env": "REG_PASS"}}],
  "images": [
    {"ref": "nixery.dev/shell/awscli2/openstackclient/jq/busybox", "group": "keystone-tools", "label": "nixery", "interval": "5m", "platform": "linux/arm64/v8"},
    {"ref": "ghcr.io/example/keystone-tools:latest", "group": "keystone-tools", "label": "self-hosted", "timeout": "2m"}],
  "ci": [{"provider": "github", "repo": "rook/rook", "workflow": "canary-integration-test.yml", "token_env": "GITHUB_TOKEN"},
         {"provider": "gitlab", "api_url": "https://gitlab.example.com/api/v4", "project": "group/app", "token_env": "GITLAB_TOKEN"},
         {"provider": "files", "path": "~/ci-logs"}],
  "rules": [{"id": "corp-proxy-quota", "category": "rate_limit", "pattern": "quota exceeded"}],
  "retention": "400d"
}
)";

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QJsonObject object(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

void TestConfigFileEditor::roundTripKeepsUnknownMembers()
{
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    QVERIFY(writeAll(path, Example));
    ConfigFileEditor editor(path);
    QVERIFY(!editor.isBuiltinDefault());
    QCOMPARE(editor.loadError(), QString());

    // The dialog changes one label; everything else goes back as it was.
    QJsonObject config = editor.config();
    QJsonArray images = config[u"images"_s].toArray();
    QJsonObject second = images[1].toObject();
    second[u"label"_s] = u"mirror"_s;
    images[1] = second;
    config[u"images"_s] = images;
    QVERIFY(editor.save(config));

    const QJsonObject written = object(readAll(path));
    const QJsonObject before = object(Example);
    QCOMPARE(written[u"rules"_s], before[u"rules"_s]);
    QCOMPARE(written[u"retention"_s], before[u"retention"_s]);
    QCOMPARE(written[u"ci"_s], before[u"ci"_s]);
    QCOMPARE(written[u"registries"_s], before[u"registries"_s]);
    QCOMPARE(written[u"images"_s].toArray()[0], before[u"images"_s].toArray()[0]);
    QCOMPARE(written[u"images"_s].toArray()[1].toObject()[u"timeout"_s].toString(), u"2m"_s);
    QCOMPARE(written, config);
    QCOMPARE(editor.config(), config);

    // Readable: indented, members in the order DESIGN.md writes them.
    const QByteArray text = readAll(path);
    QVERIFY(text.startsWith("{\n  \"registries\": [\n"));
    QVERIFY(text.indexOf("\"ref\"") < text.indexOf("\"group\""));
    QVERIFY(text.indexOf("\"images\"") < text.indexOf("\"retention\""));
}

void TestConfigFileEditor::savedFileLoadsTheSameConfig()
{
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    QVERIFY(writeAll(path, Example));
    const Result<Config> before = Config::load(path);
    QVERIFY(before);
    ConfigFileEditor editor(path);
    QVERIFY(editor.save(editor.config()));
    const Result<Config> after = Config::load(path);
    QVERIFY2(after, qPrintable(after ? QString() : after.error()));
    QCOMPARE(after->images, before->images);
    QCOMPARE(after->registries, before->registries);
    QCOMPARE(after->ci, before->ci);
    QCOMPARE(after->rules, before->rules);
    QCOMPARE(after->retentionMs, before->retentionMs);
}

void TestConfigFileEditor::fieldChecks_data()
{
    QTest::addColumn<bool>("isRef");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected"); // a part of the message, empty when accepted

    QTest::newRow("short ref") << true << u"busybox"_s << QString();
    QTest::newRow("nixery ref") << true << u"nixery.dev/shell/jq"_s << QString();
    QTest::newRow("digest ref") << true << QString(u"ghcr.io/o/app@sha256:"_s + QString(64, u'a'))
                                << QString();
    QTest::newRow("upper case") << true << u"Busybox"_s << u"invalid reference \"Busybox\""_s;
    QTest::newRow("space") << true << u"busy box"_s << u"without spaces"_s;
    QTest::newRow("empty ref") << true << QString() << u"must not be empty"_s;
    QTest::newRow("minutes") << false << u"5m"_s << QString();
    QTest::newRow("days") << false << u"7d"_s << QString();
    QTest::newRow("unit missing") << false << u"5"_s << u"must be a duration like \"5m\""_s;
    QTest::newRow("zero") << false << u"0s"_s << u"must be longer than zero"_s;
}

void TestConfigFileEditor::fieldChecks()
{
    QFETCH(bool, isRef);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    ConfigFileEditor editor(TestDir().path(u"none.json"_s));
    const QString message = isRef ? editor.checkImageRef(value) : editor.checkInterval(value);
    if (expected.isEmpty())
        QCOMPARE(message, QString());
    else
        QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY(!message.contains(u"none.json"_s)); // no place: the dialog names the cell
}

void TestConfigFileEditor::invalidDocumentRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("section");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("key");

    QTest::newRow("bad ref") << QByteArray(R"({"images": [{"ref": "busybox"}, {"ref": "A:b"}]})")
                             << u"images"_s << 1 << u"ref"_s;
    QTest::newRow("duplicate image")
        << QByteArray(R"({"images": [{"ref": "busybox"}, {"ref": "docker.io/library/busybox"}]})")
        << u"images"_s << 1 << u"ref"_s;
    QTest::newRow("platform") << QByteArray(R"({"images": [{"ref": "a", "platform": "linux"}]})")
                              << u"images"_s << 0 << u"platform"_s;
    QTest::newRow("host with scheme")
        << QByteArray(R"({"registries": [{"host": "https://r.example"}]})") << u"registries"_s << 0
        << u"host"_s;
    QTest::newRow("basic without user")
        << QByteArray(R"({"registries": [{"host": "r", "auth": {"type": "basic",
           "password_env": "P"}}]})")
        << u"registries"_s << 0 << u"auth"_s;
    QTest::newRow("env name") << QByteArray(R"({"registries": [{"host": "r", "auth":
           {"type": "token", "token_env": "my token"}}]})")
                              << u"registries"_s << 0 << u"auth.token_env"_s;
    QTest::newRow("api url") << QByteArray(R"({"ci": [{"provider": "gitlab", "project": "g/a",
           "api_url": "gitlab.example.com"}]})")
                             << u"ci"_s << 0 << u"api_url"_s;
    QTest::newRow("retention") << QByteArray(R"({"retention": "forever"})") << u"retention"_s << -1
                               << QString();
}

void TestConfigFileEditor::invalidDocumentRefused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, section);
    QFETCH(int, index);
    QFETCH(QString, key);
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    QVERIFY(writeAll(path, Example));
    ConfigFileEditor editor(path);
    const QJsonObject document = object(json);
    QVERIFY(!document.isEmpty());

    // The same one line the loader gives for the file as it would be written.
    const Result<Config> loaded = Config::parse(ConfigFileEditor::serialize(document), path);
    QVERIFY(!loaded);
    const ConfigIssue issue = editor.check(document);
    QCOMPARE(issue.message, loaded.error());
    QVERIFY(issue.message.endsWith(u": "_s + issue.detail));
    QCOMPARE(issue.section, section);
    QCOMPARE(issue.index, index);
    QCOMPARE(issue.key, key);

    QSignalSpy saved(&editor, &ConfigEditor::saved);
    const Status status = editor.save(document);
    QVERIFY(!status);
    QCOMPARE(status.error(), loaded.error());
    QCOMPARE(readAll(path), Example);
    QCOMPARE(saved.count(), 0);
}

void TestConfigFileEditor::secretsRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("key");

    QTest::newRow("password") << QByteArray(R"({"registries": [{"host": "r", "auth": {"type":
           "basic", "username": "u", "password": "hunter2"}}]})")
                              << u"auth.password"_s;
    QTest::newRow("token") << QByteArray(R"({"ci": [{"provider": "github", "repo": "o/r",
           "token": "ghp_x"}]})")
                           << u"token"_s;
    QTest::newRow("secret") << QByteArray(R"({"ci": [{"provider": "gitlab", "project": "g/a",
           "client_secret": "s3"}]})")
                            << u"client_secret"_s;
    QTest::newRow("top level") << QByteArray(R"({"Secret": "x"})") << QString();
}

void TestConfigFileEditor::secretsRefused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, key);
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    ConfigFileEditor editor(path);
    const ConfigIssue issue = editor.check(object(json));
    QVERIFY2(issue.detail.contains(u"secrets never go in the config file"_s),
             qPrintable(issue.message));
    QVERIFY(issue.detail.contains(u"_env\" instead"_s));
    QVERIFY(issue.message.startsWith(path + u':'));
    QCOMPARE(issue.key, key);
    const Status status = editor.save(object(json));
    QCOMPARE(status.error(), issue.message);
    QVERIFY(!QFile::exists(path));
}

void TestConfigFileEditor::missingDirectoryCreated()
{
    TestDir dir;
    const QString path = dir.path(u"xdg/pullwatch/config.json"_s);
    ConfigFileEditor editor(path);
    QVERIFY(editor.isBuiltinDefault());
    QCOMPARE(editor.path(), path);
    QCOMPARE(editor.loadError(), QString());
    // Starts from the built-in default, which then becomes the user's file.
    const QJsonArray images = editor.config()[u"images"_s].toArray();
    QCOMPARE(images.size(), Config::builtinDefault().images.size());

    QSignalSpy saved(&editor, &ConfigEditor::saved);
    QVERIFY(editor.save(editor.config()));
    QCOMPARE(saved.count(), 1);
    QCOMPARE(saved.first().first().toString(), path);
    QVERIFY(!editor.isBuiltinDefault());
    const Result<Config> loaded = Config::load(path);
    QVERIFY(loaded);
    QCOMPARE(loaded->images, Config::builtinDefault().images);
}

void TestConfigFileEditor::unreadableFileReported()
{
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    QVERIFY(writeAll(path, "{\"images\": [ oops"));
    ConfigFileEditor editor(path);
    QVERIFY(editor.loadError().startsWith(path + u": not JSON"_s));
    QVERIFY(!editor.isBuiltinDefault());
    QVERIFY(editor.config().isEmpty());
    // Saving a good document replaces the broken file.
    QVERIFY(editor.save(object(R"({"images": [{"ref": "busybox"}]})")));
    QVERIFY(Config::load(path));
}

void TestConfigFileEditor::failedWriteKeepsOldFile()
{
    TestDir dir;
    const QString path = dir.path(u"config.json"_s);
    QVERIFY(writeAll(path, Example));
    ConfigFileEditor editor(path);
    QJsonObject config = editor.config();
    QJsonArray images;
    for (int i = 0; i < 200; ++i)
        images.append(QJsonObject{{u"ref"_s, u"registry.example/app%1:latest"_s.arg(i)}});
    config[u"images"_s] = images;

    // A file size limit below the new document's size: the write fails as on a full disk
    // (works as root too, unlike a read-only directory).
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = rlim_t(Example.size() + 16);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    const Status status = editor.save(config);
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, oldHandler);

    QVERIFY(!status);
    QVERIFY2(status.error().startsWith(path + u": cannot write"_s), qPrintable(status.error()));
    QCOMPARE(readAll(path), Example);
    QCOMPARE(QDir(dir.dir.path()).entryList(QDir::Files), QStringList{u"config.json"_s});
    QCOMPARE(editor.config(), object(Example));
}

QTEST_GUILESS_MAIN(TestConfigFileEditor)
#include "tst_configfileeditor.moc"
