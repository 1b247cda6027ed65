#include "ImageReference.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

// Digests from distribution/reference's normalize_test.go.
const QString Redis = u"sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"_s;
const QString Busybox =
    u"sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"_s;
const QString ImageId = u"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"_s;

QString repeated(char16_t c, qsizetype count)
{
    return QString(count, QChar(c));
}

QString errorOf(const Result<ImageReference> &result)
{
    return result.ok() ? QString() : result.error();
}

// One valid row: what parse() must make of the input.
void addValid(const char *name, const QString &input, const QString &registry,
              const QString &repository, const QString &tag, const QString &digest,
              const QString &canonical, const QString &familiar)
{
    QTest::newRow(name) << input << registry << repository << tag << digest << canonical
                        << familiar;
}

} // namespace

namespace pw {
// QCOMPARE prints references by their canonical form.
char *toString(const ImageReference &ref)
{
    return QTest::toString(ref.canonical());
}
} // namespace pw

class TstImageReference : public QObject
{
    Q_OBJECT

private slots:
    void valid_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("registry");
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("digest");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<QString>("familiar");
        const QString hub = u"docker.io"_s;
        const QString latest = u"latest"_s;

        // Docker Hub and the library/ prefix.
        addValid("official image", u"busybox"_s, hub, u"library/busybox"_s, latest, {},
                 u"docker.io/library/busybox:latest"_s, u"busybox"_s);
        addValid("library/ given", u"library/busybox"_s, hub, u"library/busybox"_s, latest, {},
                 u"docker.io/library/busybox:latest"_s, u"busybox"_s);
        addValid("docker.io without library/", u"docker.io/busybox"_s, hub, u"library/busybox"_s,
                 latest, {}, u"docker.io/library/busybox:latest"_s, u"busybox"_s);
        addValid("fully qualified", u"docker.io/library/busybox:latest"_s, hub,
                 u"library/busybox"_s, latest, {}, u"docker.io/library/busybox:latest"_s,
                 u"busybox"_s);
        addValid("legacy index.docker.io", u"index.docker.io/library/busybox:1"_s, hub,
                 u"library/busybox"_s, u"1"_s, {}, u"docker.io/library/busybox:1"_s,
                 u"busybox:1"_s);
        addValid("index.docker.io without library/", u"index.docker.io/debian"_s, hub,
                 u"library/debian"_s, latest, {}, u"docker.io/library/debian:latest"_s,
                 u"debian"_s);
        addValid("index.docker.io user repo", u"index.docker.io/docker/docker"_s, hub,
                 u"docker/docker"_s, latest, {}, u"docker.io/docker/docker:latest"_s,
                 u"docker/docker"_s);
        addValid("user repo", u"docker/docker"_s, hub, u"docker/docker"_s, latest, {},
                 u"docker.io/docker/docker:latest"_s, u"docker/docker"_s);
        addValid("user repo with tag", u"user/app:1"_s, hub, u"user/app"_s, u"1"_s, {},
                 u"docker.io/user/app:1"_s, u"user/app:1"_s);
        addValid("explicit latest is the default", u"busybox:latest"_s, hub, u"library/busybox"_s,
                 latest, {}, u"docker.io/library/busybox:latest"_s, u"busybox"_s);
        addValid("other/library", u"other/library"_s, hub, u"other/library"_s, latest, {},
                 u"docker.io/other/library:latest"_s, u"other/library"_s);
        addValid("nested library keeps prefix", u"library/foo/bar"_s, hub, u"library/foo/bar"_s,
                 latest, {}, u"docker.io/library/foo/bar:latest"_s, u"library/foo/bar"_s);
        addValid("docker.io nested library", u"docker.io/library/foo/bar"_s, hub,
                 u"library/foo/bar"_s, latest, {}, u"docker.io/library/foo/bar:latest"_s,
                 u"library/foo/bar"_s);
        // Found by fuzz_reference: a Hub path whose first segment looks like a host keeps
        // docker.io in its familiar form, else the familiar form names another registry.
        addValid("Hub path starting like a domain", u"docker.io/lidocker.io/brary/nginx"_s, hub,
                 u"lidocker.io/brary/nginx"_s, latest, {},
                 u"docker.io/lidocker.io/brary/nginx:latest"_s,
                 u"docker.io/lidocker.io/brary/nginx"_s);
        addValid("Hub path starting with localhost", u"docker.io/localhost/x:1"_s, hub,
                 u"localhost/x"_s, u"1"_s, {}, u"docker.io/localhost/x:1"_s,
                 u"docker.io/localhost/x:1"_s);
        addValid("store/foo/bar", u"store/foo/bar"_s, hub, u"store/foo/bar"_s, latest, {},
                 u"docker.io/store/foo/bar:latest"_s, u"store/foo/bar"_s);
        addValid("dots and dashes in name", u"ubuntu-12.04-base"_s, hub,
                 u"library/ubuntu-12.04-base"_s, latest, {},
                 u"docker.io/library/ubuntu-12.04-base:latest"_s, u"ubuntu-12.04-base"_s);
        addValid("underscore first segment is no domain", u"test_com/foo"_s, hub, u"test_com/foo"_s,
                 latest, {}, u"docker.io/test_com/foo:latest"_s, u"test_com/foo"_s);
        addValid("short name looking like an id prefix", u"dbcc1"_s, hub, u"library/dbcc1"_s,
                 latest, {}, u"docker.io/library/dbcc1:latest"_s, u"dbcc1"_s);
        addValid("63 hex digits are a name", ImageId.left(63), hub,
                 u"library/"_s + ImageId.left(63), latest, {},
                 u"docker.io/library/"_s + ImageId.left(63) + u":latest"_s, ImageId.left(63));
        addValid(
            "64 non-hex characters",
            u"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"_s, hub,
            u"library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"_s, latest,
            {},
            u"docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest"_s,
            u"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"_s);
        // With a registry in front the ID is unambiguous (normalize_test.go moved it to valid).
        addValid("64 hex with a registry", u"docker.io/"_s + ImageId, hub, u"library/"_s + ImageId,
                 latest, {}, u"docker.io/library/"_s + ImageId + u":latest"_s, ImageId);
        // The ID check looks at the whole input, as ParseNormalizedNamed does.
        addValid("64 hex with a tag", ImageId + u":v1"_s, hub, u"library/"_s + ImageId, u"v1"_s, {},
                 u"docker.io/library/"_s + ImageId + u":v1"_s, ImageId + u":v1"_s);

        // What counts as a registry: '.', ':' or exactly localhost in the first segment.
        addValid("foo:5000 is a tag", u"foo:5000"_s, hub, u"library/foo"_s, u"5000"_s, {},
                 u"docker.io/library/foo:5000"_s, u"foo:5000"_s);
        addValid("foo:5000/bar is a registry", u"foo:5000/bar"_s, u"foo:5000"_s, u"bar"_s, latest,
                 {}, u"foo:5000/bar:latest"_s, u"foo:5000/bar"_s);
        addValid("localhost alone is an image", u"localhost"_s, hub, u"library/localhost"_s, latest,
                 {}, u"docker.io/library/localhost:latest"_s, u"localhost"_s);
        addValid("localhost:5000 alone is image and tag", u"localhost:5000"_s, hub,
                 u"library/localhost"_s, u"5000"_s, {}, u"docker.io/library/localhost:5000"_s,
                 u"localhost:5000"_s);
        addValid("localhost registry", u"localhost/foo"_s, u"localhost"_s, u"foo"_s, latest, {},
                 u"localhost/foo:latest"_s, u"localhost/foo"_s);
        addValid("localhost with port and tag", u"localhost:5000/foo/bar:tag"_s,
                 u"localhost:5000"_s, u"foo/bar"_s, u"tag"_s, {}, u"localhost:5000/foo/bar:tag"_s,
                 u"localhost:5000/foo/bar:tag"_s);
        addValid("IPv4 with port", u"127.0.0.1:5000/docker/docker"_s, u"127.0.0.1:5000"_s,
                 u"docker/docker"_s, latest, {}, u"127.0.0.1:5000/docker/docker:latest"_s,
                 u"127.0.0.1:5000/docker/docker"_s);
        addValid("library/ kept off the Hub", u"127.0.0.1:5000/library/debian"_s,
                 u"127.0.0.1:5000"_s, u"library/debian"_s, latest, {},
                 u"127.0.0.1:5000/library/debian:latest"_s, u"127.0.0.1:5000/library/debian"_s);
        addValid("no library/ added off the Hub", u"127.0.0.1:8000/privatebase"_s,
                 u"127.0.0.1:8000"_s, u"privatebase"_s, latest, {},
                 u"127.0.0.1:8000/privatebase:latest"_s, u"127.0.0.1:8000/privatebase"_s);
        addValid("one-digit port", u"192.168.0.1:8/debian"_s, u"192.168.0.1:8"_s, u"debian"_s,
                 latest, {}, u"192.168.0.1:8/debian:latest"_s, u"192.168.0.1:8/debian"_s);
        addValid("bare IPv4 is an image name", u"192.168.0.1"_s, hub, u"library/192.168.0.1"_s,
                 latest, {}, u"docker.io/library/192.168.0.1:latest"_s, u"192.168.0.1"_s);
        addValid("bare IPv4:port is name and tag", u"192.168.0.1:80"_s, hub,
                 u"library/192.168.0.1"_s, u"80"_s, {}, u"docker.io/library/192.168.0.1:80"_s,
                 u"192.168.0.1:80"_s);
        addValid("domain", u"example.com/private/moonbase"_s, u"example.com"_s,
                 u"private/moonbase"_s, latest, {}, u"example.com/private/moonbase:latest"_s,
                 u"example.com/private/moonbase"_s);
        addValid("domain with port", u"example.com:8000/privatebasee"_s, u"example.com:8000"_s,
                 u"privatebasee"_s, latest, {}, u"example.com:8000/privatebasee:latest"_s,
                 u"example.com:8000/privatebasee"_s);
        addValid("dash in host with port", u"test-com:8080/foo"_s, u"test-com:8080"_s, u"foo"_s,
                 latest, {}, u"test-com:8080/foo:latest"_s, u"test-com:8080/foo"_s);
        addValid("punycode host", u"xn--n3h.com:18080/foo"_s, u"xn--n3h.com:18080"_s, u"foo"_s,
                 latest, {}, u"xn--n3h.com:18080/foo:latest"_s, u"xn--n3h.com:18080/foo"_s);
        addValid("port is not range-checked", u"example.com:99999/foo"_s, u"example.com:99999"_s,
                 u"foo"_s, latest, {}, u"example.com:99999/foo:latest"_s,
                 u"example.com:99999/foo"_s);
        addValid("uppercase domain", u"FOO.example.com/bar"_s, u"FOO.example.com"_s, u"bar"_s,
                 latest, {}, u"FOO.example.com/bar:latest"_s, u"FOO.example.com/bar"_s);
        addValid("IPv6 loopback with port", u"[::1]:5000/foo"_s, u"[::1]:5000"_s, u"foo"_s, latest,
                 {}, u"[::1]:5000/foo:latest"_s, u"[::1]:5000/foo"_s);
        addValid("IPv6 without port", u"[::1]/foo"_s, u"[::1]"_s, u"foo"_s, latest, {},
                 u"[::1]/foo:latest"_s, u"[::1]/foo"_s);
        addValid("IPv6 uncompressed", u"[fc00:1:2:3:4:5:6:7]:5000/library/debian"_s,
                 u"[fc00:1:2:3:4:5:6:7]:5000"_s, u"library/debian"_s, latest, {},
                 u"[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest"_s,
                 u"[fc00:1:2:3:4:5:6:7]:5000/library/debian"_s);
        addValid("ghcr", u"ghcr.io/x/y:z"_s, u"ghcr.io"_s, u"x/y"_s, u"z"_s, {}, u"ghcr.io/x/y:z"_s,
                 u"ghcr.io/x/y:z"_s);
        addValid("nixery", u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s,
                 u"nixery.dev"_s, u"shell/awscli2/openstackclient/jq/busybox"_s, latest, {},
                 u"nixery.dev/shell/awscli2/openstackclient/jq/busybox:latest"_s,
                 u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s);

        // Path components and their separators.
        addValid("deep path", u"a/b/c/d/e"_s, hub, u"a/b/c/d/e"_s, latest, {},
                 u"docker.io/a/b/c/d/e:latest"_s, u"a/b/c/d/e"_s);
        addValid("separator __", u"a__b"_s, hub, u"library/a__b"_s, latest, {},
                 u"docker.io/library/a__b:latest"_s, u"a__b"_s);
        addValid("separator _", u"a_b"_s, hub, u"library/a_b"_s, latest, {},
                 u"docker.io/library/a_b:latest"_s, u"a_b"_s);
        addValid("separator -", u"a-b"_s, hub, u"library/a-b"_s, latest, {},
                 u"docker.io/library/a-b:latest"_s, u"a-b"_s);
        addValid("separator --", u"a--b"_s, hub, u"library/a--b"_s, latest, {},
                 u"docker.io/library/a--b:latest"_s, u"a--b"_s);
        addValid("separator .", u"a.b"_s, hub, u"library/a.b"_s, latest, {},
                 u"docker.io/library/a.b:latest"_s, u"a.b"_s);
        addValid("many dashes", u"docker---rules/docker"_s, hub, u"docker---rules/docker"_s, latest,
                 {}, u"docker.io/docker---rules/docker:latest"_s, u"docker---rules/docker"_s);
        addValid("single-character segments", u"d/t"_s, hub, u"d/t"_s, latest, {},
                 u"docker.io/d/t:latest"_s, u"d/t"_s);

        // Tags.
        addValid("uppercase tag", u"busybox:Latest-RC_1.0"_s, hub, u"library/busybox"_s,
                 u"Latest-RC_1.0"_s, {}, u"docker.io/library/busybox:Latest-RC_1.0"_s,
                 u"busybox:Latest-RC_1.0"_s);
        addValid("tag starting with _", u"busybox:_x"_s, hub, u"library/busybox"_s, u"_x"_s, {},
                 u"docker.io/library/busybox:_x"_s, u"busybox:_x"_s);
        const QString tag128 = u"t"_s + repeated(u'.', 126) + u"t"_s;
        addValid("tag of 128 characters", u"busybox:"_s + tag128, hub, u"library/busybox"_s, tag128,
                 {}, u"docker.io/library/busybox:"_s + tag128, u"busybox:"_s + tag128);

        // Digests: no default tag with a digest, and an explicit tag is kept beside it.
        addValid("digest", u"redis@"_s + Redis, hub, u"library/redis"_s, {}, Redis,
                 u"docker.io/library/redis@"_s + Redis, u"redis@"_s + Redis);
        addValid("user repo digest", u"dmcgowan/myapp@"_s + Redis, hub, u"dmcgowan/myapp"_s, {},
                 Redis, u"docker.io/dmcgowan/myapp@"_s + Redis, u"dmcgowan/myapp@"_s + Redis);
        addValid("tag and digest", u"busybox:latest@"_s + Busybox, hub, u"library/busybox"_s,
                 latest, Busybox, u"docker.io/library/busybox:latest@"_s + Busybox,
                 u"busybox:latest@"_s + Busybox);
        addValid("registry, port, tag and digest", u"localhost:5000/a/b:v2@"_s + Redis,
                 u"localhost:5000"_s, u"a/b"_s, u"v2"_s, Redis, u"localhost:5000/a/b:v2@"_s + Redis,
                 u"localhost:5000/a/b:v2@"_s + Redis);
        const QString sha512 = u"sha512:"_s + repeated(u'e', 128);
        addValid("sha512 digest", u"ghcr.io/org/img@"_s + sha512, u"ghcr.io"_s, u"org/img"_s, {},
                 sha512, u"ghcr.io/org/img@"_s + sha512, u"ghcr.io/org/img@"_s + sha512);

        // Today's distribution/reference: a first component with an uppercase letter is a
        // registry (docker reads "Foo/bar" so and then fails to reach the host "Foo").
        addValid("uppercase first component is a registry", u"Foo/bar"_s, u"Foo"_s, u"bar"_s,
                 latest, {}, u"Foo/bar:latest"_s, u"Foo/bar"_s);
        addValid("all-caps registry (LOCALHOST too: it is not \"localhost\")", u"LOCALDOMAIN/debian"_s, u"LOCALDOMAIN"_s, u"debian"_s,
                 latest, {}, u"LOCALDOMAIN/debian:latest"_s, u"LOCALDOMAIN/debian"_s);

        // The 255 limit counts the repository path (after library/ is added), not the registry.
        const QString path255 = repeated(u'a', 255);
        addValid("path of exactly 255 characters", u"example.com/"_s + path255, u"example.com"_s,
                 path255, latest, {}, u"example.com/"_s + path255 + u":latest"_s,
                 u"example.com/"_s + path255);
        const QString name247 = repeated(u'b', 247); // library/ adds 8
        addValid("official name filling 255", name247, hub, u"library/"_s + name247, latest, {},
                 u"docker.io/library/"_s + name247 + u":latest"_s, name247);
    }

    void valid()
    {
        QFETCH(QString, input);
        QFETCH(QString, registry);
        QFETCH(QString, repository);
        QFETCH(QString, tag);
        QFETCH(QString, digest);
        QFETCH(QString, canonical);
        QFETCH(QString, familiar);

        const Result<ImageReference> ref = ImageReference::parse(input);
        QVERIFY2(ref.ok(), qPrintable(errorOf(ref)));
        QCOMPARE(ref->registry, registry);
        QCOMPARE(ref->repository, repository);
        QCOMPARE(ref->tag, tag);
        QCOMPARE(ref->digest, digest);
        QCOMPARE(ref->canonical(), canonical);
        QCOMPARE(ref->familiar(), familiar);

        // Both printed forms read back as the same reference, except the one ambiguity
        // Docker has too: a familiar name of 64 hex digits reads as an image ID.
        const Result<ImageReference> fromCanonical = ImageReference::parse(canonical);
        QVERIFY2(fromCanonical.ok(), qPrintable(errorOf(fromCanonical)));
        QCOMPARE(*fromCanonical, *ref);
        const Result<ImageReference> fromFamiliar = ImageReference::parse(familiar);
        if (familiar == ImageId)
            QVERIFY(errorOf(fromFamiliar).contains(u"image ID"_s));
        else
            QCOMPARE(fromFamiliar.ok() ? *fromFamiliar : ImageReference(), *ref);
    }

    void invalid_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("fragment");
        const QString lowercase = u"repository name must be lowercase"_s;
        const QString component = u"is invalid (lowercase letters and digits"_s;
        const QString emptyComponent = u"empty path component"_s;
        const QString host = u"is not a valid host[:port]"_s;
        const QString tooLong = u"at most 255 are allowed"_s;

        QTest::newRow("empty") << QString() << u"reference is empty"_s;
        QTest::newRow("tag alone") << u":tag"_s << u"repository name is empty"_s;
        QTest::newRow("digest alone") << u"@"_s + Redis << u"repository name is empty"_s;
        QTest::newRow("registry alone") << u"example.com/"_s << u"repository name is empty"_s;
        QTest::newRow("64-hex image ID")
            << ImageId << u"64-character hexadecimal string is an image ID"_s;

        // Uppercase is only allowed in the registry domain (and the tag).
        QTest::newRow("uppercase namespace after a registry") << u"docker.io/Foo/bar"_s << lowercase;
        QTest::newRow("uppercase image name") << u"ghcr.io/org/Tool"_s << lowercase;
        QTest::newRow("uppercase repository") << u"docker/Docker"_s << lowercase;
        QTest::newRow("uppercase after domain") << u"example.com/Bar"_s << lowercase;
        QTest::newRow("uppercase after docker.io") << u"docker.io/docker/Docker"_s << lowercase;
        QTest::newRow("uppercase after port") << u"localhost:5000/Foo:tag"_s << lowercase;
        QTest::newRow("uppercase single name") << u"BusyBox"_s << lowercase;

        QTest::newRow("leading dash") << u"-a"_s << component;
        QTest::newRow("trailing dash") << u"a-"_s << component;
        QTest::newRow("leading dash namespace") << u"-docker/docker"_s << component;
        QTest::newRow("trailing dash namespace") << u"docker-/docker"_s << component;
        QTest::newRow("dashes around namespace") << u"-docker-/docker"_s << component;
        QTest::newRow("triple underscore") << u"a___b"_s << component;
        QTest::newRow("underscores only") << u"____/____"_s << component;
        QTest::newRow("leading underscore") << u"_docker/_docker"_s << component;
        QTest::newRow("double dot") << u"dock..er"_s << component;
        QTest::newRow("underscore dot") << u"dock_.er"_s << component;
        QTest::newRow("dash dot") << u"dock-.er"_s << component;
        QTest::newRow("bare IPv6") << u"[fc00::1]"_s << component;
        QTest::newRow("bare IPv6 with port") << u"[fc00::1]:5000"_s << component;

        QTest::newRow("trailing slash") << u"docker/"_s << emptyComponent;
        QTest::newRow("double slash") << u"a//b"_s << emptyComponent;
        QTest::newRow("triple slash") << u"docker///docker"_s << emptyComponent;
        QTest::newRow("triple slash after domain")
            << u"docker.io/docker///docker"_s << emptyComponent;
        QTest::newRow("leading slash") << u"/busybox"_s << emptyComponent;

        QTest::newRow("URL") << u"https://github.com/docker/docker"_s << host;
        QTest::newRow("leading dash domain") << u"-docker.io/docker/docker"_s << host;
        QTest::newRow("IPv6 without brackets") << u"fc00::1:5000/debian"_s << host;
        QTest::newRow("IPv6 zone") << u"[fe80::1%eth0]:5000/debian"_s << host;
        QTest::newRow("IPv6 with embedded IPv4")
            << u"[2001:db8:3:4::192.0.2.33]:5000/debian"_s << host;
        QTest::newRow("empty port") << u"example.com:/foo"_s << host;
        QTest::newRow("tag-like port") << u"ubuntu:20.04/foo"_s << host;
        QTest::newRow("underscore in host") << u"my_registry.lan/foo"_s << host;
        // A '.' makes the first segment a registry, so these fail as hosts, not as paths.
        QTest::newRow("double dot namespace") << u"dock..er/docker"_s << host;
        QTest::newRow("underscore dot namespace") << u"dock_.er/docker"_s << host;
        QTest::newRow("dash dot namespace") << u"dock-.er/docker"_s << host;
        QTest::newRow("trailing dot domain") << u"example.com./foo"_s << host;

        QTest::newRow("empty tag") << u"busybox:"_s << u"tag after ':' is empty"_s;
        QTest::newRow("tag starting with dot") << u"busybox:.x"_s << u"tag \".x\" is invalid"_s;
        QTest::newRow("tag starting with dash") << u"busybox:-x"_s << u"tag \"-x\" is invalid"_s;
        QTest::newRow("two tags") << u"busybox:a:b"_s << u"tag \"a:b\" is invalid"_s;
        QTest::newRow("tag of 129 characters")
            << u"busybox:"_s + repeated(u'x', 129) << u"tag is 129 characters long"_s;

        const QString sha256 = u"sha256 digest must be 64 lowercase hex digits"_s;
        QTest::newRow("empty digest") << u"busybox@"_s << u"digest after '@' is empty"_s;
        QTest::newRow("digest without algorithm")
            << u"busybox@"_s + Redis.mid(7) << u"has no ':'"_s;
        QTest::newRow("short sha256") << u"busybox@sha256:abc"_s << sha256;
        QTest::newRow("63-digit sha256") << u"busybox@"_s + Redis.chopped(1) << sha256;
        QTest::newRow("65-digit sha256") << u"busybox@"_s + Redis + u"0"_s << sha256;
        QTest::newRow("uppercase sha256 hex")
            << u"busybox@sha256:"_s + Redis.mid(7).toUpper() << sha256;
        QTest::newRow("sha512 of sha256 length")
            << u"busybox@sha512:"_s + Redis.mid(7) << u"sha512 digest must be 128"_s;
        QTest::newRow("algorithm part starting with digit")
            << u"busybox@sha3-256:"_s + Redis.mid(7)
            << u"digest algorithm \"sha3-256\" is invalid"_s;
        QTest::newRow("algorithm starting with digit")
            << u"busybox@256:"_s + Redis.mid(7) << u"digest algorithm \"256\" is invalid"_s;
        QTest::newRow("uppercase SHA256")
            << u"busybox@SHA256:"_s + Redis.mid(7) << u"\"SHA256\" must be written \"sha256\""_s;
        // go-digest knows sha256, sha384 and sha512; any other algorithm is unsupported.
        const QString unsupported = u"is not supported (sha256, sha384 or sha512)"_s;
        QTest::newRow("unknown algorithm") << u"busybox@blake3:"_s + repeated(u'a', 64) << unsupported;
        QTest::newRow("compound algorithm")
            << u"busybox@tarsum.v1+sha256:"_s + Redis.mid(7) << unsupported;
        QTest::newRow("two digests") << u"busybox@"_s + Redis + u"@"_s + Redis << sha256;
        QTest::newRow("tag after digest") << u"busybox@"_s + Redis + u":v1"_s << sha256;

        QTest::newRow("path of 256 characters")
            << u"example.com/"_s + repeated(u'a', 256) << u"is 256 characters long"_s;
        QTest::newRow("official name past 255 after library/") << repeated(u'b', 248) << tooLong;
        QTest::newRow("namespace too long (normalize_test.go)")
            << u"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker"_s
            << tooLong;

        const QString whitespace = u"contains whitespace at position "_s;
        QTest::newRow("leading space") << u" busybox"_s << whitespace + u"1"_s;
        QTest::newRow("trailing space") << u"busybox "_s << whitespace + u"8"_s;
        QTest::newRow("inner space") << u"busy box"_s << whitespace + u"5"_s;
        QTest::newRow("trailing newline") << u"busybox\n"_s << whitespace + u"8"_s;
        QTest::newRow("tab before tag") << u"busybox\t:1"_s << whitespace + u"8"_s;
        QTest::newRow("non-ASCII letter")
            << u"b\u00fcsybox"_s << u"not printable ASCII at position 2"_s;
    }

    void invalid()
    {
        QFETCH(QString, input);
        QFETCH(QString, fragment);

        const Result<ImageReference> ref = ImageReference::parse(input);
        QVERIFY2(!ref.ok(), qPrintable(ref.ok() ? ref->canonical() : QString()));
        QVERIFY2(ref.error().contains(fragment), qPrintable(ref.error()));
        QVERIFY2(ref.error().startsWith(u"invalid reference \""_s), qPrintable(ref.error()));
        // One line, whatever the input held.
        QVERIFY2(!ref.error().contains(u'\n') && !ref.error().contains(u'\t'),
                 qPrintable(ref.error()));
    }

    void errorNamesInput()
    {
        const Result<ImageReference> ref = ImageReference::parse(u"docker.io/Foo/bar");
        QVERIFY(!ref.ok());
        QCOMPARE(ref.error(),
                 u"invalid reference \"docker.io/Foo/bar\": repository name must be lowercase"_s);

        const Result<ImageReference> escaped = ImageReference::parse(u"a\"b\n");
        QVERIFY(!escaped.ok());
        QVERIFY2(escaped.error().startsWith(u"invalid reference \"a\\\"b\\u000a\": "_s),
                 qPrintable(escaped.error()));
    }

    void nixery_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QStringList>("packages");
        QTest::addColumn<bool>("shell");
        QTest::addColumn<bool>("arm64");

        QTest::newRow("shell and four packages")
            << u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s
            << QStringList{u"awscli2"_s, u"openstackclient"_s, u"jq"_s, u"busybox"_s} << true
            << false;
        QTest::newRow("arm64 then shell")
            << u"nixery.dev/arm64/shell/git"_s << QStringList{u"git"_s} << true << true;
        QTest::newRow("shell then arm64")
            << u"nixery.dev/shell/arm64/git"_s << QStringList{u"git"_s} << true << true;
        QTest::newRow("arm64 only")
            << u"nixery.dev/arm64/htop"_s << QStringList{u"htop"_s} << false << true;
        QTest::newRow("packages only")
            << u"nixery.dev/jq/curl"_s << QStringList{u"jq"_s, u"curl"_s} << false << false;
        // Nixery's builder stops looking for meta-packages at the first real one.
        QTest::newRow("shell after a package is a package")
            << u"nixery.dev/git/shell"_s << QStringList{u"git"_s, u"shell"_s} << false << false;
        QTest::newRow("meta-package only")
            << u"nixery.dev/shell"_s << QStringList() << true << false;
        QTest::newRow("nested attribute, tag")
            << u"nixery.dev/shell/xorg.xev:stable"_s << QStringList{u"xorg.xev"_s} << true << false;
        QTest::newRow("digest") << u"nixery.dev/shell/jq@"_s + Redis << QStringList{u"jq"_s} << true
                                << false;
        QTest::newRow("Docker Hub") << u"busybox"_s << QStringList() << false << false;
        QTest::newRow("other registry with meta-like path")
            << u"ghcr.io/shell/arm64/git"_s << QStringList() << false << false;
        QTest::newRow("Hub image named shell")
            << u"shell/arm64"_s << QStringList() << false << false;
    }

    void nixery()
    {
        QFETCH(QString, input);
        QFETCH(QStringList, packages);
        QFETCH(bool, shell);
        QFETCH(bool, arm64);

        const Result<ImageReference> ref = ImageReference::parse(input);
        QVERIFY2(ref.ok(), qPrintable(errorOf(ref)));
        QCOMPARE(ref->nixeryPackages(), packages);
        QCOMPARE(ref->nixeryShell(), shell);
        QCOMPARE(ref->nixeryArm64(), arm64);
    }
};

QTEST_GUILESS_MAIN(TstImageReference)
#include "tst_imagereference.moc"
