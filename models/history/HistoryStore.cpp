#include "history/HistoryStore.h"

namespace pw {

qint64 granularityMs(Granularity g)
{
    return g == Granularity::Hour ? qint64(3600) * 1000 : qint64(86400) * 1000;
}

QList<int> selectImages(const QList<ImageInfo> &images, const EventFilter &filter)
{
    QList<int> ids;
    for (const ImageInfo &info : images) {
        if (!filter.images.isEmpty() && !filter.images.contains(info.image))
            continue;
        if (!filter.registries.isEmpty() && !filter.registries.contains(info.registry))
            continue;
        if (!filter.groups.isEmpty() && !filter.groups.contains(info.group))
            continue;
        ids.append(info.id);
    }
    return ids;
}

QHash<int, ImageInfo> imagesById(const HistoryStore &store)
{
    QHash<int, ImageInfo> infos;
    for (const ImageInfo &info : store.images())
        infos.insert(info.id, info);
    return infos;
}

} // namespace pw
