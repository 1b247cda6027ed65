#include "cli/CommandLineSupport.h"

#include "cli/CommandLine.h"
#include "history/OpenHistory.h"

#include "TimeFormat.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QFileInfo>

#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pw::cli {

const QCommandLineOption ConfigOption(QStringLiteral("config"),
                                      QStringLiteral("Config file (JSON)."),
                                      QStringLiteral("FILE"));
const QCommandLineOption DbOption(QStringLiteral("db"), QStringLiteral("History file (SQLite)."),
                                  QStringLiteral("PATH"));

void say(const QString &line)
{
    std::fputs(line.toUtf8().constData(), stderr);
    std::fputc('\n', stderr);
}

int fail(const QString &message)
{
    say(QStringLiteral("pullwatch: ") + message);
    return UsageError;
}

bool stderrIsTerminal()
{
    return isatty(fileno(stderr)) != 0;
}

bool parse(QCommandLineParser &parser, const QStringList &arguments,
           const QList<QCommandLineOption> &options, QString *error)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption(ConfigOption);
    parser.addOption(DbOption);
    parser.addOptions(options);
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    return true;
}

Result<Config> loadConfig(const QCommandLineParser &parser)
{
    return Config::loadOrDefault(parser.value(ConfigOption));
}

QString historyLocation(const QString &given)
{
    return given.isEmpty() ? defaultHistoryPath() : given;
}

QString dbPath(const QCommandLineParser &parser)
{
    return historyLocation(parser.value(DbOption));
}

Result<TimeRange> timeRange(const QCommandLineParser &parser, const QCommandLineOption &from,
                            const QCommandLineOption &to)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    TimeRange range{now - qint64(30) * 86400000, now};
    for (const auto &[option, end] :
         {std::pair{&from, &range.from}, std::pair{&to, &range.to}}) {
        if (!parser.isSet(*option))
            continue;
        const Result<qint64> t = timeformat::parseTime(parser.value(*option), now);
        if (!t)
            return Error{u"--%1: %2"_s.arg(option->names().constFirst(), t.error())};
        *end = *t;
    }
    if (range.to < range.from)
        return Error{u"--from is after --to"_s};
    return range;
}

Result<std::unique_ptr<HistoryStore>> openForReading(const QCommandLineParser &parser)
{
    const QString path = dbPath(parser);
    if (!QFileInfo::exists(path))
        return Error{u"%1: no history here (create one with pullwatch demo or pullwatch probe, "
                     "or pass --db)"_s.arg(path)};
    return openHistory(path, HistoryAccess::ReadOnly);
}

Status checkImages(const HistoryStore &store, const QStringList &images)
{
    const QList<ImageInfo> known = store.images();
    for (const QString &ref : images) {
        if (std::none_of(known.begin(), known.end(),
                         [&](const ImageInfo &i) { return i.image == ref; }))
            return Error{u"--image: no image \"%1\" in %2"_s.arg(ref, store.location())};
    }
    return {};
}

VerdictSettings verdictSettings(const Config &config)
{
    VerdictSettings settings;
    for (const ImageConfig &image : config.images)
        settings.probeIntervalMs.insert(image.canonical, image.intervalMs);
    settings.onDemandRegistries.clear();
    if (isOnDemand(config.registries, u"nixery.dev"_s))
        settings.onDemandRegistries.insert(u"nixery.dev"_s);
    for (const RegistryConfig &registry : config.registries)
        if (isOnDemand(config.registries, registry.host))
            settings.onDemandRegistries.insert(registry.host);
    return settings;
}

void printJsonLine(const nlohmann::ordered_json &line)
{
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fputs(text.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace pw::cli
