#pragma once

#include "analysis/Overview.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace pw {

class DashboardData;
class DashboardState;
class OverviewModel;

// One row per image, grouped: status now, the last 48 hours, availability over 24 h / 7 d /
// 30 d, p95 latency, digest and last failure. Refreshes when the filter changes and every few
// seconds, keeping selection and scroll.
class OverviewPage : public QWidget
{
    Q_OBJECT
public:
    static constexpr int RefreshMs = 5000;

    OverviewPage(DashboardState *state, DashboardData *data, QWidget *parent = nullptr);

    OverviewModel *model() const { return m_model; }
    // Shows rows at once (headless rendering, tests).
    void showRows(const QList<OverviewRow> &rows, qint64 nowMs);

signals:
    // "Self-host this image…" on a row: what it takes to stop depending on the image.
    void selfHostRequested(const QString &image, const QString &group, const QString &label);

public slots:
    void refresh();

private:
    DashboardState *m_state;
    DashboardData *m_data;
    OverviewModel *m_model;
    QTableView *m_table;
    QLabel *m_summary;
};

} // namespace pw
