#include "ComparePage.h"

#include "items/CompareModel.h"
#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "TimeFormat.h"
#include "charts/ChartTheme.h"
#include "charts/CompareCharts.h"

#include <QAction>
#include <QBarCategoryAxis>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChartView>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLogValueAxis>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace pw {

ComparePage::ComparePage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data), m_model(new CompareModel(this)),
      m_verdicts(new QPlainTextEdit(this)), m_group(new QComboBox(this)),
      m_availability(new QChartView(this)), m_ciFailures(new QChartView(this)),
      m_verdictMix(new QChartView(this)), m_latency(new QChartView(this))
{
    // Plain text to select and paste into an issue; it scrolls when a small window has more
    // groups than lines.
    m_verdicts->setReadOnly(true);
    m_verdicts->setFrameShape(QFrame::NoFrame);
    m_verdicts->viewport()->setAutoFillBackground(false);
    m_verdicts->setMinimumHeight(fontMetrics().lineSpacing() * 3);
    m_verdicts->setMaximumHeight(fontMetrics().lineSpacing() * 9);
    m_group->setAccessibleName(tr("Group"));
    auto *table = new QTableView(this);
    table->setModel(m_model);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setWordWrap(false);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *selfHost = new QAction(tr("Self-host this image…"), table);
    table->addAction(selfHost);
    connect(selfHost, &QAction::triggered, this, [this, table] {
        const int row = table->currentIndex().row();
        if (row >= 0 && row < m_model->rows().size()) {
            const CompareRow &r = m_model->rows()[row];
            emit selfHostRequested(r.image, r.group, r.label);
        }
    });
    auto *charts = new QWidget(this);
    auto *grid = new QGridLayout(charts);
    grid->setContentsMargins(0, 0, 0, 0);
    const QList<QChartView *> views{m_availability, m_ciFailures, m_verdictMix, m_latency};
    for (qsizetype i = 0; i < views.size(); ++i) {
        views[i]->setRenderHint(QPainter::Antialiasing);
        views[i]->setMinimumSize(160, 100); // the page fits a small window; charts shrink
        views[i]->setChart(themedChart(palette()));
        views[i]->chart()->legend()->setAlignment(Qt::AlignBottom);
        grid->addWidget(views[i], int(i / 2), int(i % 2));
    }
    auto *chooser = new QHBoxLayout;
    chooser->addWidget(new QLabel(tr("Charts for the group:"), this));
    chooser->addWidget(m_group);
    chooser->addStretch(1);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(table);
    splitter->addWidget(charts);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 4);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_verdicts);
    layout->addLayout(chooser);
    layout->addWidget(splitter, 1);
    connect(m_group, &QComboBox::currentTextChanged, this, &ComparePage::drawGroup);

    if (m_state)
        connect(m_state, &DashboardState::changed, this, &ComparePage::refresh);
    if (m_data) {
        connect(m_data, &DashboardData::historyChanged, this, &ComparePage::refresh);
        connect(m_data, &DashboardData::compareReady, this, &ComparePage::showComparison);
        QTimer::singleShot(0, this, &ComparePage::refresh);
    }
}

void ComparePage::refresh()
{
    if (m_data && m_state)
        m_data->requestCompare(m_state->filter(),
                               m_state->range(QDateTime::currentMSecsSinceEpoch()));
}

QString ComparePage::verdicts() const
{
    return m_verdicts->toPlainText();
}

QString ComparePage::group() const
{
    return m_group->currentText();
}

void ComparePage::showComparison(const ComparisonData &data)
{
    m_shown = data;
    const QList<CompareRow> &rows = data.rows;
    m_model->setRows(rows);
    QStringList lines;
    QStringList groups;
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype end = i;
        while (end < rows.size() && rows[end].group == rows[i].group)
            ++end;
        if (!rows[i].group.isEmpty() && end - i > 1) {
            groups << rows[i].group;
            lines << rows[i].group + QStringLiteral(" — ") + compareVerdict(rows.mid(i, end - i));
            for (const ImageVerdicts &side : data.verdicts)
                if (side.group == rows[i].group)
                    lines << QStringLiteral("    %1: %2")
                                 .arg(side.label.isEmpty() ? side.image : side.label, side.sentence);
        }
        i = end;
    }
    lines.prepend(tr("From %1 to %2 UTC:")
                      .arg(timeformat::toMinute(data.range.from), timeformat::toMinute(data.range.to)));
    if (lines.size() == 1)
        lines << tr("No group has two images with pulls in this range.");
    m_verdicts->setPlainText(lines.join(u'\n'));

    const QString chosen = m_group->currentText();
    {
        const QSignalBlocker quiet(m_group);
        m_group->clear();
        m_group->addItems(groups);
        m_group->setCurrentIndex(std::max<int>(0, int(groups.indexOf(chosen))));
    }
    m_group->setEnabled(groups.size() > 1);
    drawGroup();
}

void ComparePage::drawGroup()
{
    const QString group = m_group->currentText();
    drawAvailabilityOverTime(m_availability->chart(), m_shown, group);
    drawCiFailuresOverTime(m_ciFailures->chart(), m_shown, group);
    drawVerdictMix(m_verdictMix->chart(), m_shown, group);
    QList<CompareRow> sides;
    for (const CompareRow &row : m_shown.rows)
        if (group.isEmpty() || row.group == group)
            sides.append(row);
    drawBoxPlots(sides);
}

void ComparePage::drawBoxPlots(const QList<CompareRow> &rows)
{
    QChart *chart = m_latency->chart();
    clearChart(chart);
    chart->setTitle(tr("Pull latency per image (box p25–p75, line p50, whiskers p5–p95)"));
    chart->legend()->hide();
    auto *series = new QBoxPlotSeries;
    QStringList names;
    qreal low = 1e12;
    qreal high = 1;
    for (const CompareRow &row : rows) {
        const LatencyHistogram &h = row.stats.latency;
        if (h.count() == 0)
            continue;
        const QString name = row.group.isEmpty() ? row.image : row.group + u'/' + row.label;
        auto *set = new QBoxSet(name);
        // Log axis: 1 ms at least.
        const auto at = [&h](double p) { return qreal(std::max<qint64>(1, h.percentile(p))); };
        set->setValue(QBoxSet::LowerExtreme, at(5));
        set->setValue(QBoxSet::LowerQuartile, at(25));
        set->setValue(QBoxSet::Median, at(50));
        set->setValue(QBoxSet::UpperQuartile, at(75));
        set->setValue(QBoxSet::UpperExtreme, at(95));
        low = std::min(low, at(5));
        high = std::max(high, at(95));
        series->append(set);
        names << name;
    }
    if (names.isEmpty())
        return;
    chart->addSeries(series);
    auto *x = new QBarCategoryAxis;
    x->append(names);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    auto *y = new QLogValueAxis; // 0.4 s next to 38 s: only a log scale shows both
    y->setTitleText(tr("ms, log scale"));
    y->setLabelFormat(QStringLiteral("%g"));
    y->setBase(10);
    y->setRange(std::max<qreal>(1, low / 2), high * 2);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
}

} // namespace pw
