#pragma once

#include <QStringList>

// The parts of the executable that need widgets: the dashboard window and `pullwatch render`.
// They live beside main.cpp, outside the app/ libraries, which have no Widgets.
namespace pw::dashboard {

// Opens the dashboard (a QApplication must exist). --demo: on a demo history in a temporary file.
int run(const QStringList &arguments);

// pullwatch render --view overview|timeline|breakdown|compare --out FILE.png [--from T] [--to T]
// [--width W]
// [--height H] [--group G]
int render(const QStringList &arguments);

} // namespace pw::dashboard
