#include "cli/CommandLineSupport.h"

#include "cli/CommandLine.h"
#include "history/OpenHistory.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <unistd.h>

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

void printJsonLine(const nlohmann::ordered_json &line)
{
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fputs(text.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace pw::cli
