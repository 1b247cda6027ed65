#pragma once

#include <QChartView>

class QAbstractItemModel;
class QPieSeries;

namespace pw {

// Thin adapters from an item model (name column, value column; CategoryRole for colours) to Qt
// Charts, so another chart library can replace them without touching the pages or models.

// A donut of the model's rows; a click on a slice reports its row.
class DonutChart : public QChartView
{
    Q_OBJECT
public:
    DonutChart(QAbstractItemModel *model, int nameColumn, int valueColumn, int categoryRole,
               QWidget *parent = nullptr);

signals:
    void rowActivated(int row);

private:
    void rebuild();

    QAbstractItemModel *m_model;
    int m_nameColumn;
    int m_valueColumn;
    int m_categoryRole;
    QPieSeries *m_series;
};

// Horizontal bars of the model's first MaxBars rows (largest first, as the model orders them).
class BarChart : public QChartView
{
    Q_OBJECT
public:
    static constexpr int MaxBars = 8;

    BarChart(QAbstractItemModel *model, int nameColumn, int valueColumn, const QString &title,
             QWidget *parent = nullptr);

signals:
    void rowActivated(int row);

private:
    void rebuild();

    QAbstractItemModel *m_model;
    int m_nameColumn;
    int m_valueColumn;
};

} // namespace pw
