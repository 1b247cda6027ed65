// pullwatch selfhost: what it takes to stop depending on an image (DESIGN.md "Self-hosting").
#include "cli/CommandLineSupport.h"

#include "cli/CommandLine.h"
#include "reports/SelfHostKit.h"

#include <nlohmann/json.hpp>

#include <QDir>

using namespace Qt::StringLiterals;

namespace pw::cli {

int runSelfhost(const QStringList &arguments)
{
    const QCommandLineOption to(u"to"_s, u"Where the self-hosted copy goes (REPO[:TAG])."_s,
                                u"REPO"_s);
    const QCommandLineOption out(u"out"_s, u"Folder to write the files to."_s, u"DIR"_s);
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {to, out}, &error))
        return fail(u"selfhost: "_s + error);
    const QStringList positional = parser.positionalArguments().mid(1);
    if (positional.size() != 1)
        return fail(positional.isEmpty()
                        ? u"selfhost: give the image to self-host: selfhost REF --to REPO"_s
                        : u"selfhost: unexpected argument \"%1\""_s.arg(positional.at(1)));
    if (!parser.isSet(to))
        return fail(u"selfhost: --to REPO is required (where the copy goes, e.g. "
                    "ghcr.io/ORG/NAME)"_s);
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());
    const Result<ImageReference> source = ImageReference::parse(positional.constFirst());
    if (!source)
        return fail(u"selfhost: "_s + source.error());
    Result<ImageReference> target = ImageReference::parse(parser.value(to));
    if (!target) {
        // Registries want lowercase paths, and the owner in ghcr.io/ORG/NAME is usually typed as
        // it is spelled on GitHub: take it lowercased, and say so.
        const QString given = parser.value(to);
        const qsizetype slash = given.indexOf(u'/');
        const QString lowered = given.left(slash) + given.mid(slash).toLower();
        if (slash > 0 && lowered != given && ImageReference::parse(lowered)) {
            target = ImageReference::parse(lowered);
            say(u"selfhost: --to: repository names are lowercase; using %1"_s.arg(lowered));
        } else {
            return fail(u"selfhost: --to: "_s + target.error());
        }
    }
    if (!target->digest.isEmpty())
        return fail(u"selfhost: --to takes a repository and a tag, not a digest (a copy gets "
                    "new tags, its digest is the source's)"_s);
    if (target->registry == source->registry && target->repository == source->repository)
        return fail(u"selfhost: --to names the image itself; give another repository"_s);

    SelfHostRequest request;
    request.source = *source;
    request.target = *target;
    request.onDemand = isOnDemand(config->registries, source->registry);
    if (const ImageConfig *image = config->image(source->canonical())) {
        request.group = image->group;
        request.sourceLabel = image->label;
    }
    const QList<KitFile> files = selfHostKit(request);
    const QString dir = parser.isSet(out)
                            ? parser.value(out)
                            : u"selfhost-"_s + target->repository.section(u'/', -1);
    if (const Status written = writeSelfHostKit(dir, files); !written)
        return fail(u"selfhost: "_s + written.error());
    for (const KitFile &file : files)
        printJsonLine({{"file", QDir(dir).filePath(file.path).toStdString()},
                       {"kind", file.kind.toStdString()}});
    say(u"wrote %1 files to %2"_s.arg(files.size()).arg(dir));
    return Success;
}

} // namespace pw::cli
