#include "Dashboard.h"

#include "cli/CommandLine.h"
#include "cli/CommandLineSupport.h"
#include "ComparePage.h"
#include "config/ConfigFileEditor.h"
#include "items/DashboardState.h"
#include "demo/DemoHistory.h"
#include "FailuresPage.h"
#include "services/HistoryService.h"
#include "services/LiveMonitor.h"
#include "MainWindow.h"
#include "reports/OutputFile.h"
#include "items/OverviewModel.h"
#include "OverviewPage.h"
#include "services/ReportExportService.h"
#include "history/OpenHistory.h"
#include "TimeFormat.h"
#include "TimelinePage.h"
#include "charts/StackedTimeChart.h"

#include <QApplication>
#include <QBuffer>
#include <QDateTime>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace pw::dashboard {

int run(const QStringList &arguments)
{
    const bool demo = arguments.contains(u"--demo"_s);
    const Result<Config> config = Config::loadOrDefault(cli::globalOption(arguments, u"config"_s));
    if (!config)
        return cli::fail(config.error());

    // --demo: a newcomer sees every page populated at once, without touching a real history.
    QTemporaryDir demoDir;
    QString path = cli::historyPath(arguments);
    if (demo) {
        path = demoDir.filePath(u"demo-history.db"_s);
        DemoOptions options;
        options.events = 300'000;
        options.endMs = QDateTime::currentMSecsSinceEpoch();
        if (Status created = DemoHistory::create(path, options); !created)
            return cli::fail(created.error());
    } else if (auto store = openHistory(path); !store) {
        return cli::fail(store.error()); // a clear message before any window opens
    }

    DashboardState state;
    HistoryService data(path);
    data.setVerdictSettings(cli::verdictSettings(*config));
    LiveMonitor monitor(*config, path, demo ? LiveMonitor::Mode::Demo : LiveMonitor::Mode::Live);
    ReportExportService exporter(path);
    ConfigFileEditor configFile(cli::globalOption(arguments, u"config"_s));
    // Pages look at once after this process wrote, instead of at the next watch tick.
    QObject::connect(&monitor, &PullMonitor::historyChanged, &data,
                     &HistoryService::checkForChanges);
    // A saved config applies at once: new images are probed, new CI sources polled, verdicts
    // judged with the new intervals, and which registries build on demand follows it.
    auto registries = std::make_shared<QList<RegistryConfig>>(config->registries);
    QObject::connect(&configFile, &ConfigEditor::saved, &monitor, [&, registries](const QString &file) {
        const Result<Config> changed = Config::load(file);
        if (changed) {
            monitor.reload(*changed);
            data.setVerdictSettings(cli::verdictSettings(*changed));
            *registries = changed->registries;
        }
    });
    MainWindow window(&state, &data,
                      {&monitor, &exporter, &configFile,
                       [registries](const QString &host) { return isOnDemand(*registries, host); }});
    if (demo)
        window.setWindowTitle(QApplication::translate("Dashboard", "pullwatch — demo history"));
    window.show();
    return QApplication::exec();
}

int render(const QStringList &arguments)
{
    const QCommandLineOption view(u"view"_s, u"overview, timeline, breakdown or compare."_s,
                                  u"VIEW"_s);
    const QCommandLineOption out(u"out"_s, u"PNG file to write."_s, u"FILE"_s);
    const QCommandLineOption from(u"from"_s, u"Start (ISO 8601 or -7d)."_s, u"T"_s, u"-30d"_s);
    const QCommandLineOption to(u"to"_s, u"End (ISO 8601 or -1h)."_s, u"T"_s);
    const QCommandLineOption width(u"width"_s, u"Pixels."_s, u"W"_s, u"1400"_s);
    const QCommandLineOption height(u"height"_s, u"Pixels."_s, u"H"_s, u"700"_s);
    const QCommandLineOption group(u"group"_s, u"Only this group (repeatable)."_s, u"G"_s);
    QCommandLineParser parser;
    QString error;
    if (!cli::parse(parser, arguments, {view, out, from, to, width, height, group}, &error))
        return cli::fail(u"render: "_s + error);
    const QString page = parser.value(view);
    if (page != u"overview"_s && page != u"timeline"_s && page != u"breakdown"_s &&
        page != u"compare"_s)
        return cli::fail(
            u"render: --view must be overview, timeline, breakdown or compare, got \"%1\""_s.arg(
                page));
    if (!parser.isSet(out))
        return cli::fail(u"render: --out FILE.png is required"_s);
    bool okWidth = false;
    bool okHeight = false;
    const int w = parser.value(width).toInt(&okWidth);
    const int h = parser.value(height).toInt(&okHeight);
    if (!okWidth || !okHeight || w < 200 || h < 150 || w > 8000 || h > 8000)
        return cli::fail(u"render: --width and --height must be pixels between 200 and 8000"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Result<qint64> start = timeformat::parseTime(parser.value(from), now);
    const Result<qint64> end =
        parser.isSet(to) ? timeformat::parseTime(parser.value(to), now) : Result<qint64>(now + 1);
    if (!start || !end)
        return cli::fail(u"render: "_s + (!start ? start.error() : end.error()));
    if (*end <= *start)
        return cli::fail(u"render: --to must be after --from"_s);
    const Result<Config> config = cli::loadConfig(parser);
    if (!config)
        return cli::fail(config.error());
    const VerdictSettings verdicts = cli::verdictSettings(*config);
    auto store =
        openHistory(cli::dbPath(parser), HistoryAccess::ReadOnly);
    if (!store)
        return cli::fail(store.error());

    EventFilter filter;
    filter.groups = parser.values(group);
    DashboardState state; // the dashboard's range and bucket sizes for --from/--to
    state.setCustomRange(clampToHistory(**store, {*start, *end}));
    const TimeRange range = state.range(now);
    std::unique_ptr<QWidget> widget;
    QString what;
    if (page == u"overview"_s) {
        const Result<QList<OverviewRow>> rows = computeOverview(**store, filter, now);
        if (!rows)
            return cli::fail(rows.error());
        auto overview = std::make_unique<OverviewPage>(nullptr, nullptr);
        overview->showRows(*rows, now);
        what = u"%1 images"_s.arg(rows->size());
        widget = std::move(overview);
    } else if (page == u"compare"_s) {
        const Result<ComparisonData> comparison =
            computeComparison(**store, filter, range, verdicts);
        if (!comparison)
            return cli::fail(comparison.error());
        auto compare = std::make_unique<ComparePage>(nullptr, nullptr);
        compare->showComparison(*comparison);
        what = u"%1 images"_s.arg(comparison->rows.size());
        widget = std::move(compare);
    } else if (page == u"timeline"_s) {
        const Result<TimelineData> timeline =
            computeTimeline(**store, filter, range, state.bucketMs(now), verdicts);
        if (!timeline)
            return cli::fail(timeline.error());
        auto timelinePage = std::make_unique<TimelinePage>(nullptr, nullptr);
        timelinePage->showTimeline(*timeline);
        what = u"%1 images x %2 buckets"_s.arg(timeline->rows.size()).arg(timeline->bucketCount);
        widget = std::move(timelinePage);
    } else {
        const Result<FailureSummary> summary = computeFailures(
            **store, filter, range, state.bucketMs(now, StackedTimeChart::MaxBuckets), verdicts);
        if (!summary)
            return cli::fail(summary.error());
        auto failures = std::make_unique<FailuresPage>(nullptr, nullptr);
        failures->showSummary(*summary, range);
        what = u"%1 failures"_s.arg(summary->failures);
        widget = std::move(failures);
    }
    widget->resize(w, h);
    widget->setAttribute(Qt::WA_DontShowOnScreen);
    widget->show();
    QApplication::processEvents();
    const QString file = parser.value(out);
    QByteArray png;
    QBuffer buffer(&png);
    OutputFile output(file);
    if (!buffer.open(QIODevice::WriteOnly) || !widget->grab().save(&buffer, "PNG"))
        return cli::fail(u"render: %1: cannot encode the PNG"_s.arg(file));
    if (!output.open() || output.device()->write(png) != png.size() || !output.commit())
        return cli::fail(u"render: %1: cannot write the PNG: %2"_s.arg(file, output.errorString()));
    cli::say(u"wrote %1 (%2)"_s.arg(file, what));
    return cli::Success;
}

} // namespace pw::dashboard
