#pragma once

#include "config/Config.h"
#include "history/HistoryStore.h"
#include "registry/ProbeResult.h"

#include <QHash>

namespace pw {

// Turns probe results into history: marks nixery's cold pulls and stores each result as a
// pull event. Without a store (`probe --no-store`) it only marks.
class ProbeRecorder
{
public:
    explicit ProbeRecorder(HistoryStore *store = nullptr);

    // Copies the config's groups and labels into the history, so reports made from the history
    // file alone can compare side by side.
    Status syncImages(const Config &config);

    // Which registries build images on demand (the config's; nixery.dev by default).
    void setRegistries(QList<RegistryConfig> registries) { m_registries = std::move(registries); }

    // An on-demand registry (nixery) builds an image on the first request after its inputs
    // change, which shows as a new digest: a successful probe that sees a digest not seen
    // before is cold.
    void markCold(ProbeResult &result);

    Status record(const ProbeResult &result);

private:
    HistoryStore *m_store;
    QList<RegistryConfig> m_registries;
    QHash<QString, QString> m_lastDigest; // image → digest; the store remembers across runs
};

} // namespace pw
