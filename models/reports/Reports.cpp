#include "reports/Reports.h"

#include "analysis/Aggregator.h"
#include "reports/CsvWriter.h"

namespace pw {

namespace {
constexpr std::array<const char *, 5> ReportIds = {"events", "availability", "breakdown",
                                                   "compare", "verdicts"};

void addOptional(CsvWriter &csv, qint64 value)
{
    if (value < 0)
        csv.addEmpty();
    else
        csv.addInteger(value);
}

void addTextOrEmpty(CsvWriter &csv, const QString &text)
{
    if (text.isEmpty())
        csv.addEmpty();
    else
        csv.addText(text);
}

Status finish(CsvWriter &csv)
{
    if (!csv.flush() || !csv.ok())
        return Error{QStringLiteral("cannot write report: ") + csv.errorString()};
    return {};
}

Result<qint64> writeEvents(const HistoryStore &store, const ReportRequest &r, CsvWriter &csv,
                           const ReportProgress &progress)
{
    csv.addHeader({"ts", "source", "image", "registry", "outcome", "category", "http_status",
                   "latency_ms", "bytes", "digest", "rule", "ci_provider", "ci_repo", "ci_run_id",
                   "ci_job_id", "ci_job_name", "ci_job_url", "ci_line", "message"});
    qint64 rows = 0;
    bool canceled = false;
    const Status s = store.scanEvents(r.filter, r.range, [&](const PullEvent &e) {
        csv.addTimestamp(e.ts);
        csv.addText(e.source == Source::Ci ? QLatin1StringView("ci") : QLatin1StringView("probe"));
        csv.addText(e.image);
        csv.addText(e.registry);
        csv.addText(e.ok ? QLatin1StringView("ok") : QLatin1StringView("fail"));
        if (e.ok)
            csv.addEmpty();
        else
            csv.addText(categoryId(e.category == Category::None ? Category::Unknown : e.category));
        csv.addInteger(e.httpStatus);
        addOptional(csv, e.latencyMs);
        csv.addInteger(e.bytes);
        addTextOrEmpty(csv, e.digest);
        addTextOrEmpty(csv, e.rule);
        addTextOrEmpty(csv, e.ci.provider);
        addTextOrEmpty(csv, e.ci.repo);
        addTextOrEmpty(csv, e.ci.runId);
        addTextOrEmpty(csv, e.ci.jobId);
        addTextOrEmpty(csv, e.ci.jobName);
        addTextOrEmpty(csv, e.ci.jobUrl);
        if (e.ciLine > 0)
            csv.addInteger(e.ciLine);
        else
            csv.addEmpty();
        addTextOrEmpty(csv, e.message);
        csv.endRow();
        ++rows;
        if ((rows & 0xFFFF) == 0 && progress && !progress(rows)) {
            canceled = true;
            return false;
        }
        return csv.ok();
    });
    if (!s)
        return Error{s.error()};
    if (canceled)
        return Error{QStringLiteral("export canceled")};
    if (Status f = finish(csv); !f)
        return Error{f.error()};
    return rows;
}

Result<qint64> writeAvailability(const HistoryStore &store, const ReportRequest &r, CsvWriter &csv)
{
    const Result<QList<BucketStats>> buckets =
        Aggregator(store).availability(AggregateQuery{r.filter, r.range, r.bucketMs});
    if (!buckets)
        return Error{buckets.error()};
    const QHash<int, ImageInfo> infos = imagesById(store);
    csv.addHeader({"bucket_start", "bucket_end", "image", "group", "label", "total", "ok", "failed",
                   "availability_pct", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"});
    for (const BucketStats &b : *buckets) {
        const ImageInfo info = infos.value(b.imageId);
        csv.addTimestamp(b.bucketStart);
        csv.addTimestamp(b.bucketEnd);
        csv.addText(info.image);
        addTextOrEmpty(csv, info.group);
        addTextOrEmpty(csv, info.label);
        csv.addInteger(b.total);
        csv.addInteger(b.ok);
        csv.addInteger(b.failed());
        csv.addDecimal(b.availabilityPct(), 2);
        addOptional(csv, b.latency.percentile(50));
        addOptional(csv, b.latency.percentile(95));
        addOptional(csv, b.latency.percentile(99));
        csv.endRow();
    }
    if (Status f = finish(csv); !f)
        return Error{f.error()};
    return qint64(buckets->size());
}

Result<qint64> writeBreakdown(const HistoryStore &store, const ReportRequest &r, CsvWriter &csv)
{
    const Result<QList<BreakdownRow>> rows = Aggregator(store).breakdown(r.filter, r.range);
    if (!rows)
        return Error{rows.error()};
    csv.addHeader({"category", "registry", "image", "failures", "share_pct"});
    for (const BreakdownRow &row : *rows) {
        csv.addText(categoryId(row.category));
        csv.addText(row.registry);
        csv.addText(row.image);
        csv.addInteger(row.failures);
        csv.addDecimal(row.sharePct, 2);
        csv.endRow();
    }
    if (Status f = finish(csv); !f)
        return Error{f.error()};
    return qint64(rows->size());
}

Result<qint64> writeCompare(const HistoryStore &store, const ReportRequest &r, CsvWriter &csv)
{
    const Result<QList<CompareRow>> rows = Aggregator(store).compare(r.filter, r.range);
    if (!rows)
        return Error{rows.error()};
    csv.addHeader({"group", "label", "image", "total", "ok", "availability_pct", "latency_p50_ms",
                   "latency_p95_ms", "incidents", "mttr_s", "top_category", "cold_p50_ms",
                   "warm_p50_ms"});
    for (const CompareRow &row : *rows) {
        addTextOrEmpty(csv, row.group);
        addTextOrEmpty(csv, row.label);
        csv.addText(row.image);
        csv.addInteger(row.stats.total);
        csv.addInteger(row.stats.ok);
        csv.addDecimal(row.stats.availabilityPct(), 2);
        addOptional(csv, row.stats.latency.percentile(50));
        addOptional(csv, row.stats.latency.percentile(95));
        csv.addInteger(row.incidents);
        if (row.mttrS < 0)
            csv.addEmpty();
        else
            csv.addDecimal(row.mttrS, 1);
        addTextOrEmpty(csv, categoryId(row.stats.topCategory()));
        addOptional(csv, row.coldP50);
        addOptional(csv, row.warmP50);
        csv.endRow();
    }
    if (Status f = finish(csv); !f)
        return Error{f.error()};
    return qint64(rows->size());
}
Result<qint64> writeVerdicts(const HistoryStore &store, const ReportRequest &r, CsvWriter &csv)
{
    const Result<QList<CiVerdict>> rows = VerdictEngine(store, r.verdicts).explain(r.filter, r.range);
    if (!rows)
        return Error{rows.error()};
    csv.addHeader({"ts", "image", "registry", "ci_provider", "ci_repo", "ci_job_name", "ci_job_url",
                   "category", "verdict", "probes", "probes_ok", "probe_p50_ms", "probe_max_ms",
                   "cold", "advice"});
    for (const CiVerdict &v : *rows) {
        csv.addTimestamp(v.event.ts);
        csv.addText(v.event.image);
        csv.addText(v.event.registry);
        addTextOrEmpty(csv, v.event.ci.provider);
        addTextOrEmpty(csv, v.event.ci.repo);
        addTextOrEmpty(csv, v.event.ci.jobName);
        addTextOrEmpty(csv, v.event.ci.jobUrl);
        csv.addText(categoryId(v.event.category == Category::None ? Category::Unknown
                                                                   : v.event.category));
        csv.addText(verdictId(v.verdict));
        csv.addInteger(v.evidence.probes);
        csv.addInteger(v.evidence.probesOk);
        addOptional(csv, v.evidence.p50Ms);
        addOptional(csv, v.evidence.maxMs);
        csv.addText(v.evidence.cold ? QLatin1StringView("true") : QLatin1StringView("false"));
        csv.addText(v.advice);
        csv.endRow();
    }
    if (Status f = finish(csv); !f)
        return Error{f.error()};
    return qint64(rows->size());
}
} // namespace

std::optional<ReportKind> reportFromId(QStringView id)
{
    for (size_t i = 0; i < ReportIds.size(); ++i) {
        if (id == QLatin1StringView(ReportIds[i]))
            return ReportKind(i);
    }
    return std::nullopt;
}

QString reportId(ReportKind kind)
{
    return QString::fromLatin1(ReportIds[size_t(kind)]);
}

Result<qint64> writeReport(const HistoryStore &store, const ReportRequest &request,
                           QIODevice *device, const ReportProgress &progress)
{
    CsvWriter csv(device);
    switch (request.kind) {
    case ReportKind::Events:
        return writeEvents(store, request, csv, progress);
    case ReportKind::Availability:
        return writeAvailability(store, request, csv);
    case ReportKind::Breakdown:
        return writeBreakdown(store, request, csv);
    case ReportKind::Compare:
        return writeCompare(store, request, csv);
    case ReportKind::Verdicts:
        return writeVerdicts(store, request, csv);
    }
    return Error{QStringLiteral("unknown report")};
}

} // namespace pw
