#include "registry/Manifest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
constexpr auto OciIndex = "application/vnd.oci.image.index.v1+json"_L1;
constexpr auto OciManifest = "application/vnd.oci.image.manifest.v1+json"_L1;
constexpr auto DockerList = "application/vnd.docker.distribution.manifest.list.v2+json"_L1;
constexpr auto DockerManifest = "application/vnd.docker.distribution.manifest.v2+json"_L1;

Descriptor descriptor(const QJsonObject &object)
{
    Descriptor d;
    d.mediaType = object.value(u"mediaType"_s).toString();
    d.digest = object.value(u"digest"_s).toString();
    d.size = object.value(u"size"_s).toInteger(-1);
    const QJsonObject platform = object.value(u"platform"_s).toObject();
    d.os = platform.value(u"os"_s).toString();
    d.architecture = platform.value(u"architecture"_s).toString();
    d.variant = platform.value(u"variant"_s).toString();
    return d;
}

Result<Descriptor> blobDescriptor(const QJsonValue &value, const QString &what)
{
    const Descriptor d = descriptor(value.toObject());
    if (!isSha256Digest(d.digest))
        return Error{what + u" has no valid sha256 digest"_s};
    if (d.size < 0)
        return Error{what + u" has no size"_s};
    return d;
}
} // namespace

QByteArray manifestAcceptHeader()
{
    return QByteArray(OciIndex.data()) + ", " + OciManifest.data() + ", " + DockerList.data() +
           ", " + DockerManifest.data();
}

bool isSha256Digest(const QString &digest)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(u"sha256:[0-9a-f]{64}"_s));
    return pattern.match(digest).hasMatch();
}

Result<Manifest> Manifest::parse(const QByteArray &body, const QByteArray &contentType)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return Error{u"the manifest is not a JSON object"_s};
    const QJsonObject object = document.object();

    Manifest manifest;
    manifest.mediaType = QString::fromLatin1(contentType.split(';').first().trimmed());
    const QString declared = object.value(u"mediaType"_s).toString();
    if (manifest.mediaType.isEmpty() || manifest.mediaType == u"application/json"_s ||
        manifest.mediaType == u"application/octet-stream"_s)
        manifest.mediaType = declared;
    if (manifest.mediaType.isEmpty()) // an OCI manifest without a mediaType field
        manifest.mediaType =
            object.contains(u"manifests"_s) ? QString(OciIndex) : QString(OciManifest);
    else if (!declared.isEmpty() && declared != manifest.mediaType)
        return Error{
            u"the manifest says it is %1 but was served as %2"_s.arg(declared, manifest.mediaType)};

    if (manifest.mediaType == OciIndex || manifest.mediaType == DockerList) {
        manifest.kind = Kind::Index;
        for (const QJsonValue &entry : object.value(u"manifests"_s).toArray()) {
            auto d = blobDescriptor(entry, u"an index entry"_s);
            if (!d)
                return Error{d.error()};
            manifest.manifests.append(*d);
        }
        return manifest;
    }
    if (manifest.mediaType == OciManifest || manifest.mediaType == DockerManifest) {
        manifest.kind = Kind::Image;
        auto config = blobDescriptor(object.value(u"config"_s), u"the config descriptor"_s);
        if (!config)
            return Error{config.error()};
        manifest.config = *config;
        const QJsonArray layers = object.value(u"layers"_s).toArray();
        for (qsizetype i = 0; i < layers.size(); ++i) {
            auto d = blobDescriptor(layers.at(i), u"layer %1"_s.arg(i + 1));
            if (!d)
                return Error{d.error()};
            manifest.layers.append(*d);
        }
        return manifest;
    }
    if (manifest.mediaType.startsWith(u"application/vnd.docker.distribution.manifest.v1"_s))
        return Error{u"schema 1 manifests are not supported (deprecated since Docker 1.10)"_s};
    return Error{u"unsupported manifest media type "_s + manifest.mediaType};
}

std::optional<Descriptor> Manifest::entryFor(const QString &platform) const
{
    const QStringList parts = platform.split(u'/');
    const QString os = parts.value(0);
    const QString architecture = parts.value(1);
    const QString variant = parts.value(2);
    for (const Descriptor &entry : manifests) {
        if (entry.os != os || entry.architecture != architecture)
            continue;
        QString entryVariant = entry.variant;
        if (entryVariant.isEmpty() && architecture == u"arm64"_s)
            entryVariant = u"v8"_s;
        if (variant.isEmpty() || entryVariant == variant)
            return entry;
    }
    return std::nullopt;
}

} // namespace pw
