#include "FailuresPage.h"

#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "items/FailureCountModel.h"
#include "TimeFormat.h"
#include "charts/CountCharts.h"
#include "charts/StackedTimeChart.h"

#include <QDateTime>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTimer>

namespace pw {

FailuresPage::FailuresPage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data),
      m_categories(new FailureCountModel(tr("Category"), this)),
      m_registries(new FailureCountModel(tr("Registry"), this)),
      m_images(new FailureCountModel(tr("Image"), this)), m_summary(new QLabel(this)),
      m_donut(new DonutChart(m_categories, FailureCountModel::NameColumn,
                             FailureCountModel::FailuresColumn, FailureCountModel::CategoryRole,
                             this)),
      m_byRegistry(new BarChart(m_registries, FailureCountModel::NameColumn,
                                FailureCountModel::FailuresColumn, tr("By registry"), this)),
      m_byImage(new BarChart(m_images, FailureCountModel::NameColumn,
                             FailureCountModel::FailuresColumn, tr("By image"), this)),
      m_verdicts(new FailureCountModel(tr("Verdict"), this)),
      m_byVerdict(new BarChart(m_verdicts, FailureCountModel::NameColumn,
                               FailureCountModel::FailuresColumn,
                               tr("Failed CI pulls by verdict"), this)),
      m_overTime(new StackedTimeChart(this)), m_unknownTitle(new QLabel(this)),
      m_unknown(new QTableWidget(0, 2, this))
{
    m_summary->setTextFormat(Qt::PlainText);
    auto *layout = new QGridLayout(this);
    layout->addWidget(m_summary, 0, 0, 1, 4);
    layout->addWidget(m_donut, 1, 0);
    layout->addWidget(m_byRegistry, 1, 1);
    layout->addWidget(m_byImage, 1, 2);
    layout->addWidget(m_byVerdict, 1, 3);
    layout->addWidget(m_overTime, 2, 0, 1, 4);
    layout->addWidget(m_unknownTitle, 3, 0, 1, 4);
    layout->addWidget(m_unknown, 4, 0, 1, 4);
    layout->setRowStretch(1, 1);
    layout->setRowStretch(2, 1);

    // What the rules do not know yet: the text to write a rule for (resources/rules/README.md).
    m_unknownTitle->setTextFormat(Qt::PlainText);
    m_unknown->setHorizontalHeaderLabels({tr("Failures"), tr("Text (particulars masked)")});
    m_unknown->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_unknown->horizontalHeader()->setStretchLastSection(true);
    m_unknown->verticalHeader()->hide();
    m_unknown->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_unknown->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_unknown->setWordWrap(false);
    m_unknown->setMaximumHeight(fontMetrics().height() * 9);

    const auto narrowed = [this](const std::function<void(EventFilter &)> &narrow) {
        EventFilter filter = m_state ? m_state->filter() : EventFilter();
        filter.ok = false;
        narrow(filter);
        emit showEvents(filter);
    };
    connect(m_donut, &DonutChart::rowActivated, this, [this, narrowed](int row) {
        if (row >= 0 && row < m_categories->counts().size())
            narrowed([&](EventFilter &f) { f.category = m_categories->counts()[row].category; });
    });
    connect(m_byRegistry, &BarChart::rowActivated, this, [this, narrowed](int row) {
        if (row >= 0 && row < m_registries->counts().size())
            narrowed([&](EventFilter &f) { f.registries = {m_registries->counts()[row].key}; });
    });
    connect(m_byImage, &BarChart::rowActivated, this, [this, narrowed](int row) {
        if (row >= 0 && row < m_images->counts().size())
            narrowed([&](EventFilter &f) { f.images = {m_images->counts()[row].key}; });
    });

    if (m_state) {
        connect(m_state, &DashboardState::changed, this, &FailuresPage::refresh);
        connect(m_overTime, &ZoomChartView::rangeSelected, m_state,
                &DashboardState::setCustomRange);
    }
    if (m_data) {
        connect(m_data, &DashboardData::historyChanged, this, &FailuresPage::refresh);
        connect(m_data, &DashboardData::failuresReady, this,
                [this](const FailureSummary &summary) { showSummary(summary, m_range); });
        QTimer::singleShot(0, this, &FailuresPage::refresh);
    }
}

void FailuresPage::refresh()
{
    if (!m_data || !m_state)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_range = m_state->range(now);
    m_data->requestFailures(m_state->filter(), m_range,
                            m_state->bucketMs(now, StackedTimeChart::MaxBuckets));
}

void FailuresPage::showSummary(const FailureSummary &summary, const TimeRange &range)
{
    m_range = range;
    m_categories->setCounts(summary.byCategory);
    m_registries->setCounts(summary.byRegistry);
    m_images->setCounts(summary.byImage);
    m_overTime->setBuckets(summary.overTime);
    // The registry's side first (what a mirror or self-hosting avoids), then the runner's.
    QList<FailureCount> verdicts;
    qint64 judged = 0;
    for (qint64 n : summary.verdicts)
        judged += n;
    for (bool registrySide : {true, false}) {
        for (Verdict verdict : AllVerdicts) {
            const qint64 n = summary.verdicts[size_t(verdict)];
            if (n == 0 || isRegistrySide(verdict) != registrySide)
                continue;
            // Short enough for the bar labels; the side is in the name.
            const QString name = verdict == Verdict::RateLimited      ? tr("Registry: rate limit")
                                 : verdict == Verdict::RegistryOutage ? tr("Registry: outage")
                                 : verdict == Verdict::SlowPull       ? tr("Registry: slow pull")
                                                                      : verdictTitle(verdict);
            verdicts.append(
                {name, Category::None, n, judged ? 100.0 * double(n) / double(judged) : 0});
        }
    }
    m_verdicts->setCounts(verdicts);
    m_unknown->setRowCount(int(summary.unknownGroups.size()));
    for (int row = 0; row < summary.unknownGroups.size(); ++row) {
        const TextGroup &group = summary.unknownGroups[row];
        auto *count = new QTableWidgetItem(QString::number(group.count));
        count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto *text = new QTableWidgetItem(group.text);
        text->setToolTip(tr("For example: %1").arg(group.example));
        m_unknown->setItem(row, 0, count);
        m_unknown->setItem(row, 1, text);
    }
    m_unknownTitle->setText(
        summary.unknownGroups.isEmpty()
            ? tr("Every failure in the range has a known cause.")
            : tr("Failures of no known cause, grouped (the newest %1): what a rule could be "
                 "written for")
                  .arg(summary.unknownSampled));
    m_summary->setText(tr("%1 failed pulls from %2 to %3 UTC. Click a slice or bar for its events.")
                           .arg(summary.failures)
                           .arg(timeformat::toMinute(range.from), timeformat::toMinute(range.to)));
}

} // namespace pw
