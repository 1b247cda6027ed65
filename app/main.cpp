// pullwatch: with a subcommand it runs headless; without one it opens the dashboard.
#include "CommandLine.h"
#include "Config.h"
#include "MainWindow.h"
#include "SqliteHistoryStore.h"

#include <QApplication>
#include <QCoreApplication>

#include <cstdio>

namespace {
QStringList argumentsOf(int argc, char **argv)
{
    QStringList list;
    for (int i = 0; i < argc; ++i)
        list.append(QString::fromLocal8Bit(argv[i]));
    return list;
}

int error(const QString &message)
{
    std::fprintf(stderr, "pullwatch: %s\n", message.toUtf8().constData());
    return pw::cli::UsageError;
}
} // namespace

int main(int argc, char **argv)
{
    const QStringList arguments = argumentsOf(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pullwatch"));
    QCoreApplication::setOrganizationName(QStringLiteral("pullwatch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PULLWATCH_VERSION));

    if (!pw::cli::subcommand(arguments).isEmpty() || arguments.contains(QStringLiteral("--help")) ||
        arguments.contains(QStringLiteral("-h"))) {
        QCoreApplication app(argc, argv);
        if (pw::cli::subcommand(arguments).isEmpty())
            return pw::cli::run({arguments.first(), QStringLiteral("help")});
        return pw::cli::run(arguments);
    }

    QApplication app(argc, argv);
    const pw::Result<pw::Config> config =
        pw::Config::loadOrDefault(pw::cli::globalOption(arguments, QStringLiteral("config")));
    if (!config)
        return error(config.error());
    auto store = pw::SqliteHistoryStore::open(pw::cli::historyPath(arguments));
    if (!store)
        return error(store.error());

    pw::MainWindow window;
    window.setHistorySummary((*store)->location(), (*store)->eventCount(),
                             (*store)->images().size());
    window.show();
    return app.exec();
}
