// pullwatch classify and pullwatch ingest: pull evidence from CI logs on the command line.
#include "cli/CommandLine.h"
#include "cli/CommandLineSupport.h"
#include "net/HttpClient.h"
#include "registry/ProbeRecorder.h"
#include "history/OpenHistory.h"
#include "TimeFormat.h"
#include "ci/CiIngester.h"
#include "ci/RestCiSource.h"
#include "ci/NativePath.h"
#include "analysis/TextGroups.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QEventLoop>

using namespace Qt::StringLiterals;

namespace pw::cli {

namespace {

// "classify: 120 MB of 256 MB" on a terminal, rewritten in place at most twice a second.
class ProgressLine
{
public:
    explicit ProgressLine(QString what) : m_what(std::move(what)), m_enabled(stderrIsTerminal())
    {
        m_clock.start();
    }
    ~ProgressLine()
    {
        if (m_shown)
            std::fputs("\r\033[K", stderr);
    }
    void show(const QString &text)
    {
        if (!m_enabled || m_clock.elapsed() < m_lastMs + 500)
            return;
        m_lastMs = m_clock.elapsed();
        m_shown = true;
        std::fputs((u"\r\033[K"_s + m_what + u": "_s + text).toUtf8().constData(), stderr);
    }

private:
    QString m_what;
    bool m_enabled;
    bool m_shown = false;
    QElapsedTimer m_clock;
    qint64 m_lastMs = -1000;
};

QString megabytes(qint64 bytes)
{
    return u"%1 MB"_s.arg(bytes / 1e6, 0, 'f', 1);
}

nlohmann::ordered_json eventLine(const CiPull &pull, const QString &file)
{
    using json = nlohmann::ordered_json;
    const PullEvent &event = pull.event;
    json line;
    line["line"] = event.ciLine;
    line["ts"] =
        pull.timestampFromLog ? json(timeformat::toIso8601(event.ts).toStdString()) : json(nullptr);
    line["image"] = event.image.isEmpty() ? json(nullptr) : json(event.image.toStdString());
    line["outcome"] = event.ok ? "ok" : "fail";
    line["category"] = event.ok ? json(nullptr) : json(categoryId(event.category).toStdString());
    line["rule"] = event.rule.toStdString();
    line["text"] = event.message.toStdString();
    if (!file.isEmpty())
        line["file"] = file.toStdString();
    return line;
}

// One line however many files were cut short: the first, and how many more.
QString incompleteSummary(const QStringList &incomplete)
{
    QString line = incomplete.first() + u" (what it held up to there was read)"_s;
    if (incomplete.size() > 1)
        line += u"; and %1 more files like it"_s.arg(incomplete.size() - 1);
    return line;
}


} // namespace

int runClassify(const QStringList &arguments)
{
    const QCommandLineOption summary(u"summary"_s, u"Print counts per category only."_s);
    const QCommandLineOption unmatched(
        u"unmatched"_s,
        u"Print the failures of no known cause, grouped by their text, largest group first."_s);
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {summary, unmatched}, &error))
        return fail(u"classify: "_s + error);
    if (parser.isSet(summary) && parser.isSet(unmatched))
        return fail(u"classify: --summary and --unmatched go one at a time"_s);
    const Result<QStringList> files = nativepath::expand(parser.positionalArguments().mid(1),
                                                                   nativepath::Dash::IsStandardInput);
    if (!files)
        return fail(u"classify: "_s + files.error());
    if (files->isEmpty())
        return fail(u"classify: give log files, directories or - for standard input"_s);
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());
    const Result<LogClassifier> classifier = LogClassifier::forConfig(*config);
    if (!classifier)
        return fail(classifier.error());

    std::array<qint64, CategoryCount> counts{};
    QList<QString> unknownLines; // --unmatched
    LogScanStats total;
    QStringList incomplete; // files read only in part: their events are shown, then exit 2
    ProgressLine progress(u"classify"_s);
    const LogScan scan(*classifier);
    for (const QString &file : *files) {
        PullExtractor extractor;
        const Result<LogScanStats> stats = scan.scanFile(
            file, [&](const LogLineMatch &line) { extractor.add(line); },
            [&](qint64 bytes) { progress.show(megabytes(total.bytes + bytes) + u" read"_s); });
        if (!stats)
            return fail(u"classify: "_s + stats.error());
        if (!stats->incomplete.isEmpty())
            incomplete.append(nativepath::display(file) + u": "_s + stats->incomplete);
        total.bytes += stats->bytes;
        total.lines += stats->lines;
        for (const CiPull &pull : extractor.finish()) {
            ++counts[static_cast<int>(pull.event.category)];
            if (parser.isSet(unmatched)) {
                if (!pull.event.ok && pull.event.category == Category::Unknown)
                    unknownLines.append(pull.event.message);
            } else if (!parser.isSet(summary)) {
                printJsonLine(eventLine(pull, files->size() > 1 ? file : QString()));
            }
        }
    }
    if (parser.isSet(unmatched)) {
        // What to write a rule for: a pull context, no cause the rules know.
        for (const TextGroup &group : groupByText(unknownLines)) {
            nlohmann::ordered_json line;
            line["count"] = group.count;
            line["text"] = group.text.toStdString();
            line["example"] = group.example.toStdString();
            printJsonLine(line);
        }
    }
    if (parser.isSet(summary)) {
        nlohmann::ordered_json line;
        line["lines"] = total.lines;
        qint64 events = 0;
        for (const qint64 count : counts)
            events += count;
        line["events"] = events;
        line["ok"] = counts[0];
        for (const Category category : FailureCategories)
            line[categoryId(category).toStdString()] = counts[static_cast<int>(category)];
        printJsonLine(line);
    }
    if (!incomplete.isEmpty())
        return fail(u"classify: "_s + incompleteSummary(incomplete));
    return Success;
}

int runIngest(const QStringList &arguments)
{
    const QCommandLineOption github(u"github"_s, u"GitHub repository OWNER/REPO."_s, u"REPO"_s);
    const QCommandLineOption gitlab(u"gitlab"_s, u"GitLab project path or id."_s, u"PROJECT"_s);
    const QCommandLineOption apiUrl(u"api-url"_s, u"API base URL (self-hosted)."_s, u"URL"_s);
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {github, gitlab, apiUrl}, &error))
        return fail(u"ingest: "_s + error);
    const QStringList paths = parser.positionalArguments().mid(1);
    const int sources =
        (parser.isSet(github) ? 1 : 0) + (parser.isSet(gitlab) ? 1 : 0) + (paths.isEmpty() ? 0 : 1);
    if (sources != 1)
        return fail(u"ingest: give log files or directories, --github OWNER/REPO, or --gitlab "
                    u"PROJECT (one of them)"_s);
    if (parser.isSet(apiUrl) && paths.size() > 0)
        return fail(u"ingest: --api-url goes with --github or --gitlab"_s);
    const Result<QStringList> files = nativepath::expand(paths);
    if (!files)
        return fail(u"ingest: "_s + files.error());
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());
    const Result<LogClassifier> classifier = LogClassifier::forConfig(*config);
    if (!classifier)
        return fail(classifier.error());
    auto store = openHistory(dbPath(parser));
    if (!store)
        return fail(store.error());
    if (Status synced = ProbeRecorder(store->get()).syncImages(*config); !synced)
        return fail(synced.error());

    CiIngester ingester(store->get(), *classifier);
    IngestTotals totals;
    ProgressLine progress(u"ingest"_s);
    Status status;
    if (!paths.isEmpty()) {
        for (const QString &file : *files) {
            status = ingester.ingestPath(file, totals, [&](qint64 bytes) {
                progress.show(nativepath::display(nativepath::fileName(file)) + u": "_s + megabytes(bytes));
            });
            if (!status)
                break;
        }
    } else {
        // The config's entry for this repository, if any, supplies workflow, branch and token.
        CiSourceConfig source;
        source.provider = parser.isSet(github) ? u"github"_s : u"gitlab"_s;
        const QString name = parser.value(parser.isSet(github) ? github : gitlab);
        for (const CiSourceConfig &configured : config->ci) {
            if (configured.provider == source.provider &&
                (configured.repo == name || configured.project == name))
                source = configured;
        }
        (source.provider == u"github"_s ? source.repo : source.project) = name;
        if (parser.isSet(apiUrl))
            source.apiUrl = parser.value(apiUrl);
        HttpClient http;
        std::unique_ptr<CiSource> ci = makeRestCiSource(source, &http);
        QEventLoop loop;
        bool finished = false;
        QObject::connect(ci.get(), &CiSource::jobLog, [&](const CiJobLog &job) {
            if (Status stored = ingester.ingestJob(job, totals); !stored) {
                status = stored;
                ci->cancel();
            }
        });
        QObject::connect(ci.get(), &CiSource::progress,
                         [&](const QString &text) { progress.show(text); });
        QObject::connect(ci.get(), &CiSource::finished, &loop, [&](const Status &outcome) {
            if (status && !outcome)
                status = outcome;
            finished = true;
            loop.quit();
        });
        ci->fetch(ingester.ledger());
        if (!finished)
            loop.exec();
    }
    store->reset(); // flush

    nlohmann::ordered_json line;
    line["jobs"] = totals.jobs;
    line["files"] = totals.files;
    line["unchanged_files"] = totals.skipped;
    line["missing_logs"] = totals.missingLogs;
    line["lines"] = totals.lines;
    line["events"] = totals.events;
    line["without_image"] = totals.withoutImage;
    line["ok"] = totals.ok;
    line["failed"] = totals.failed;
    printJsonLine(line);
    if (!status)
        return fail(u"ingest: "_s + status.error());
    if (!totals.incomplete.isEmpty())
        return fail(u"ingest: "_s + incompleteSummary(totals.incomplete));
    return Success;
}

} // namespace pw::cli
