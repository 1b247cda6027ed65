#include "MainWindow.h"

#include <QLabel>
#include <QLocale>

namespace pw {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("pullwatch"));
    m_summary = new QLabel(this);
    m_summary->setAlignment(Qt::AlignCenter);
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setMargin(24);
    setCentralWidget(m_summary);
    resize(720, 420);
}

void MainWindow::setHistorySummary(const QString &location, qint64 events, qsizetype images)
{
    m_summary->setText(tr("History: %1\n%2 events from %3 images\n\n"
                          "The dashboard pages arrive with the dashboard issue; until then use\n"
                          "pullwatch export --report availability|breakdown|compare")
                           .arg(location, QLocale().toString(events))
                           .arg(images));
}

} // namespace pw
