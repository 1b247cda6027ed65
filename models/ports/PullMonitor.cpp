#include "ports/PullMonitor.h"

#include <QCoreApplication>

namespace pw {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("PullMonitor", text);
}

// English needs two forms; a translation that needs more can reword the whole sentence.
QString counted(int n, const char *one, const char *many)
{
    return n == 1 ? tr(one) : tr(many).arg(n);
}

QString countdown(qint64 ms)
{
    const qint64 seconds = (std::max<qint64>(ms, 0) + 999) / 1000; // "in 0 s" only when due
    if (seconds < 120)
        return tr("next in %1 s").arg(seconds);
    if (seconds < 2 * 3600)
        return tr("next in %1 min").arg((seconds + 30) / 60);
    return tr("next in %1 h").arg((seconds + 1800) / 3600);
}

constexpr qsizetype MaxErrorChars = 80; // the status bar is one line
} // namespace

QString describeMonitorState(const MonitorState &state, qint64 nowMs)
{
    QStringList parts;
    if (state.demo) {
        parts.append(tr("Probing off (demo history)"));
    } else if (!state.probing || state.images == 0) {
        parts.append(tr("Probing off (no images configured)"));
    } else {
        parts.append(counted(state.images, "Probing 1 image", "Probing %1 images"));
        if (state.probesRunning > 0)
            parts.append(tr("%1 running").arg(state.probesRunning));
        if (state.nextProbeAtMs >= 0)
            parts.append(countdown(state.nextProbeAtMs - nowMs));
    }
    if (state.ciSources > 0)
        parts.append(counted(state.ciSources, "CI: 1 source", "CI: %1 sources"));
    if (state.importing)
        parts.append(tr("importing logs"));
    if (!state.lastError.isEmpty()) {
        QString error = state.lastError.simplified();
        if (error.size() > MaxErrorChars)
            error = error.left(MaxErrorChars - 1) + QChar(0x2026);
        parts.append(tr("error: %1").arg(error));
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace pw
