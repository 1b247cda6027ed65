#pragma once

#include "history/HistoryStore.h"

#include <functional>
#include <memory>
#include <vector>

namespace pw {

struct DemoOptions
{
    qint64 events = 100000;
    qint64 endMs = 0; // the history ends here (now)
    // and covers this much before it: 30 days less an hour, so that the default 30-day report
    // window of a command run soon after still holds every demo event
    qint64 spanMs = qint64(30) * 86400000 - 3600000;
    quint32 seed = 20251118; // same seed, same history
};

// Writes a realistic synthetic pull history: nixery images that are slow on cold builds, time
// out and return 500s in bursts; steady self-hosted equivalents; a Docker Hub image that hits
// its pull rate limit during working hours; probe and CI events with job context; and messages
// that exercise CSV quoting (commas, quotes, newlines, a leading '=').
class DemoHistory
{
public:
    using Progress = std::function<bool(qint64 written)>; // false cancels

    explicit DemoHistory(const DemoOptions &options);
    ~DemoHistory();

    // The demo's images with their groups and labels.
    QList<ImageInfo> images() const;
    // Replaces batch with the next (time-ordered) events; false when all have been made.
    bool nextBatch(std::vector<PullEvent> &batch, qint64 maxEvents = 100000);

    // Generates the whole history into the store, batch by batch.
    static Status write(HistoryStore &store, const DemoOptions &options,
                        const Progress &progress = {});
    // A demo history at location (`pullwatch demo` and the dashboard's --demo): one demo at a
    // time per location, a second waits (calling waiting() first) and then replaces it. An
    // earlier demo history is replaced, a real one (or another application's file) never. The
    // history is marked as the demo's before it is filled, so one cut short is replaced too.
    static Status create(const QString &location, const DemoOptions &options,
                         const Progress &progress = {},
                         const std::function<void()> &waiting = {});

private:
    struct State;
    std::unique_ptr<State> d;
};

} // namespace pw
