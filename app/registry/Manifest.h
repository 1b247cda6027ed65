#pragma once

#include "Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace pw {

// The four manifest media types, sent as Accept on every manifest request: a registry that
// misses the one it stores answers 404 or 400, a false "not found" (protocols.md §1.2).
QByteArray manifestAcceptHeader();

// A content descriptor (OCI image-spec), with the platform for entries of an index.
struct Descriptor
{
    QString mediaType;
    QString digest;
    qint64 size = -1;
    QString os;
    QString architecture;
    QString variant;
};

// An image manifest or an index / manifest list, as far as a pull needs it.
struct Manifest
{
    enum class Kind
    {
        Image, // OCI image manifest or Docker schema 2
        Index, // OCI index or Docker manifest list
    };

    Kind kind = Kind::Image;
    QString mediaType;
    Descriptor config;           // Image
    QList<Descriptor> layers;    // Image
    QList<Descriptor> manifests; // Index

    // contentType is the response's (parameters ignored); the body's own mediaType is used
    // when the header is missing or generic. Schema 1 and unknown types are errors.
    static Result<Manifest> parse(const QByteArray &body, const QByteArray &contentType);

    // The index entry for platform "os/arch[/variant]". Without a variant in the request, any
    // variant matches; arm64 entries without a variant count as v8.
    std::optional<Descriptor> entryFor(const QString &platform) const;
};

// "sha256:<64 hex>", the only digest algorithm registries use in practice.
bool isSha256Digest(const QString &digest);

} // namespace pw
