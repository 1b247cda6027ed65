#pragma once

#include "Result.h"

#include <QString>
#include <QStringList>
#include <QStringView>

namespace pw {

// An image name read the way nixery's builder reads it: leading meta-packages ("shell" adds a
// shell and core tools, "arm64" builds for aarch64), then one package per path segment.
struct NixeryPath
{
    QStringList packages; // as written: lowercase, "." walks nested attributes
    bool shell = false;
    bool arm64 = false;
};
NixeryPath nixeryPath(QStringView repository);

// An image reference read the way `docker pull` reads it (distribution/reference
// ParseNormalizedNamed + TagNameOnly): "busybox" is docker.io/library/busybox:latest.
struct ImageReference
{
    QString registry;   // normalized domain: "docker.io", "localhost:5000", "nixery.dev"
    QString repository; // path: "library/busybox"
    QString tag;        // "latest" when neither tag nor digest was given; may accompany a digest
    QString digest;     // "sha256:<64 hex>" or empty; a pull uses it in preference to the tag

    // registry/repository[:tag][@digest], e.g. docker.io/library/busybox:latest
    QString canonical() const;
    // The short form docker prints: busybox, user/app:1, ghcr.io/x/y:z. The default tag
    // "latest" is left out when there is no digest, and docker.io stays when the path's first
    // segment looks like a host (docker.io/a.b/c), so parse(familiar()) gives this back.
    QString familiar() const;

    // Nixery builds an image from its path: every segment names a package, except the
    // meta-packages "shell" and "arm64", which count only as leading segments.
    QStringList nixeryPackages() const; // empty unless the registry is nixery.dev
    bool nixeryShell() const;
    bool nixeryArm64() const;

    // Errors read `invalid reference "<input>": <what is wrong>` on one line.
    static Result<ImageReference> parse(QStringView text);

    friend bool operator==(const ImageReference &, const ImageReference &) = default;
};

} // namespace pw
