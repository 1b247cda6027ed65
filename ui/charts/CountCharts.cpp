#include "CountCharts.h"

#include "CategoryColors.h"
#include "ChartTheme.h"

#include <QAbstractItemModel>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QHorizontalBarSeries>
#include <QPieSeries>
#include <QPieSlice>
#include <QValueAxis>

namespace pw {

namespace {
void watch(QAbstractItemModel *model, QObject *receiver, const std::function<void()> &rebuild)
{
    QObject::connect(model, &QAbstractItemModel::modelReset, receiver, rebuild);
    QObject::connect(model, &QAbstractItemModel::dataChanged, receiver, rebuild);
    QObject::connect(model, &QAbstractItemModel::rowsInserted, receiver, rebuild);
    QObject::connect(model, &QAbstractItemModel::rowsRemoved, receiver, rebuild);
}

// Long image names would squeeze the bars: keep the end, which names the image.
QString shortLabel(QString text)
{
    constexpr int Max = 26;
    return text.size() > Max ? QStringLiteral("…") + text.right(Max - 1) : text;
}
} // namespace

DonutChart::DonutChart(QAbstractItemModel *model, int nameColumn, int valueColumn, int categoryRole,
                       QWidget *parent)
    : QChartView(parent), m_model(model), m_nameColumn(nameColumn), m_valueColumn(valueColumn),
      m_categoryRole(categoryRole), m_series(new QPieSeries)
{
    auto *chart = themedChart(palette());
    m_series->setHoleSize(0.45);
    chart->addSeries(m_series);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setTitle(tr("Failures by category"));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    connect(m_series, &QPieSeries::clicked, this, [this](QPieSlice *slice) {
        emit rowActivated(static_cast<int>(m_series->slices().indexOf(slice)));
    });
    watch(m_model, this, [this] { rebuild(); });
    rebuild();
}

void DonutChart::rebuild()
{
    m_series->clear();
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QString name = m_model->index(row, m_nameColumn).data().toString();
        const qreal value = m_model->index(row, m_valueColumn).data(Qt::UserRole + 1).toReal();
        const QString share = m_model->index(row, m_valueColumn + 1).data().toString();
        QPieSlice *slice = m_series->append(QStringLiteral("%1 (%2)").arg(name, share), value);
        const QVariant category = m_model->index(row, m_nameColumn).data(m_categoryRole);
        if (category.isValid())
            slice->setBrush(categoryColor(static_cast<Category>(category.toInt())));
    }
    chart()->setTitle(m_model->rowCount() ? tr("Failures by category")
                                          : tr("No failures in this range"));
}

BarChart::BarChart(QAbstractItemModel *model, int nameColumn, int valueColumn, const QString &title,
                   QWidget *parent)
    : QChartView(parent), m_model(model), m_nameColumn(nameColumn), m_valueColumn(valueColumn)
{
    auto *chart = themedChart(palette());
    chart->setTitle(title);
    chart->legend()->hide();
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    watch(m_model, this, [this] { rebuild(); });
    rebuild();
}

void BarChart::rebuild()
{
    QChart *chart = this->chart();
    clearChart(chart);
    const int rows = std::min(m_model->rowCount(), MaxBars);
    auto *set = new QBarSet(tr("Failures"));
    QStringList names;
    qreal max = 1;
    // Largest at the top: horizontal bars are drawn bottom-up.
    for (int row = rows - 1; row >= 0; --row) {
        const qreal value = m_model->index(row, m_valueColumn).data(Qt::UserRole + 1).toReal();
        *set << value;
        max = std::max(max, value);
        names << shortLabel(m_model->index(row, m_nameColumn).data().toString());
    }
    set->setColor(QColor(0x39, 0x69, 0xAC));
    auto *series = new QHorizontalBarSeries;
    series->append(set);
    series->setLabelsVisible(true);
    series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    chart->addSeries(series);
    auto *axisY = new QBarCategoryAxis;
    axisY->append(names);
    chart->addAxis(axisY, Qt::AlignLeft);
    series->attachAxis(axisY);
    auto *values = new QValueAxis;
    values->setRange(0, max * 1.15);
    values->setLabelFormat(QStringLiteral("%d"));
    values->applyNiceNumbers();
    values->setTitleText(tr("failed pulls"));
    chart->addAxis(values, Qt::AlignBottom);
    series->attachAxis(values);
    connect(series, &QHorizontalBarSeries::clicked, this,
            [this, rows](int index, QBarSet *) { emit rowActivated(rows - 1 - index); });
}

} // namespace pw
