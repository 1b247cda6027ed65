#pragma once

#include <QMainWindow>

class QLabel;

namespace pw {

// The dashboard's window. Until the dashboard pages land it shows which history is open and
// what it holds; it does no I/O of its own.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

    void setHistorySummary(const QString &location, qint64 events, qsizetype images);

private:
    QLabel *m_summary = nullptr;
};

} // namespace pw
