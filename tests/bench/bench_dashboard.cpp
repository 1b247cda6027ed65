// Measures the dashboard's budgets of DESIGN.md "Performance budgets" on a large history: the
// window's first page and a range change (every page asks again; the shown page repaints).
// Build in Release (cmake --preset release), then:
//   build/release/tests/bench/bench_dashboard --events 10000000 --dir /tmp/pwbench
// Prints a Markdown table; the README's table comes from its output.
#include "analysis/Aggregator.h"
#include "items/DashboardState.h"
#include "demo/DemoHistory.h"
#include "analysis/Failures.h"
#include "services/HistoryService.h"
#include "MainWindow.h"
#include "items/OverviewModel.h"
#include "OverviewPage.h"
#include "history/sqlite/SqliteHistoryStore.h"
#include "analysis/Timeline.h"
#include "analysis/Verdicts.h"
#include "TimelinePage.h"
#include "benchutil.h"

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
#include <ctime>

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

// Runs the event loop until done() holds (looked at every millisecond; the loop sleeps in
// between, so the workers have the cores), or dies after 60 s.
void waitFor(const std::function<bool()> &done)
{
    if (done())
        return;
    QEventLoop loop;
    QTimer check;
    QElapsedTimer limit;
    limit.start();
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
        else if (limit.elapsed() > 60'000)
            die(QStringLiteral("no answer within 60 s"));
    });
    check.start(1);
    loop.exec();
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
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
    // Each answer's handling by its page: a clock started before the page's slot runs (connected
    // first) and read after it (connected after the window).
    QElapsedTimer handling;
    double pageMs[4] = {};
    double arrivedMs[4] = {}; // since the range change
    QElapsedTimer sinceChange;
    const auto startClock = [&] { handling.start(); };
    const auto arrived = [&](int page) {
        arrivedMs[page] = double(sinceChange.nsecsElapsed()) / 1e6;
    };
    QObject::connect(&data, &DashboardData::failuresReady, [&] { arrived(0); });
    QObject::connect(&data, &DashboardData::compareReady, [&] { arrived(1); });
    QObject::connect(&data, &DashboardData::timelineReady, [&] { arrived(2); });
    QObject::connect(&data, &DashboardData::eventsReady, [&] { arrived(3); });
    QObject::connect(&data, &DashboardData::failuresReady, startClock);
    QObject::connect(&data, &DashboardData::compareReady, startClock);
    QObject::connect(&data, &DashboardData::timelineReady, startClock);
    QObject::connect(&data, &DashboardData::eventsReady, startClock);
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
    // Timeline, Failures and Compare answer twice: at once, then with the verdicts (which read
    // every probe of the range); the range change is done at the first answers, the verdicts
    // are timed apart.
    int answers = 0;
    int judgedAnswers = 0;
    const auto answered = [&](int page, bool judged) {
        if (judged) {
            ++judgedAnswers;
            return;
        }
        pageMs[page] = double(handling.nsecsElapsed()) / 1e6;
        ++answers;
    };
    QObject::connect(&data, &DashboardData::failuresReady,
                     [&](const FailureSummary &s) { answered(0, s.judged); });
    QObject::connect(&data, &DashboardData::compareReady,
                     [&](const ComparisonData &c) { answered(1, c.judged); });
    QObject::connect(&data, &DashboardData::timelineReady,
                     [&](const TimelineData &t) { answered(2, t.judged); });
    QObject::connect(&data, &DashboardData::eventsReady, [&] { answered(3, false); });
    double judgedMs = 0; // of the last change: until the three pages had their verdicts
    double guiMs = 0; // of the last change: the GUI thread's CPU time (models, charts, paint)
    const auto change = [&](DashboardState::Preset preset) {
        answers = 0;
        judgedAnswers = 0;
        QElapsedTimer t;
        t.start();
        const qint64 cpu = threadCpuNs();
        sinceChange.start();
        state.setPreset(preset);
        waitFor([&] { return answers >= 4; });
        QElapsedTimer paint;
        paint.start();
        window.grab();
        if (qEnvironmentVariableIsSet("PULLWATCH_BENCH_VERBOSE"))
            std::fprintf(stderr,
                         "%s: arrived/handled failures %.1f/%.1f, compare %.1f/%.1f, timeline "
                         "%.1f/%.1f, events %.1f/%.1f, paint %.1f ms\n",
                         DashboardState::presetTitle(preset).toUtf8().constData(), arrivedMs[0],
                         pageMs[0], arrivedMs[1], pageMs[1], arrivedMs[2], pageMs[2], arrivedMs[3],
                         pageMs[3], double(paint.nsecsElapsed()) / 1e6);
        guiMs = double(threadCpuNs() - cpu) / 1e6;
        const double done = double(t.nsecsElapsed()) / 1e6;
        waitFor([&] { return judgedAnswers >= 3; });
        judgedMs = double(t.nsecsElapsed()) / 1e6;
        return done;
    };
    change(DashboardState::Preset::Hour); // warm caches once
    const DashboardState::Preset presets[] = {
        DashboardState::Preset::Hour, DashboardState::Preset::Day, DashboardState::Preset::Week,
        DashboardState::Preset::Month, DashboardState::Preset::Quarter};
    for (const DashboardState::Preset preset : presets) {
        std::vector<double> times;
        std::vector<double> gui;
        std::vector<double> judged;
        for (int i = 0; i < runs; ++i) {
            // From another range each time (setting the same one changes nothing).
            const auto other = preset == DashboardState::Preset::Hour
                                   ? DashboardState::Preset::Day
                                   : DashboardState::Preset::Hour;
            if (state.preset() != other)
                change(other);
            times.push_back(change(preset));
            gui.push_back(guiMs);
            judged.push_back(judgedMs);
        }
        row(QStringLiteral("range change to %1 (4 pages answer, Timeline repainted; GUI thread "
                           "%2 ms), median of %3")
                .arg(DashboardState::presetTitle(preset))
                .arg(median(gui), 0, 'f', 1)
                .arg(runs),
            median(times), "≤ 100 ms");
        row(QStringLiteral("… until the verdicts are on Timeline, Failures and Compare"),
            median(judged), "≤ 100 ms + 20 ms");
    }

    // What each answer costs on the worker thread (same history, no window): where a range
    // change's time goes.
    auto store = SqliteHistoryStore::open(path);
    if (!store)
        die(store.error());
    std::printf("\n| answer (worker thread) | 1 h | 24 h | 7 d | 30 d | 90 d |\n"
                "|---|---|---|---|---|---|\n");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    VerdictSettings quick; // the first answers leave verdicts out; they are timed on their own
    quick.judge = false;
    const std::pair<const char *, std::function<void(const TimeRange &, qint64)>> kinds[] = {
        {"Failures (breakdown, stacked)",
         [&](const TimeRange &r, qint64 b) { (void)computeFailures(**store, {}, r, b, quick); }},
        {"Compare", [&](const TimeRange &r, qint64) { (void)Aggregator(**store).compare({}, r); }},
        {"Verdicts (every failed CI pull judged)",
         [&](const TimeRange &r, qint64) { (void)VerdictEngine(**store).judge({}, r); }},
        {"Timeline",
         [&](const TimeRange &r, qint64 b) { (void)computeTimeline(**store, {}, r, b, quick); }},
        {"Events (first page)", [&](const TimeRange &r, qint64) {
             EventPageQuery q;
             q.range = r;
             (void)(*store)->eventPage(q);
         }}};
    for (const auto &[name, answer] : kinds) {
        std::printf("| %s |", name);
        for (const DashboardState::Preset preset : presets) {
            DashboardState s;
            s.setPreset(preset);
            const TimeRange r = s.range(now);
            const qint64 b = s.bucketMs(now);
            std::printf(" %.1f ms |", medianMs(runs, [&] { answer(r, b); }));
        }
        std::printf("\n");
    }
    return 0;
}
