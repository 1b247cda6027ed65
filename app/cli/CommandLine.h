#pragma once

#include <QStringList>

namespace pw::cli {

// Exit codes of DESIGN.md: 0 success, 1 the thing checked failed, 2 usage or input error.
enum ExitCode
{
    Success = 0,
    CheckFailed = 1,
    UsageError = 2
};

// The subcommand named on the command line ("" when none: open the dashboard).
QString subcommand(const QStringList &arguments);

// Runs a headless subcommand; JSON Lines / CSV on stdout, messages on stderr.
int run(const QStringList &arguments);

// The value of a global option given as "--name VALUE" or "--name=VALUE" ("" when absent).
QString globalOption(const QStringList &arguments, const QString &name);

// Where the history lives: --db, else the default under the XDG data dir.
QString historyPath(const QStringList &arguments);

} // namespace pw::cli
