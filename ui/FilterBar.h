#pragma once

#include "history/HistoryStore.h"

#include <QToolBar>

class QComboBox;

namespace pw {

class DashboardState;

// The shared filter every page obeys: one group, image, registry and source (or all), chosen
// from what the history holds.
class FilterBar : public QToolBar
{
    Q_OBJECT
public:
    explicit FilterBar(DashboardState *state, QWidget *parent = nullptr);

    QComboBox *groups() const { return m_groups; }
    QComboBox *images() const { return m_images; }
    QComboBox *registries() const { return m_registries; }
    QComboBox *sources() const { return m_sources; }

public slots:
    // The history's images (new ones appear as they are first seen); choices are kept.
    void setImages(const QList<pw::ImageInfo> &images);

private:
    void apply();

    DashboardState *m_state;
    QComboBox *m_groups;
    QComboBox *m_images;
    QComboBox *m_registries;
    QComboBox *m_sources;
    bool m_filling = false;
};

} // namespace pw
