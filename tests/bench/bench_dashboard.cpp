// Measures the dashboard's budgets of DESIGN.md "Performance budgets" on a large history: the
// window's first page and a range change (every page asks again; the shown page repaints).
// Build in Release (cmake --preset release), then:
//   build/release/tests/bench/bench_dashboard --events 10000000 --dir /tmp/pwbench
// Prints a Markdown table; the README's table comes from its output.
#include "DashboardState.h"
#include "DemoHistory.h"
#include "HistoryService.h"
#include "MainWindow.h"
#include "OverviewModel.h"
#include "OverviewPage.h"
#include "SqliteHistoryStore.h"
#include "TimelinePage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace pw;

namespace {
[[noreturn]] void die(const QString &message)
{
    std::fprintf(stderr, "bench_dashboard: %s\n", message.toUtf8().constData());
    std::exit(2);
}

void row(const QString &what, double ms, const char *budget)
{
    std::printf("| %s | %.1f ms | %s |\n", what.toUtf8().constData(), ms, budget);
    std::fflush(stdout);
}

// Runs the event loop until done() holds (checked after every event batch), or dies after 60 s.
void waitFor(const std::function<bool()> &done)
{
    QElapsedTimer limit;
    limit.start();
    while (!done()) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        if (limit.elapsed() > 60'000)
            die(QStringLiteral("no answer within 60 s"));
    }
}

QString ensureHistory(const QString &dir, qint64 events)
{
    const QString path = QDir(dir).filePath(QStringLiteral("dashboard-%1.db").arg(events));
    if (QFileInfo::exists(path))
        return path;
    QDir().mkpath(dir);
    auto store = SqliteHistoryStore::open(path);
    if (!store)
        die(store.error());
    DemoOptions options;
    options.events = events;
    options.endMs = QDateTime::currentMSecsSinceEpoch();
    options.spanMs = 90LL * 86'400'000; // the longest preset sees all of it
    std::fprintf(stderr, "writing %lld demo events to %s…\n", static_cast<long long>(events),
                 path.toUtf8().constData());
    if (Status s = DemoHistory::write(**store, options); !s)
        die(s.error());
    return path;
}
} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen")
                                                                    : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("pullwatch-bench")); // own QSettings
    QCommandLineParser parser;
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("History size."),
                                          QStringLiteral("N"), QStringLiteral("10000000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"),
                                       QStringLiteral("Where the history is."),
                                       QStringLiteral("DIR"), QDir::tempPath());
    const QCommandLineOption runsOption(QStringLiteral("runs"), QStringLiteral("Per range."),
                                        QStringLiteral("N"), QStringLiteral("5"));
    parser.addOptions({eventsOption, dirOption, runsOption});
    parser.addHelpOption();
    parser.process(app);
    const qint64 events = parser.value(eventsOption).toLongLong();
    const int runs = std::max(1, parser.value(runsOption).toInt());
    const QString path = ensureHistory(parser.value(dirOption), events);

    std::printf("| %lld events | measured | budget |\n|---|---|---|\n",
                static_cast<long long>(events));

    // First page: from opening the history to the Overview painted with its rows.
    QElapsedTimer first;
    first.start();
    DashboardState state;
    HistoryService data(path);
    MainWindow window(&state, &data);
    window.resize(1400, 800);
    auto *tabs = window.findChild<QTabWidget *>();
    tabs->setCurrentWidget(window.overviewPage());
    window.show();
    waitFor([&] { return window.overviewPage()->model()->rowCount() > 0; });
    window.grab(); // paints the page as the screen would
    row(QStringLiteral("first page (open history, Overview painted)"),
        double(first.nsecsElapsed()) / 1e6, "≤ 1000 ms");

    // Range changes: every page asks for the new range; done when each has its answer and the
    // shown page (the Timeline, the heaviest to draw) has repainted.
    tabs->setCurrentWidget(window.timelinePage());
    int answers = 0;
    QObject::connect(&data, &DashboardData::failuresReady, [&] { ++answers; });
    QObject::connect(&data, &DashboardData::compareReady, [&] { ++answers; });
    QObject::connect(&data, &DashboardData::timelineReady, [&] { ++answers; });
    QObject::connect(&data, &DashboardData::eventsReady, [&] { ++answers; });
    const auto change = [&](DashboardState::Preset preset) {
        answers = 0;
        QElapsedTimer t;
        t.start();
        state.setPreset(preset);
        waitFor([&] { return answers >= 4; });
        window.grab();
        return double(t.nsecsElapsed()) / 1e6;
    };
    change(DashboardState::Preset::Hour); // warm caches once
    const DashboardState::Preset presets[] = {
        DashboardState::Preset::Hour, DashboardState::Preset::Day, DashboardState::Preset::Week,
        DashboardState::Preset::Month, DashboardState::Preset::Quarter};
    for (const DashboardState::Preset preset : presets) {
        std::vector<double> times;
        for (int i = 0; i < runs; ++i) {
            change(preset == DashboardState::Preset::Hour ? DashboardState::Preset::Day
                                                          : DashboardState::Preset::Hour);
            times.push_back(change(preset));
        }
        std::sort(times.begin(), times.end());
        row(QStringLiteral("range change to %1 (4 pages answer, Timeline repainted), median of %2")
                .arg(DashboardState::presetTitle(preset))
                .arg(runs),
            times[times.size() / 2], "≤ 100 ms");
    }
    return 0;
}
