#include "OverviewPage.h"

#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "HeartbeatDelegate.h"
#include "items/OverviewModel.h"
#include "TimeFormat.h"

#include <QDateTime>
#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace pw {

OverviewPage::OverviewPage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data), m_model(new OverviewModel(this)),
      m_table(new QTableView(this)), m_summary(new QLabel(this))
{
    m_summary->setTextFormat(Qt::PlainText);
    m_table->setModel(m_model);
    m_table->setItemDelegateForColumn(OverviewModel::HeartbeatColumn, new HeartbeatDelegate(this));
    m_table->setItemDelegateForColumn(OverviewModel::StatusColumn, new StatusDelegate(this));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(OverviewModel::HeartbeatColumn,
                                                      QHeaderView::Fixed);
    m_table->setColumnWidth(OverviewModel::HeartbeatColumn, OverviewRow::HeartbeatBuckets * 5 + 8);
    m_table->setWordWrap(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *selfHost = new QAction(tr("Self-host this image…"), m_table);
    m_table->addAction(selfHost);
    connect(selfHost, &QAction::triggered, this, [this] {
        const int row = m_table->currentIndex().row();
        if (row >= 0 && row < m_model->rows().size()) {
            const OverviewRow &r = m_model->rows()[row];
            emit selfHostRequested(r.image, r.group, r.label);
        }
    });

    if (m_state)
        connect(m_state, &DashboardState::changed, this, &OverviewPage::refresh);
    if (m_data) {
        connect(m_data, &DashboardData::historyChanged, this, &OverviewPage::refresh);
        connect(m_data, &DashboardData::overviewReady, this, &OverviewPage::showRows);
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, &OverviewPage::refresh);
        timer->start(RefreshMs);
        QTimer::singleShot(0, this, &OverviewPage::refresh);
    }
}

void OverviewPage::refresh()
{
    if (m_data)
        m_data->requestOverview(m_state ? m_state->filter() : EventFilter());
}

void OverviewPage::showRows(const QList<OverviewRow> &rows, qint64 nowMs)
{
    m_model->setRows(rows, nowMs);
    int down = 0;
    int noData = 0;
    for (const OverviewRow &row : rows) {
        down += row.statusNow == BucketState::Down ? 1 : 0;
        noData += row.statusNow == BucketState::NoData ? 1 : 0;
    }
    m_summary->setText(tr("%1 images: %2 down, %3 without a pull in 24 h. As of %4 UTC.")
                           .arg(rows.size())
                           .arg(down)
                           .arg(noData)
                           .arg(timeformat::toMinute(nowMs)));
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(OverviewModel::HeartbeatColumn, OverviewRow::HeartbeatBuckets * 5 + 8);
}

} // namespace pw
