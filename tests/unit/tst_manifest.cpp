#include "registry/Manifest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

Q_DECLARE_METATYPE(pw::Manifest::Kind)

namespace {

const QByteArray OciIndex = "application/vnd.oci.image.index.v1+json";
const QByteArray OciManifest = "application/vnd.oci.image.manifest.v1+json";
const QByteArray DockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
const QByteArray DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
const QByteArray Schema1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";

QString digest(char hex)
{
    return u"sha256:"_s + QString(64, QLatin1Char(hex));
}

// JSON written with single quotes for readability; D1…D9 stand for sha256 digests.
QByteArray json(QString text)
{
    for (char c = '1'; c <= '9'; ++c)
        text.replace(u"D"_s + QLatin1Char(c), digest(static_cast<char>('a' + (c - '1'))));
    return text.replace(u'\'', u'"').toUtf8();
}

QByteArray imageManifest(const QByteArray &mediaType)
{
    const QString type = mediaType.isEmpty()
                             ? QString()
                             : u"'mediaType':'%1',"_s.arg(QString::fromLatin1(mediaType));
    return json(u"{'schemaVersion':2,%1"
                u"'config':{'mediaType':'application/vnd.oci.image.config.v1+json',"
                u"'digest':'D1','size':1470},"
                u"'layers':[{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip',"
                u"'digest':'D2','size':2819304},"
                u"{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip',"
                u"'digest':'D3','size':32}]}"_s.arg(type));
}

QString platformEntry(char digestKey, const QString &os, const QString &arch,
                      const QString &variant = {})
{
    const QString v = variant.isEmpty() ? QString() : u",'variant':'%1'"_s.arg(variant);
    return u"{'mediaType':'application/vnd.oci.image.manifest.v1+json','digest':'D%1',"
           u"'size':1000,'platform':{'architecture':'%2','os':'%3'%4}}"_s.arg(
               QString(QLatin1Char(digestKey)), arch, os, v);
}

QByteArray indexManifest(const QByteArray &mediaType, const QStringList &entries)
{
    const QString type = mediaType.isEmpty()
                             ? QString()
                             : u"'mediaType':'%1',"_s.arg(QString::fromLatin1(mediaType));
    return json(u"{'schemaVersion':2,%1'manifests':[%2]}"_s.arg(type, entries.join(u',')));
}

// A multi-platform index as Docker Hub's busybox has: arm64 without a variant.
QByteArray multiPlatformIndex()
{
    return indexManifest(OciIndex, {platformEntry('1', u"linux"_s, u"amd64"_s),
                                    platformEntry('2', u"linux"_s, u"arm"_s, u"v6"_s),
                                    platformEntry('3', u"linux"_s, u"arm"_s, u"v7"_s),
                                    platformEntry('4', u"linux"_s, u"arm64"_s),
                                    platformEntry('5', u"windows"_s, u"amd64"_s)});
}

QString errorOf(const Result<Manifest> &result)
{
    return result.ok() ? QString() : result.error();
}

} // namespace

class TstManifest : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<Manifest::Kind>("kind");
        QTest::addColumn<QString>("mediaType");

        QTest::newRow("OCI manifest") << imageManifest(OciManifest) << OciManifest
                                      << Manifest::Kind::Image << QString::fromLatin1(OciManifest);
        QTest::newRow("Docker schema 2")
            << imageManifest(DockerManifest) << DockerManifest << Manifest::Kind::Image
            << QString::fromLatin1(DockerManifest);
        QTest::newRow("OCI manifest without mediaType field")
            << imageManifest({}) << OciManifest << Manifest::Kind::Image
            << QString::fromLatin1(OciManifest);
        QTest::newRow("Content-Type parameters ignored")
            << imageManifest(OciManifest) << OciManifest + "; charset=utf-8"
            << Manifest::Kind::Image << QString::fromLatin1(OciManifest);
        QTest::newRow("OCI index") << multiPlatformIndex() << OciIndex << Manifest::Kind::Index
                                   << QString::fromLatin1(OciIndex);
        QTest::newRow("Docker manifest list")
            << indexManifest(DockerList, {platformEntry('1', u"linux"_s, u"amd64"_s)}) << DockerList
            << Manifest::Kind::Index << QString::fromLatin1(DockerList);
        QTest::newRow("no Content-Type: body's mediaType")
            << indexManifest(DockerList, {platformEntry('1', u"linux"_s, u"amd64"_s)})
            << QByteArray() << Manifest::Kind::Index << QString::fromLatin1(DockerList);
        QTest::newRow("application/json: body's mediaType")
            << imageManifest(DockerManifest) << QByteArray("application/json")
            << Manifest::Kind::Image << QString::fromLatin1(DockerManifest);
        QTest::newRow("octet-stream: body's mediaType")
            << imageManifest(OciManifest) << QByteArray("application/octet-stream")
            << Manifest::Kind::Image << QString::fromLatin1(OciManifest);
        QTest::newRow("no type anywhere, manifests array: OCI index")
            << indexManifest({}, {platformEntry('1', u"linux"_s, u"amd64"_s)}) << QByteArray()
            << Manifest::Kind::Index << QString::fromLatin1(OciIndex);
        QTest::newRow("no type anywhere, layers: OCI manifest")
            << imageManifest({}) << QByteArray() << Manifest::Kind::Image
            << QString::fromLatin1(OciManifest);
    }

    void parse()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(Manifest::Kind, kind);
        QFETCH(QString, mediaType);

        const Result<Manifest> manifest = Manifest::parse(body, contentType);
        QVERIFY2(manifest.ok(), qPrintable(errorOf(manifest)));
        QCOMPARE(manifest->kind, kind);
        QCOMPARE(manifest->mediaType, mediaType);
        if (kind == Manifest::Kind::Image) {
            QCOMPARE(manifest->config.digest, digest('a'));
            QCOMPARE(manifest->config.size, 1470LL);
            QCOMPARE(manifest->layers.size(), 2);
            QCOMPARE(manifest->layers.at(0).digest, digest('b'));
            QCOMPARE(manifest->layers.at(0).size, 2819304LL);
            QCOMPARE(manifest->layers.at(1).digest, digest('c'));
            QCOMPARE(manifest->layers.at(1).size, 32LL);
            QVERIFY(manifest->manifests.isEmpty());
        } else {
            QVERIFY(!manifest->manifests.isEmpty());
            QCOMPARE(manifest->manifests.first().digest, digest('a'));
            QCOMPARE(manifest->manifests.first().os, u"linux"_s);
            QCOMPARE(manifest->manifests.first().architecture, u"amd64"_s);
            QVERIFY(manifest->layers.isEmpty());
        }
    }

    void parseErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QString>("errorPart");

        QTest::newRow("declared type disagrees with Content-Type")
            << imageManifest(DockerManifest) << OciManifest
            << u"says it is %1 but was served as %2"_s.arg(QString::fromLatin1(DockerManifest),
                                                           QString::fromLatin1(OciManifest));
        QTest::newRow("index served as image manifest")
            << indexManifest(OciIndex, {platformEntry('1', u"linux"_s, u"amd64"_s)}) << OciManifest
            << u"served as"_s;
        QTest::newRow("schema 1 by Content-Type")
            << json(u"{'schemaVersion':1,'name':'library/busybox','tag':'latest',"
                    u"'fsLayers':[{'blobSum':'D1'}]}"_s)
            << Schema1 << u"schema 1"_s;
        QTest::newRow("schema 1 by declared type, generic Content-Type")
            << json(u"{'schemaVersion':1,'mediaType':'application/vnd.docker.distribution."
                    u"manifest.v1+json','fsLayers':[]}"_s)
            << QByteArray("application/json") << u"schema 1"_s;
        QTest::newRow("unknown media type")
            << imageManifest({}) << QByteArray("application/vnd.example.thing+json")
            << u"unsupported manifest media type application/vnd.example.thing+json"_s;
        QTest::newRow("config digest not sha256")
            << json(u"{'schemaVersion':2,'mediaType':'%1','config':{'digest':'sha512:abc',"
                    u"'size':10},'layers':[]}"_s.arg(QString::fromLatin1(OciManifest)))
            << OciManifest << u"the config descriptor has no valid sha256 digest"_s;
        QTest::newRow("config digest upper-case hex")
            << json(u"{'schemaVersion':2,'config':{'digest':'sha256:%1','size':10},"
                    u"'layers':[]}"_s.arg(QString(64, u'A')))
            << OciManifest << u"the config descriptor has no valid sha256 digest"_s;
        QTest::newRow("config without size")
            << json(u"{'schemaVersion':2,'config':{'digest':'D1'},'layers':[]}"_s) << OciManifest
            << u"the config descriptor has no size"_s;
        QTest::newRow("second layer without digest")
            << json(u"{'schemaVersion':2,'config':{'digest':'D1','size':1},'layers':["
                    u"{'digest':'D2','size':5},{'size':5}]}"_s)
            << OciManifest << u"layer 2 has no valid sha256 digest"_s;
        QTest::newRow("layer with negative size")
            << json(u"{'schemaVersion':2,'config':{'digest':'D1','size':1},'layers':["
                    u"{'digest':'D2','size':-1}]}"_s)
            << DockerManifest << u"layer 1 has no size"_s;
        QTest::newRow("index entry with a short digest")
            << json(u"{'schemaVersion':2,'manifests':[{'digest':'sha256:abc','size':5}]}"_s)
            << OciIndex << u"an index entry has no valid sha256 digest"_s;
        QTest::newRow("not JSON") << QByteArray("<html>Not Found</html>") << OciManifest
                                  << u"not a JSON object"_s;
        QTest::newRow("JSON array") << QByteArray("[1,2]") << OciManifest << u"not a JSON object"_s;
        QTest::newRow("empty body") << QByteArray() << OciManifest << u"not a JSON object"_s;
    }

    void parseErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(QString, errorPart);

        const Result<Manifest> manifest = Manifest::parse(body, contentType);
        QVERIFY(!manifest.ok());
        QVERIFY2(manifest.error().contains(errorPart), qPrintable(manifest.error()));
    }

    void entryFor_data()
    {
        QTest::addColumn<QByteArray>("index");
        QTest::addColumn<QString>("platform");
        QTest::addColumn<QString>("digest"); // empty: no entry

        const QByteArray all = multiPlatformIndex();
        QTest::newRow("linux/amd64") << all << u"linux/amd64"_s << digest('a');
        QTest::newRow("linux/arm64 without variant") << all << u"linux/arm64"_s << digest('d');
        QTest::newRow("linux/arm64/v8 matches an entry without variant")
            << all << u"linux/arm64/v8"_s << digest('d');
        QTest::newRow("linux/arm/v7") << all << u"linux/arm/v7"_s << digest('c');
        QTest::newRow("linux/arm/v6") << all << u"linux/arm/v6"_s << digest('b');
        QTest::newRow("linux/arm without variant: the first arm entry")
            << all << u"linux/arm"_s << digest('b');
        QTest::newRow("windows/amd64 not confused with linux")
            << all << u"windows/amd64"_s << digest('e');
        QTest::newRow("linux/arm/v5 missing") << all << u"linux/arm/v5"_s << QString();
        QTest::newRow("linux/arm64/v9 missing") << all << u"linux/arm64/v9"_s << QString();
        QTest::newRow("linux/s390x missing") << all << u"linux/s390x"_s << QString();
        QTest::newRow("explicit arm64 v8 entry")
            << indexManifest(OciIndex, {platformEntry('6', u"linux"_s, u"arm64"_s, u"v8"_s)})
            << u"linux/arm64/v8"_s << digest('f');
        QTest::newRow("amd64-only index has no arm64")
            << indexManifest(DockerList, {platformEntry('1', u"linux"_s, u"amd64"_s)})
            << u"linux/arm64"_s << QString();
    }

    void entryFor()
    {
        QFETCH(QByteArray, index);
        QFETCH(QString, platform);
        QFETCH(QString, digest);

        const Result<Manifest> manifest = Manifest::parse(index, {});
        QVERIFY2(manifest.ok(), qPrintable(errorOf(manifest)));
        const std::optional<Descriptor> entry = manifest->entryFor(platform);
        QCOMPARE(entry.has_value(), !digest.isEmpty());
        if (entry)
            QCOMPARE(entry->digest, digest);
    }

    void acceptHeaderNamesAllFourTypes()
    {
        const QByteArray accept = manifestAcceptHeader();
        QList<QByteArray> types;
        for (const QByteArray &part : accept.split(','))
            types.append(part.trimmed());
        QCOMPARE(types.size(), 4);
        for (const QByteArray &type : {OciIndex, OciManifest, DockerList, DockerManifest})
            QVERIFY2(types.contains(type), type.constData());
        QVERIFY(!types.contains(Schema1));
    }

    void isSha256Digest_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");

        QTest::newRow("valid") << digest('0') << true;
        QTest::newRow("valid mixed hex")
            << u"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"_s << true;
        QTest::newRow("upper-case hex") << u"sha256:"_s + QString(64, u'A') << false;
        QTest::newRow("63 hex digits") << u"sha256:"_s + QString(63, u'a') << false;
        QTest::newRow("65 hex digits") << u"sha256:"_s + QString(65, u'a') << false;
        QTest::newRow("not hex") << u"sha256:"_s + QString(64, u'g') << false;
        QTest::newRow("sha512") << u"sha512:"_s + QString(128, u'a') << false;
        QTest::newRow("no algorithm") << QString(64, u'a') << false;
        QTest::newRow("trailing newline") << digest('a') + u'\n' << false;
        QTest::newRow("empty") << QString() << false;
    }

    void isSha256Digest()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QCOMPARE(pw::isSha256Digest(text), valid);
    }
};

QTEST_GUILESS_MAIN(TstManifest)
#include "tst_manifest.moc"
