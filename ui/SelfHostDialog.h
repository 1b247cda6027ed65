#pragma once

#include "reports/SelfHostKit.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;

namespace pw {

class ReportExporter;

// "Self-host this image…": the files `pullwatch selfhost` writes for an image (a mirror script;
// for an image an on-demand registry builds from its path also image.nix, a Dockerfile, a
// scheduled workflow, and the config lines that put both sides in one group), shown one per tab
// for a target repository typed here, and saved through the exporter into a chosen folder.
class SelfHostDialog : public QDialog
{
    Q_OBJECT
public:
    SelfHostDialog(SelfHostRequest request, ReportExporter *exporter, QWidget *parent = nullptr);

    QList<KitFile> files() const { return m_files; }
    QTabWidget *tabs() const { return m_tabs; }
    QLineEdit *target() const { return m_target; }
    // Saves into directory/selfhost-NAME (the folder chooser's answer; tests call it directly).
    void saveInto(const QString &directory);

private:
    void rebuild();

    SelfHostRequest m_request;
    ReportExporter *m_exporter;
    QList<KitFile> m_files;
    QLineEdit *m_target;
    QLabel *m_status;
    QTabWidget *m_tabs;
    QPushButton *m_save;
};

} // namespace pw
