#include "ComparePage.h"

#include "items/CompareModel.h"
#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "TimeFormat.h"
#include "charts/ChartTheme.h"

#include <QBarCategoryAxis>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QChartView>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLogValueAxis>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace pw {

ComparePage::ComparePage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data), m_model(new CompareModel(this)),
      m_verdicts(new QLabel(this)), m_chart(new QChartView(this))
{
    m_verdicts->setTextFormat(Qt::PlainText);
    m_verdicts->setWordWrap(true);
    m_verdicts->setTextInteractionFlags(Qt::TextSelectableByMouse); // to paste into an issue
    auto *table = new QTableView(this);
    table->setModel(m_model);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setWordWrap(false);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setChart(themedChart(palette()));
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(table);
    splitter->addWidget(m_chart);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_verdicts);
    layout->addWidget(splitter, 1);

    if (m_state)
        connect(m_state, &DashboardState::changed, this, &ComparePage::refresh);
    if (m_data) {
        connect(m_data, &DashboardData::historyChanged, this, &ComparePage::refresh);
        connect(m_data, &DashboardData::compareReady, this, &ComparePage::showRows);
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
    return m_verdicts->text();
}

void ComparePage::showRows(const QList<CompareRow> &rows, const TimeRange &range)
{
    m_model->setRows(rows);
    QStringList lines;
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype end = i;
        while (end < rows.size() && rows[end].group == rows[i].group)
            ++end;
        if (!rows[i].group.isEmpty() && end - i > 1)
            lines << rows[i].group + QStringLiteral(" — ") + compareVerdict(rows.mid(i, end - i));
        i = end;
    }
    lines.prepend(tr("From %1 to %2 UTC:")
                      .arg(timeformat::toMinute(range.from), timeformat::toMinute(range.to)));
    if (lines.size() == 1)
        lines << tr("No group has two images with pulls in this range.");
    m_verdicts->setText(lines.join(u'\n'));
    drawBoxPlots(rows);
}

void ComparePage::drawBoxPlots(const QList<CompareRow> &rows)
{
    QChart *chart = m_chart->chart();
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
