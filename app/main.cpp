// pullwatch: with a subcommand it runs headless; without one it opens the dashboard.
#include "cli/CommandLine.h"
#include "config/Config.h"
#include "Dashboard.h"
#include "ci/NativePath.h"

#include <QApplication>
#include <QCoreApplication>

#include <cstdio>

namespace {
// Headless rendering runs on Qt's offscreen platform, which reports two harmless facts of its
// own on stderr; they would bury render's one-line messages, so they are dropped.
QtMessageHandler qtDefaultHandler = nullptr;
void quietOffscreenNotes(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && (message.contains(QLatin1StringView("XDG_RUNTIME_DIR not set")) ||
                                 message.contains(QLatin1StringView("propagateSizeHints"))))
        return;
    qtDefaultHandler(type, context, message);
}
} // namespace

int main(int argc, char **argv)
{
    // File names that are not UTF-8 survive (ci/NativePath.h).
    const QStringList arguments = pw::nativepath::arguments(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pullwatch"));
    QCoreApplication::setOrganizationName(QStringLiteral("pullwatch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PULLWATCH_VERSION));
    const QString command = pw::cli::subcommand(arguments);

    if (command == QLatin1StringView("render")) {
        // Headless: no display needed.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        qtDefaultHandler = qInstallMessageHandler(quietOffscreenNotes);
        QApplication app(argc, argv);
        return pw::dashboard::render(arguments);
    }
    if (!command.isEmpty() || arguments.contains(QStringLiteral("--help")) ||
        arguments.contains(QStringLiteral("-h"))) {
        QCoreApplication app(argc, argv);
        if (command.isEmpty())
            return pw::cli::run({arguments.first(), QStringLiteral("help")});
        return pw::cli::run(arguments);
    }

    QApplication app(argc, argv);
    return pw::dashboard::run(arguments);
}
