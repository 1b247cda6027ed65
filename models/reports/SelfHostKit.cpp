#include "reports/SelfHostKit.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
// Fills @NAME@ tokens (the templates hold shell's and GitHub's own ${…} and %-formats).
QByteArray fill(QString text, const QHash<QString, QString> &values)
{
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        text.replace(u'@' + it.key() + u'@', *it);
    return text.toUtf8();
}

// The target's repository path without its registry: "org/keystone-tools".
QString repositoryOf(const ImageReference &ref)
{
    return ref.registry + u'/' + ref.repository;
}

// A name for files and the workflow: the target's last path segment.
QString shortName(const ImageReference &target)
{
    QString name = target.repository.section(u'/', -1).toLower();
    name.replace(QRegularExpression(u"[^a-z0-9-]+"_s), u"-"_s);
    return name.isEmpty() ? u"image"_s : name;
}

const char MirrorScript[] = R"kit(#!/bin/sh
# Copies @SOURCE@
# to @TARGET_REPO@ with a dated tag and :@TARGET_TAG@, every platform,
# so CI can pull the copy when the source's registry is down, slow or rate-limited.
# Written by `pullwatch selfhost`; run it on a schedule (cron, a CI job) to keep the copy fresh.
#
#   ./mirror.sh                                   skopeo if installed, else crane
#   TAG=2025-05-18 ./mirror.sh                    another dated tag
#   SRC_TLS_VERIFY=false DEST_TLS_VERIFY=false ./mirror.sh   registries on plain HTTP
#
# Log in to the target first: `skopeo login @TARGET_REGISTRY@` or `crane auth login @TARGET_REGISTRY@`.
set -eu

src="@SOURCE@"
dest="@TARGET_REPO@"
tag="${TAG:-$(date -u +%Y%m%d)}"
src_tls="${SRC_TLS_VERIFY:-true}"
dest_tls="${DEST_TLS_VERIFY:-true}"

if command -v skopeo >/dev/null 2>&1; then
    skopeo copy --all --retry-times 3 --src-tls-verify="$src_tls" --dest-tls-verify="$dest_tls" \
        "docker://$src" "docker://$dest:$tag"
    skopeo copy --all --retry-times 3 --src-tls-verify="$dest_tls" --dest-tls-verify="$dest_tls" \
        "docker://$dest:$tag" "docker://$dest:@TARGET_TAG@"
elif command -v crane >/dev/null 2>&1; then
    insecure=""
    if [ "$src_tls" = false ] || [ "$dest_tls" = false ]; then
        insecure="--insecure"
    fi
    crane copy $insecure "$src" "$dest:$tag"
    crane tag $insecure "$dest:$tag" "@TARGET_TAG@"
else
    echo "mirror.sh: needs skopeo or crane (https://github.com/google/go-containerregistry)" >&2
    exit 2
fi
echo "$dest:$tag"
)kit";

const char ImageNix[] = R"kit(# @SOURCE@, rebuilt from nixpkgs: the packages nixery reads
# from the image's path, looked up as nixery looks them up ("." walks nested attributes; a name
# that is not an exact key matches case-insensitively, one that starts with a digit is tried with
# a leading "_"), in an image made by dockerTools.buildLayeredImage.
# Written by `pullwatch selfhost`.
#
#   nix-build image.nix                           the image, as a docker-archive (./result)
#   nix-build image.nix -A env                    the same packages as one profile (the Dockerfile's)
#   skopeo copy docker-archive:result docker://@TARGET@
#
# Pin nixpkgs: set `pin` to a commit of github.com/NixOS/nixpkgs, so every rebuild has the same
# package versions until you move it (nixery follows its channel, which is why its digest moves).
let
  pin = "nixos-unstable";
in
{ nixpkgs ? builtins.fetchTarball "https://github.com/NixOS/nixpkgs/archive/${pin}.tar.gz"
, system ? "@SYSTEM@"
}:
let
  pkgs = import nixpkgs { inherit system; };
  lib = pkgs.lib;

  lookup = set: name:
    let
      exact = builtins.filter (n: builtins.hasAttr n set) [ name ("_" + name) ];
      folded = builtins.filter (n: lib.toLower n == lib.toLower name) (builtins.attrNames set);
    in
    if exact != [ ] then set.${builtins.head exact}
    else if folded != [ ] then set.${builtins.head folded}
    else throw "nixpkgs has no package ${name} (image path segment of @SOURCE@)";
  package = path: builtins.foldl' lookup pkgs (lib.splitString "." path);

  names = [
@NAMES@
  ];
  packages = map package names;
in
(pkgs.dockerTools.buildLayeredImage {
  name = "@TARGET_REPO@";
  tag = "@TARGET_TAG@";
  contents = packages;
  config.Cmd = [ @CMD@ ];
}) // {
  env = pkgs.buildEnv {
    name = "@NAME@-packages";
    paths = packages;
  };
}
)kit";

const char Dockerfile[] = R"kit(# @SOURCE@, as a Dockerfile: the same nixpkgs packages
# (image.nix), installed into the official nix image. `nix-build image.nix` makes a smaller image
# with the same packages; this is for builders that only speak Dockerfile.
# Written by `pullwatch selfhost`.
#
#   docker build --platform @PLATFORM@ -t @TARGET@ .
FROM --platform=@PLATFORM@ docker.io/nixos/nix:2.24.9
COPY image.nix /etc/pullwatch/image.nix
RUN nix-env --install --file /etc/pullwatch/image.nix --attr env \
 && nix-collect-garbage --delete-old
@CMD_LINE@)kit";

const char Workflow[] = R"kit(# Rebuilds @TARGET_REPO@ from image.nix every Monday and pushes it with a dated tag
# and :@TARGET_TAG@: the self-hosted side of @SOURCE@.
# Written by `pullwatch selfhost`; keep image.nix at the repository's root (or change the path).
name: Rebuild @NAME@

on:
  schedule:
    - cron: "17 5 * * 1"
  workflow_dispatch: {}

permissions:
  contents: read
  packages: write

jobs:
  rebuild:
    runs-on: @RUNNER@
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: cachix/install-nix-action@v30
      - name: Build the image
        run: nix-build image.nix --out-link image.tar.gz
      - name: Push it
        env:
          REGISTRY_USER: @REGISTRY_USER@
          REGISTRY_PASSWORD: @REGISTRY_PASSWORD@
        run: |
          tag="$(date -u +%Y%m%d)"
          echo "$REGISTRY_PASSWORD" | skopeo login --username "$REGISTRY_USER" --password-stdin @TARGET_REGISTRY@
          skopeo copy docker-archive:image.tar.gz "docker://@TARGET_REPO@:$tag"
          skopeo copy "docker://@TARGET_REPO@:$tag" "docker://@TARGET_REPO@:@TARGET_TAG@"
)kit";
} // namespace

QStringList nixeryContents(const ImageReference &image)
{
    const NixeryPath path = nixeryPath(image.repository);
    QStringList names = path.packages;
    if (path.shell)
        names << u"bashInteractive"_s << u"coreutils"_s << u"moreutils"_s << u"nano"_s;
    names << u"cacert"_s << u"iana-etc"_s;
    names.sort();
    names.removeDuplicates();
    return names;
}

QList<KitFile> selfHostKit(const SelfHostRequest &r)
{
    const QString name = shortName(r.target);
    const QString group = r.group.isEmpty() ? name : r.group;
    const bool ghcr = r.target.registry == u"ghcr.io"_s;
    const NixeryPath path = nixeryPath(r.source.repository);
    QStringList names;
    for (const QString &n : nixeryContents(r.source))
        names << u"    \""_s + n + u'"';
    const QHash<QString, QString> values = {
        {u"SOURCE"_s, r.source.canonical()},
        {u"TARGET"_s, r.target.canonical()},
        {u"TARGET_REPO"_s, repositoryOf(r.target)},
        {u"TARGET_TAG"_s, r.target.tag.isEmpty() ? u"latest"_s : r.target.tag},
        {u"TARGET_REGISTRY"_s, r.target.registry},
        {u"NAME"_s, name},
        {u"NAMES"_s, names.join(u'\n')},
        {u"SYSTEM"_s, path.arm64 ? u"aarch64-linux"_s : u"x86_64-linux"_s},
        {u"PLATFORM"_s, path.arm64 ? u"linux/arm64"_s : u"linux/amd64"_s},
        {u"RUNNER"_s, path.arm64 ? u"ubuntu-24.04-arm"_s : u"ubuntu-latest"_s},
        {u"CMD"_s, path.shell ? u"\"bash\""_s : QString()},
        {u"CMD_LINE"_s, path.shell ? u"CMD [\"bash\"]\n"_s : QString()},
        {u"REGISTRY_USER"_s, ghcr ? u"${{ github.actor }}"_s : u"${{ secrets.REGISTRY_USER }}"_s},
        {u"REGISTRY_PASSWORD"_s,
         ghcr ? u"${{ secrets.GITHUB_TOKEN }}"_s : u"${{ secrets.REGISTRY_PASSWORD }}"_s},
    };

    QList<KitFile> files;
    files.append({u"mirror.sh"_s, u"mirror"_s, fill(QString::fromUtf8(MirrorScript), values), true});
    if (r.onDemand && !path.packages.isEmpty()) {
        files.append({u"Dockerfile"_s, u"dockerfile"_s, fill(QString::fromUtf8(Dockerfile), values)});
        files.append({u"image.nix"_s, u"nix"_s, fill(QString::fromUtf8(ImageNix), values)});
        files.append({u".github/workflows/rebuild-%1.yml"_s.arg(name), u"workflow"_s,
                      fill(QString::fromUtf8(Workflow), values)});
    }

    // Both sides in one group, so the Compare page shows them from the first probe on.
    const QString sourceLabel =
        !r.sourceLabel.isEmpty() ? r.sourceLabel : r.onDemand ? u"nixery"_s : u"upstream"_s;
    const QJsonArray images = {
        QJsonObject{{u"ref"_s, r.source.canonical()}, {u"group"_s, group},
                    {u"label"_s, sourceLabel}},
        QJsonObject{{u"ref"_s, r.target.canonical()}, {u"group"_s, group},
                    {u"label"_s, u"self-hosted"_s}},
    };
    files.append({u"pullwatch.json"_s, u"config"_s,
                  QJsonDocument(QJsonObject{{u"images"_s, images}}).toJson(QJsonDocument::Indented)});
    return files;
}

Status writeSelfHostKit(const QString &dir, const QList<KitFile> &files)
{
    for (const KitFile &file : files) {
        const QString path = QDir(dir).filePath(file.path);
        if (QFileInfo::exists(path))
            return Error{u"%1 exists; choose another folder or move it away"_s.arg(path)};
    }
    for (const KitFile &file : files) {
        const QString path = QDir(dir).filePath(file.path);
        if (!QDir().mkpath(QFileInfo(path).absolutePath()))
            return Error{u"%1: cannot create the folder"_s.arg(QFileInfo(path).absolutePath())};
        QSaveFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(file.content) != file.content.size() ||
            !out.commit())
            return Error{u"%1: cannot write: %2"_s.arg(path, out.errorString())};
        if (file.executable)
            QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::ExeOwner |
                                            QFileDevice::ExeGroup | QFileDevice::ExeOther);
    }
    return {};
}

} // namespace pw
