#include "ports/ReportExporter.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace pw {

QString ReportExporter::fileName(QStringView what, const TimeRange &range, QStringView suffix)
{
    const auto stamp = [](qint64 ms) {
        return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(u"yyyyMMdd'T'HHmm'Z'"_s);
    };
    return u"pullwatch-%1-%2-%3.%4"_s.arg(what, stamp(range.from), stamp(range.to), suffix);
}

QString ReportExporter::fileName(const ReportRequest &request)
{
    return fileName(reportId(request.kind), request.range, u"csv");
}

} // namespace pw
