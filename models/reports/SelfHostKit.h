#pragma once

#include "ImageReference.h"
#include "Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace pw {

// One file of a self-host kit: where it goes under the chosen folder and what it holds.
struct KitFile
{
    QString path; // relative: "mirror.sh", ".github/workflows/rebuild-keystone-tools.yml"
    QString kind; // "mirror", "dockerfile", "nix", "workflow", "config"
    QByteArray content;
    bool executable = false;

    friend bool operator==(const KitFile &, const KitFile &) = default;
};

struct SelfHostRequest
{
    ImageReference source; // the image CI depends on today
    ImageReference target; // where the self-hosted copy goes (its tag: the one CI will pull)
    // Whether the source's registry builds images from their path (nixery): then the kit also
    // rebuilds the image from nixpkgs instead of only copying it.
    bool onDemand = false;
    QString group;       // the source's group in the config, "" when it has none
    QString sourceLabel; // the source's label in the config, "" when it has none
};

// What it takes to stop depending on an image (DESIGN.md "Self-hosting an image"): a mirror
// script for any image; for an image built on demand from its package list, also a Dockerfile
// and an image.nix with the same packages, a scheduled GitHub Actions workflow that rebuilds and
// pushes it, and the config that puts both sides in one group. Pure text: the caller writes it.
QList<KitFile> selfHostKit(const SelfHostRequest &request);

// Writes the kit under dir (created as needed): every file or none, never over an existing one
// (a user's own Dockerfile, a workflow of the same name). mirror.sh is made executable.
Status writeSelfHostKit(const QString &dir, const QList<KitFile> &files);

// The nixpkgs attribute paths an on-demand image contains, as nixery builds it: the path's
// packages, bashInteractive, coreutils, moreutils and nano for "shell", and always cacert and
// iana-etc; sorted, without duplicates.
QStringList nixeryContents(const ImageReference &image);

} // namespace pw
