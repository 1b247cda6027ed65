#pragma once

// What the subcommands share: global options, messages on stderr, JSON lines on stdout.
#include "analysis/Verdicts.h"
#include "config/Config.h"
#include "history/HistoryStore.h"
#include "Result.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <nlohmann/json_fwd.hpp>

namespace pw::cli {

extern const QCommandLineOption ConfigOption;
extern const QCommandLineOption DbOption;

// One line on stderr.
void say(const QString &line);
// "pullwatch: message" on stderr; returns UsageError.
int fail(const QString &message);
bool stderrIsTerminal();

// Parses the arguments of one subcommand, global options included (accepted anywhere).
bool parse(QCommandLineParser &parser, const QStringList &arguments,
           const QList<QCommandLineOption> &options, QString *error);
Result<Config> loadConfig(const QCommandLineParser &parser);
// --db as given, else the default history: the one place that decides.
QString historyLocation(const QString &given);
QString dbPath(const QCommandLineParser &parser);

// --from/--to (ISO 8601 or relative), the last 30 days without them. Errors name the option.
Result<TimeRange> timeRange(const QCommandLineParser &parser, const QCommandLineOption &from,
                            const QCommandLineOption &to);
// The history of --db for reading: it must exist. Errors are one line naming the file.
Result<std::unique_ptr<HistoryStore>> openForReading(const QCommandLineParser &parser);
// Each --image must name an image of the history.
Status checkImages(const HistoryStore &store, const QStringList &images);
// How often the config probes each image: the window a verdict looks at.
VerdictSettings verdictSettings(const Config &config);

// One JSON object per line on stdout, flushed (a consumer may be reading as lines come).
void printJsonLine(const nlohmann::ordered_json &line);

int runProbe(const QStringList &arguments);
int runServe(const QStringList &arguments);
int runClassify(const QStringList &arguments);
int runIngest(const QStringList &arguments);
int runExplain(const QStringList &arguments);
int runSelfhost(const QStringList &arguments);

} // namespace pw::cli
