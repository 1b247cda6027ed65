#include "FilterBar.h"

#include "items/DashboardState.h"

#include <QComboBox>
#include <QLabel>
#include <QSet>

namespace pw {

namespace {
// Replaces a combo's choices (the first, "All …", stays) and keeps the chosen one if still there.
void refill(QComboBox *combo, const QList<std::pair<QString, QString>> &items)
{
    const QString chosen = combo->currentData().toString();
    while (combo->count() > 1)
        combo->removeItem(1);
    for (const auto &[text, value] : items)
        combo->addItem(text, value);
    const int index = combo->findData(chosen);
    combo->setCurrentIndex(index >= 0 ? index : 0);
}

QComboBox *makeCombo(QWidget *parent, const QString &all, const QString &toolTip)
{
    auto *combo = new QComboBox(parent);
    combo->addItem(all, QString());
    combo->setToolTip(toolTip);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    combo->setMaximumWidth(360);
    return combo;
}
} // namespace

FilterBar::FilterBar(DashboardState *state, QWidget *parent)
    : QToolBar(tr("Filter"), parent), m_state(state),
      m_groups(makeCombo(this, tr("All groups"), tr("Only the images of this group"))),
      m_images(makeCombo(this, tr("All images"), tr("Only this image"))),
      m_registries(makeCombo(this, tr("All registries"), tr("Only images of this registry"))),
      m_sources(makeCombo(this, tr("Probes and CI logs"), tr("Only pulls from this source")))
{
    setObjectName(QStringLiteral("filter"));
    m_sources->addItem(tr("Probes only"), sourceId(Source::Probe));
    m_sources->addItem(tr("CI logs only"), sourceId(Source::Ci));
    addWidget(new QLabel(tr("Filter: "), this));
    for (QComboBox *combo : {m_groups, m_images, m_registries, m_sources}) {
        addWidget(combo);
        connect(combo, &QComboBox::currentIndexChanged, this, &FilterBar::apply);
    }
}

void FilterBar::setImages(const QList<ImageInfo> &images)
{
    QSet<QString> groups;
    QSet<QString> registries;
    QList<std::pair<QString, QString>> imageItems;
    for (const ImageInfo &info : images) {
        if (!info.group.isEmpty())
            groups.insert(info.group);
        registries.insert(info.registry);
        imageItems.append({info.group.isEmpty() || info.label.isEmpty()
                               ? info.image
                               : info.group + QStringLiteral(" · ") + info.label,
                           info.image});
    }
    std::sort(imageItems.begin(), imageItems.end());
    const auto sorted = [](const QSet<QString> &set) {
        QList<std::pair<QString, QString>> items;
        for (const QString &s : set)
            items.append({s, s});
        std::sort(items.begin(), items.end());
        return items;
    };
    m_filling = true;
    refill(m_groups, sorted(groups));
    refill(m_images, imageItems);
    refill(m_registries, sorted(registries));
    m_filling = false;
    apply(); // a chosen image that disappeared widens the filter again
}

void FilterBar::apply()
{
    if (m_filling || !m_state)
        return;
    EventFilter filter = m_state->filter();
    const auto one = [](QComboBox *combo) {
        const QString value = combo->currentData().toString();
        return value.isEmpty() ? QStringList() : QStringList{value};
    };
    filter.groups = one(m_groups);
    filter.images = one(m_images);
    filter.registries = one(m_registries);
    const QString source = m_sources->currentData().toString();
    filter.source = source.isEmpty()                 ? std::nullopt
                    : source == sourceId(Source::Ci) ? std::optional(Source::Ci)
                                                     : std::optional(Source::Probe);
    m_state->setFilter(filter);
}

} // namespace pw
