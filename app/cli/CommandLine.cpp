#include "cli/CommandLine.h"

#include "cli/CommandLineSupport.h"

#include "config/Config.h"
#include "demo/DemoHistory.h"
#include "reports/OutputFile.h"
#include "reports/Reports.h"
#include "history/OpenHistory.h"
#include "TimeFormat.h"
#include "ImageReference.h"

#include <nlohmann/json.hpp>

#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <cstdio>
#include <unistd.h>

namespace pw::cli {

namespace {
int runDemo(const QStringList &arguments)
{
    const QCommandLineOption events(QStringLiteral("events"),
                                    QStringLiteral("Number of events to generate."),
                                    QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed."),
                                  QStringLiteral("S"), QStringLiteral("20251118"));
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {events, seed}, &error))
        return fail(QStringLiteral("demo: ") + error);
    if (!parser.positionalArguments().mid(1).isEmpty())
        return fail(QStringLiteral("demo: unexpected argument \"%1\"")
                        .arg(parser.positionalArguments().at(1)));
    if (const Result<Config> config = loadConfig(parser); !config)
        return fail(config.error());
    bool ok = false;
    const qint64 count = parser.value(events).toLongLong(&ok);
    if (!ok || count <= 0)
        return fail(QStringLiteral("demo: --events must be a positive number, got \"%1\"")
                        .arg(parser.value(events)));
    const quint32 seedValue = parser.value(seed).toUInt(&ok);
    if (!ok)
        return fail(
            QStringLiteral("demo: --seed must be a number, got \"%1\"").arg(parser.value(seed)));
    if (!parser.isSet(DbOption))
        return fail(QStringLiteral("demo: --db PATH is required (the demo never writes into your "
                                   "real history)"));
    const QString path = parser.value(DbOption);

    QElapsedTimer timer;
    timer.start();
    const bool tty = stderrIsTerminal();
    DemoOptions options;
    options.events = count;
    options.endMs = QDateTime::currentMSecsSinceEpoch();
    options.seed = seedValue;
    const auto progress = [&](qint64 written) {
        if (tty)
            std::fprintf(stderr, "\rwriting demo history: %lld/%lld events", qlonglong(written),
                         qlonglong(count));
        return true;
    };
    const Status s = DemoHistory::create(path, options, progress, [&] {
        say(QStringLiteral("waiting for another pullwatch demo writing %1").arg(path));
    });
    if (tty)
        std::fputc('\n', stderr);
    if (!s)
        return fail(s.error());
    say(QStringLiteral("wrote %1 demo events to %2 in %3 s")
            .arg(count)
            .arg(path)
            .arg(double(timer.elapsed()) / 1000.0, 0, 'f', 2));
    return Success;
}

int runExport(const QStringList &arguments)
{
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("events, availability, breakdown, compare or verdicts."),
                                    QStringLiteral("KIND"));
    const QCommandLineOption from(QStringLiteral("from"),
                                  QStringLiteral("Start (ISO 8601 or -7d)."), QStringLiteral("T"));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("End (ISO 8601 or -1h)."),
                                QStringLiteral("T"));
    const QCommandLineOption bucket(QStringLiteral("bucket"), QStringLiteral("1h or 1d."),
                                    QStringLiteral("WIDTH"), QStringLiteral("1h"));
    const QCommandLineOption image(QStringLiteral("image"), QStringLiteral("Only this image."),
                                   QStringLiteral("REF"));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("Only this group."),
                                   QStringLiteral("G"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Write to FILE."),
                                 QStringLiteral("FILE"));
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {report, from, to, bucket, image, group, out}, &error))
        return fail(QStringLiteral("export: ") + error);
    if (!parser.positionalArguments().mid(1).isEmpty())
        return fail(QStringLiteral("export: unexpected argument \"%1\"")
                        .arg(parser.positionalArguments().at(1)));
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());

    ReportRequest request;
    const std::optional<ReportKind> kind = reportFromId(parser.value(report));
    if (!kind)
        return fail(QStringLiteral("export: --report must be events, availability, breakdown, "
                                   "compare or verdicts, got \"%1\"")
                        .arg(parser.value(report)));
    request.kind = *kind;
    const Result<TimeRange> range = timeRange(parser, from, to);
    if (!range)
        return fail(QStringLiteral("export: ") + range.error());
    request.range = *range;
    const Result<qint64> width = timeformat::parseDuration(parser.value(bucket));
    if (!width || *width < 60000 || *width % 60000 != 0)
        return fail(QStringLiteral("export: --bucket must be a whole number of minutes such as 1h "
                                   "or 1d, got \"%1\"")
                        .arg(parser.value(bucket)));
    request.bucketMs = *width;
    request.verdicts = verdictSettings(*config);

    Result<std::unique_ptr<HistoryStore>> store = openForReading(parser);
    if (!store)
        return fail(store.error());
    if (const Status known = checkImages(**store, parser.values(image)); !known)
        return fail(QStringLiteral("export: ") + known.error());
    request.filter.images = parser.values(image);
    request.filter.groups = parser.values(group);

    QFile standardOutput;
    QIODevice *device = &standardOutput;
    std::unique_ptr<OutputFile> file;
    if (parser.isSet(out)) {
        file = std::make_unique<OutputFile>(parser.value(out));
        if (!file->open())
            return fail(
                QStringLiteral("%1: cannot write: %2").arg(file->fileName(), file->errorString()));
        device = file->device();
    } else if (!standardOutput.open(stdout, QIODevice::WriteOnly)) {
        return fail(QStringLiteral("cannot write to standard output"));
    }
    const bool tty = stderrIsTerminal();
    const Result<qint64> rows = writeReport(**store, request, device, [&](qint64 n) {
        if (tty)
            std::fprintf(stderr, "\rexporting: %lld rows", qlonglong(n));
        return true;
    });
    if (tty)
        std::fputc('\r', stderr);
    if (!rows) {
        if (file)
            file->cancel();
        return fail(rows.error());
    }
    if (file) {
        if (!file->commit())
            return fail(
                QStringLiteral("%1: cannot write: %2").arg(file->fileName(), file->errorString()));
        say(QStringLiteral("wrote %1 %2 rows to %3")
                .arg(*rows)
                .arg(reportId(request.kind), file->fileName()));
    }
    return Success;
}

// One JSON line per reference: what the reference grammar makes of it.
int runRef(const QStringList &arguments)
{
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {}, &error))
        return fail(QStringLiteral("ref: ") + error);
    const QStringList refs = parser.positionalArguments().mid(1);
    if (refs.isEmpty())
        return fail(QStringLiteral("ref: give at least one image reference"));
    bool allValid = true;
    for (const QString &input : refs) {
        nlohmann::ordered_json line;
        line["input"] = input.toStdString();
        const Result<ImageReference> ref = ImageReference::parse(input);
        line["valid"] = ref.ok();
        if (ref) {
            line["registry"] = ref->registry.toStdString();
            line["repository"] = ref->repository.toStdString();
            line["tag"] = ref->tag.toStdString();
            line["digest"] = ref->digest.toStdString();
            line["canonical"] = ref->canonical().toStdString();
            if (ref->registry == QLatin1StringView("nixery.dev")) {
                nlohmann::json packages = nlohmann::json::array();
                for (const QString &package : ref->nixeryPackages())
                    packages.push_back(package.toStdString());
                line["nixery"] = {{"packages", packages},
                                  {"shell", ref->nixeryShell()},
                                  {"arm64", ref->nixeryArm64()}};
            }
        } else {
            allValid = false;
            line["error"] = ref.error().toStdString();
        }
        printJsonLine(line);
    }
    return allValid ? Success : CheckFailed;
}

void printUsage()
{
    say(QStringLiteral(
        "usage: pullwatch [--config FILE] [--db PATH]            open the dashboard\n"
        "       pullwatch ref REF...                             parse and normalize references\n"
        "       pullwatch probe [--deep] [--timeout S] [--insecure] [--no-store] REF...\n"
        "                                                        probe registries now\n"
        "       pullwatch classify [--summary|--unmatched] FILE...|-\n"
        "                                                        find image pulls in CI logs\n"
        "       pullwatch ingest FILE...|--github OWNER/REPO|--gitlab PROJECT [--api-url URL]\n"
        "                                                        store the pulls of CI logs\n"
        "       pullwatch serve                                  probe on schedule until stopped\n"
        "       pullwatch demo --events N --db PATH              write a synthetic history\n"
        "       pullwatch export --report events|availability|breakdown|compare|verdicts\n"
        "                 [--from T] [--to T] [--bucket 1h|1d] [--image REF] [--group G] "
        "[--out FILE]\n"
        "       pullwatch explain [--from T] [--to T] [--image REF] [--group G] [--summary]\n"
        "                                                        why each failed CI pull failed\n"
        "       pullwatch selfhost REF --to REPO [--out DIR]      mirror or rebuild an image"));
}
} // namespace

QString subcommand(const QStringList &arguments)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1StringView("--config") || arg == QLatin1StringView("--db") ||
            arg == QLatin1StringView("-config") || arg == QLatin1StringView("-db")) {
            ++i; // skip the option's value
            continue;
        }
        if (!arg.startsWith(QLatin1Char('-')))
            return arg;
    }
    return {};
}

QString globalOption(const QStringList &arguments, const QString &name)
{
    const QString option = QStringLiteral("--") + name;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == option && i + 1 < arguments.size())
            return arguments.at(i + 1);
        if (arg.startsWith(option + QLatin1Char('=')))
            return arg.mid(option.size() + 1);
    }
    return {};
}

QString historyPath(const QStringList &arguments)
{
    return historyLocation(globalOption(arguments, QStringLiteral("db")));
}

int run(const QStringList &arguments)
{
    const QString command = subcommand(arguments);
    if (command == QLatin1StringView("demo"))
        return runDemo(arguments);
    if (command == QLatin1StringView("ref"))
        return runRef(arguments);
    if (command == QLatin1StringView("export"))
        return runExport(arguments);
    if (command == QLatin1StringView("probe"))
        return runProbe(arguments);
    if (command == QLatin1StringView("serve"))
        return runServe(arguments);
    if (command == QLatin1StringView("classify"))
        return runClassify(arguments);
    if (command == QLatin1StringView("ingest"))
        return runIngest(arguments);
    if (command == QLatin1StringView("explain"))
        return runExplain(arguments);
    if (command == QLatin1StringView("selfhost"))
        return runSelfhost(arguments);
    if (command == QLatin1StringView("help")) {
        printUsage();
        return Success;
    }
    printUsage();
    return fail(QStringLiteral("unknown command \"%1\"").arg(command));
}

} // namespace pw::cli
