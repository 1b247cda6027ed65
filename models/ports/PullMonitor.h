#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace pw {

// What the live monitor is doing, for the status bar and the toolbar's enabled states.
struct MonitorState
{
    bool probing = false;      // the scheduler runs
    bool demo = false;         // probing is off because the history is a demo
    int images = 0;            // configured images
    int probesRunning = 0;     // scheduled and on-demand probes in flight
    qint64 nextProbeAtMs = -1; // epoch ms of the next scheduled probe (estimate), -1 if none
    int ciSources = 0;         // CI sources polled
    bool importing = false;    // importLogs() is at work
    QString lastError; // the latest failure to write or poll, until a write or poll succeeds

    friend bool operator==(const MonitorState &, const MonitorState &) = default;
};

// One short status-bar sentence: "Probing 4 images · 2 running · next in 43 s · CI: 1 source",
// "Probing off (demo history)". Translated; nowMs makes the countdown testable.
QString describeMonitorState(const MonitorState &state, qint64 nowMs);

// The dashboard's live work while the window is open: scheduled probes, CI polling and log imports
// on request (app/LiveMonitor implements it). Everything it finds is written to the history;
// historyChanged() says when pages may refresh.
class PullMonitor : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual MonitorState state() const = 0;

public slots:
    // Every configured image at once (the per-host limit still queues the excess). Nothing while
    // probing is off.
    virtual void probeNow() = 0;
    // Files or directories of CI logs; ignored while an import runs (state().importing).
    virtual void importLogs(const QStringList &paths) = 0;
    // Ends a running import soon; what it had not stored stays out of the history entirely.
    virtual void cancelImport() = 0;

signals:
    void stateChanged(const pw::MonitorState &state);
    void importProgress(qint64 bytesDone, qint64 bytesTotal);
    // summary: "3 files, 12 pulls (2 failed)" or why it stopped; ok false when canceled or failed.
    void importFinished(const QString &summary, bool ok);
    // One probe's outcome as it arrives; categoryId is empty when ok ("rate_limit" otherwise).
    void probed(const QString &image, bool ok, const QString &categoryId);
    // Events were written: pages may refresh now. Coalesced, at most a few times a second.
    void historyChanged();
};

} // namespace pw

Q_DECLARE_METATYPE(pw::MonitorState)
