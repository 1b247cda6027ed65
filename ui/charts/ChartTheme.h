#pragma once

#include <QAbstractAxis>
#include <QChart>
#include <QPalette>

namespace pw {

// A new chart in the theme of the system palette: dark windows get dark charts, so a chart is
// never a white box on a dark desktop. Series set their own colours afterwards.
inline QChart *themedChart(const QPalette &palette)
{
    auto *chart = new QChart;
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.brush(QPalette::Base));
    chart->setTitleBrush(palette.brush(QPalette::Text));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    return chart;
}

// Empties a chart for new data. Series are deleted by removeAllSeries(); axes are only handed
// back by removeAxis(), so they are deleted here (a live chart redraws every few seconds).
inline void clearChart(QChart *chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

} // namespace pw
