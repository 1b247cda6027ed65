#pragma once

#include "analysis/Verdicts.h"
#include "history/HistoryStore.h"

#include <QIODevice>

#include <atomic>
#include <functional>
#include <optional>

namespace pw {

enum class ReportKind
{
    Events,
    Availability,
    Breakdown,
    Compare,
    Verdicts
};

std::optional<ReportKind> reportFromId(QStringView id);
QString reportId(ReportKind kind);

struct ReportRequest
{
    ReportKind kind = ReportKind::Events;
    EventFilter filter;
    TimeRange range;
    qint64 bucketMs = 3600 * 1000;
    VerdictSettings verdicts; // probe intervals from the config (the verdicts report)
};

// Progress of a long report: rows written so far. Returning false cancels it.
using ReportProgress = std::function<bool(qint64 rows)>;

// Writes one of DESIGN.md's CSV reports (RFC 4180, CRLF, UTF-8, header row, ISO 8601 UTC with
// milliseconds, formula guard) to the device. Returns the number of data rows written.
Result<qint64> writeReport(const HistoryStore &store, const ReportRequest &request,
                           QIODevice *device, const ReportProgress &progress = {});

} // namespace pw
