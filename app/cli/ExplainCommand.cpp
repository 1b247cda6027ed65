// pullwatch explain: a verdict for every failed CI pull of a range (DESIGN.md "Verdicts").
#include "cli/CommandLineSupport.h"

#include "cli/CommandLine.h"

#include "analysis/Verdicts.h"
#include "TimeFormat.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace pw::cli {

namespace {
nlohmann::ordered_json optionalNumber(qint64 value)
{
    return value < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(value);
}

nlohmann::ordered_json optionalText(const QString &text)
{
    return text.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text.toStdString());
}

void printVerdict(const CiVerdict &v)
{
    nlohmann::ordered_json line;
    line["ts"] = timeformat::toIso8601(v.event.ts).toStdString();
    line["image"] = v.event.image.toStdString();
    line["registry"] = v.event.registry.toStdString();
    line["ci_job_url"] = optionalText(v.event.ci.jobUrl);
    line["category"] =
        categoryId(v.event.category == Category::None ? Category::Unknown : v.event.category)
            .toStdString();
    line["verdict"] = verdictId(v.verdict).toStdString();
    line["probes"] = v.evidence.probes;
    line["probes_ok"] = v.evidence.probesOk;
    line["probe_p50_ms"] = optionalNumber(v.evidence.p50Ms);
    line["probe_max_ms"] = optionalNumber(v.evidence.maxMs);
    line["cold"] = v.evidence.cold;
    line["advice"] = v.advice.toStdString();
    line["sentence"] = v.sentence.toStdString();
    printJsonLine(line);
}

void printSummary(const ImageVerdicts &row)
{
    nlohmann::ordered_json line;
    line["image"] = row.image.toStdString();
    line["group"] = optionalText(row.group);
    line["label"] = optionalText(row.label);
    line["ci_failures"] = row.ciFailures;
    nlohmann::ordered_json counts = nlohmann::ordered_json::object();
    for (Verdict verdict : AllVerdicts)
        counts[verdictId(verdict).toStdString()] = row.verdicts[size_t(verdict)];
    line["verdicts"] = counts;
    line["sentence"] = row.sentence.toStdString();
    printJsonLine(line);
}
} // namespace

int runExplain(const QStringList &arguments)
{
    const QCommandLineOption from(u"from"_s, u"Start (ISO 8601 or -7d)."_s, u"T"_s);
    const QCommandLineOption to(u"to"_s, u"End (ISO 8601 or -1h)."_s, u"T"_s);
    const QCommandLineOption image(u"image"_s, u"Only this image."_s, u"REF"_s);
    const QCommandLineOption group(u"group"_s, u"Only this group."_s, u"G"_s);
    const QCommandLineOption summary(u"summary"_s, u"One line per image instead."_s);
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {from, to, image, group, summary}, &error))
        return fail(u"explain: "_s + error);
    if (!parser.positionalArguments().mid(1).isEmpty())
        return fail(u"explain: unexpected argument \"%1\""_s.arg(parser.positionalArguments().at(1)));
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());
    const Result<TimeRange> range = timeRange(parser, from, to);
    if (!range)
        return fail(u"explain: "_s + range.error());
    Result<std::unique_ptr<HistoryStore>> store = openForReading(parser);
    if (!store)
        return fail(store.error());
    if (const Status known = checkImages(**store, parser.values(image)); !known)
        return fail(u"explain: "_s + known.error());

    EventFilter filter;
    filter.images = parser.values(image);
    filter.groups = parser.values(group);
    const VerdictEngine engine(**store, verdictSettings(*config));
    if (parser.isSet(summary)) {
        const Result<QList<ImageVerdicts>> rows = engine.summarize(filter, *range);
        if (!rows)
            return fail(rows.error());
        for (const ImageVerdicts &row : *rows)
            printSummary(row);
        return Success;
    }
    const Result<QList<CiVerdict>> verdicts = engine.explain(filter, *range);
    if (!verdicts)
        return fail(verdicts.error());
    for (const CiVerdict &v : *verdicts)
        printVerdict(v);
    return Success;
}

} // namespace pw::cli
