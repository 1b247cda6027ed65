#include "registry/ProbeRecorder.h"

using namespace Qt::StringLiterals;

namespace pw {

namespace {
QString digestKey(const QString &image)
{
    return u"probe.last_digest "_s + image;
}
} // namespace

ProbeRecorder::ProbeRecorder(HistoryStore *store) : m_store(store) {}

Status ProbeRecorder::syncImages(const Config &config)
{
    setRegistries(config.registries);
    if (!m_store)
        return {};
    for (const ImageConfig &image : config.images) {
        if (image.group.isEmpty() && image.label.isEmpty())
            continue;
        if (Status status = m_store->setImageInfo(image.canonical, image.group, image.label);
            !status)
            return status;
    }
    return {};
}

void ProbeRecorder::markCold(ProbeResult &result)
{
    if (!result.ok || result.digest.isEmpty() ||
        !isOnDemand(m_registries, result.reference.registry))
        return;
    const QString image = result.reference.canonical();
    auto last = m_lastDigest.find(image);
    if (last == m_lastDigest.end())
        last =
            m_lastDigest.insert(image, m_store ? m_store->metadata(digestKey(image)) : QString());
    result.cold = *last != result.digest;
    *last = result.digest;
}

Status ProbeRecorder::record(const ProbeResult &result)
{
    if (!m_store)
        return {};
    const PullEvent event = result.toEvent();
    if (Status status = m_store->append({&event, 1}); !status)
        return status;
    if (result.cold)
        return m_store->setMetadata(digestKey(event.image), result.digest);
    return {};
}

} // namespace pw
