#pragma once

#include "analysis/Verdicts.h"

#include <QHash>

#include <span>
#include <vector>

// The probes a verdict reads, loaded once for a range: sorted per image (and per registry,
// merged on first use), what a window of them shows, and the incidents failures fall into.
// Internal to the verdict engine (Verdicts.cpp).
namespace pw::probewindows {

inline constexpr qint64 MinWindowMs = 10 * 60 * 1000;
inline constexpr qint64 MinSlowMs = 5 * 1000;
// A cold pull this slow was a build; a registry answers a manifest in milliseconds. (The first
// probe of a fresh history counts as cold too, however fast: that one is no build.)
inline constexpr qint64 ColdBuildMs = 2 * 1000;

struct Probe
{
    qint64 ts = 0;
    qint64 latencyMs = -1;
    Category category = Category::None;
    bool cold = false;
};
using Probes = std::vector<Probe>;

struct ProbeIndex
{
    QHash<int, Probes> byImage;
    // Every probe of a registry's images, merged on first use: only failures whose image has
    // no probe in its window look there.
    mutable QHash<QString, Probes> byRegistry;
    QHash<int, QString> registryOf;
    QSet<int> everProbed;
    QSet<int> everOk;

    const Probes &ofImage(int imageId) const;
    const Probes &ofRegistry(const QString &registry) const;
};

// The probes within ±window of ts.
std::span<const Probe> around(const Probes &probes, qint64 ts, qint64 window);
// What the probes of a window showed. The median costs a sort: only the sentences need it.
VerdictEvidence gather(std::span<const Probe> probes, qint64 window, qint64 jobWaitMs,
                       qint64 slowProbeMs, bool median = true);

// The failing images plus those that share a registry or a group with them.
QList<int> relevantImages(const QList<ImageInfo> &images, const QList<int> &failing);
Result<ProbeIndex> loadProbes(const HistoryStore &store, const QHash<int, ImageInfo> &byId,
                              const QList<int> &ids, const TimeRange &range);
Result<QHash<int, QList<Incident>>> loadIncidents(const HistoryStore &store,
                                                  const QList<int> &images,
                                                  const QHash<int, ImageInfo> &byId,
                                                  const TimeRange &range);
// The incident a failure fell into, else the nearest within the window: of the image, or of
// any image on its registry when the registry's probes stood in.
std::optional<Incident> incidentAt(const QHash<int, QList<Incident>> &incidents,
                                   const QHash<int, ImageInfo> &byId, int imageId, bool sameImage,
                                   qint64 ts, qint64 window);

} // namespace pw::probewindows
