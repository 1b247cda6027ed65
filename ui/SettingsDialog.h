#pragma once

#include <QDialog>
#include <QJsonObject>

class QDialogButtonBox;
class QLabel;
class QTabWidget;
class QTableView;

namespace pw {

class ConfigEditor;
class ConfigListModel;

// Edits the config's images, registries and CI sources in three tables that check as you type:
// a cell at fault is marked (warning icon, tool tip, tint) and the line under the tables says
// what is wrong and where; Save stays disabled until the whole document would load. Saving goes
// through the ConfigEditor, which keeps every member the tables do not show.
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(ConfigEditor *editor, QWidget *parent = nullptr);

    ConfigListModel *imagesModel() const { return m_images; }
    ConfigListModel *registriesModel() const { return m_registries; }
    ConfigListModel *ciModel() const { return m_ci; }
    // The document Save writes: the editor's config with the three lists as edited.
    QJsonObject document() const;
    // The line under the tables: the first problem, a save error, or where Save writes.
    QString message() const;
    bool canSave() const;

public slots:
    // Checks every cell, then the whole document; marks the first problem and enables Save.
    void validate();
    // Saves; the dialog stays open with the error when that fails.
    void accept() override;

private:
    // The three lists in tab order.
    QList<ConfigListModel *> lists() const { return {m_images, m_registries, m_ci}; }
    QWidget *listTab(ConfigListModel *model, const QJsonObject &newElement);
    void showMessage(const QString &text, bool problem);
    void markTabs();

    ConfigEditor *m_editor;
    ConfigListModel *m_images;
    ConfigListModel *m_registries;
    ConfigListModel *m_ci;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_messageIcon = nullptr;
    QLabel *m_message = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace pw
