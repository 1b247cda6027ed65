#include "SettingsDialog.h"

#include "ports/ConfigEditor.h"
#include "ConfigListModel.h"
#include "SettingsColumns.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace pw {

using namespace Qt::StringLiterals;

namespace {

// Hands every keystroke (and every choice) to the model at once, so the dialog checks as the user
// types instead of when the cell is left.
class LiveCellDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override
    {
        auto *self = const_cast<LiveCellDelegate *>(this);
        const ConfigColumn &column =
            static_cast<const ConfigListModel *>(index.model())->column(index.column());
        if (column.kind == ConfigColumn::Choice) {
            auto *box = new QComboBox(parent);
            box->addItems(column.choices);
            connect(box, &QComboBox::currentIndexChanged, self,
                    [self, box] { emit self->commitData(box); });
            return box;
        }
        QWidget *editor = QStyledItemDelegate::createEditor(parent, option, index);
        if (auto *line = qobject_cast<QLineEdit *>(editor)) {
            line->setToolTip(column.toolTip);
            connect(line, &QLineEdit::textEdited, self,
                    [self, line] { emit self->commitData(line); });
        }
        return editor;
    }

    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        const QString text = index.data(Qt::EditRole).toString();
        if (auto *box = qobject_cast<QComboBox *>(editor)) {
            const QSignalBlocker blocker(box); // setting what the model holds is no edit
            box->setCurrentText(text);
        } else if (auto *line = qobject_cast<QLineEdit *>(editor)) {
            if (line->text() != text) // keeps the cursor where the user types
                line->setText(text);
        } else {
            QStyledItemDelegate::setEditorData(editor, index);
        }
    }

    void setModelData(QWidget *editor, QAbstractItemModel *model,
                      const QModelIndex &index) const override
    {
        if (auto *box = qobject_cast<QComboBox *>(editor))
            model->setData(index, box->currentText());
        else
            QStyledItemDelegate::setModelData(editor, model, index);
    }
};

QIcon warningIcon(const QWidget *widget)
{
    return widget->style()->standardIcon(QStyle::SP_MessageBoxWarning);
}

} // namespace

SettingsDialog::SettingsDialog(ConfigEditor *editor, QWidget *parent)
    : QDialog(parent), m_editor(editor),
      m_images(
          new ConfigListModel(u"images"_s, tr("Images"), SettingsColumns::images(editor), this)),
      m_registries(new ConfigListModel(u"registries"_s, tr("Registries"),
                                       SettingsColumns::registries(), this)),
      m_ci(
          new ConfigListModel(u"ci"_s, tr("CI sources"), SettingsColumns::ciSources(editor), this)),
      m_tabs(new QTabWidget(this)), m_messageIcon(new QLabel(this)), m_message(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Settings"));
    const QJsonObject config = editor->config();
    for (ConfigListModel *model : lists())
        model->setElements(config.value(model->key()).toArray());

    auto *where = new QLabel(this);
    where->setWordWrap(true);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    where->setText(editor->isBuiltinDefault()
                       ? tr("Showing the built-in defaults; Save creates %1.").arg(editor->path())
                       : tr("Editing %1.").arg(editor->path()));
    auto *loadError = new QLabel(editor->loadError(), this);
    loadError->setWordWrap(true);
    loadError->setVisible(!editor->loadError().isEmpty());

    m_tabs->addTab(listTab(m_images, {{u"ref"_s, QString()}}), m_images->title());
    m_tabs->addTab(listTab(m_registries, {{u"host"_s, QString()}}), m_registries->title());
    m_tabs->addTab(listTab(m_ci, {{u"provider"_s, u"github"_s}, {u"repo"_s, QString()}}),
                   m_ci->title());

    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *messageRow = new QHBoxLayout;
    messageRow->addWidget(m_messageIcon, 0, Qt::AlignTop);
    messageRow->addWidget(m_message, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(where);
    layout->addWidget(loadError);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(messageRow);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    for (ConfigListModel *model : lists())
        connect(model, &ConfigListModel::edited, this, &SettingsDialog::validate);
    connect(m_tabs, &QTabWidget::currentChanged, this, &SettingsDialog::validate);
    resize(900, 480);
    validate();
}

QWidget *SettingsDialog::listTab(ConfigListModel *model, const QJsonObject &newElement)
{
    auto *page = new QWidget(m_tabs);
    auto *table = new QTableView(page);
    table->setModel(model);
    table->setItemDelegate(new LiveCellDelegate(table));
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    // Not on CurrentChanged: selecting a row to remove it should not open an editor.
    table->setEditTriggers(QAbstractItemView::AllEditTriggers &
                           ~QAbstractItemView::EditTriggers(QAbstractItemView::CurrentChanged));
    table->horizontalHeader()->setStretchLastSection(true);
    table->resizeColumnsToContents();
    auto *add = new QPushButton(tr("Add"), page);
    auto *remove = new QPushButton(tr("Remove"), page);
    remove->setEnabled(false);
    connect(add, &QPushButton::clicked, table, [table, model, newElement] {
        model->appendElement(newElement);
        const QModelIndex first = model->index(model->rowCount() - 1, 0);
        table->setCurrentIndex(first);
        table->edit(first);
    });
    connect(remove, &QPushButton::clicked, table,
            [table, model] { model->removeElement(table->currentIndex().row()); });
    const auto updateRemove = [table, remove] {
        remove->setEnabled(table->currentIndex().isValid());
    };
    connect(table->selectionModel(), &QItemSelectionModel::currentChanged, remove, updateRemove);
    connect(model, &QAbstractItemModel::rowsRemoved, remove, updateRemove);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(table, 1);
    layout->addLayout(buttons);
    return page;
}

QJsonObject SettingsDialog::document() const
{
    QJsonObject document = m_editor->config();
    for (const ConfigListModel *model : lists()) {
        // An empty list the file never had stays out of it.
        if (model->rowCount() > 0 || document.contains(model->key()))
            document.insert(model->key(), model->elements());
    }
    return document;
}

QString SettingsDialog::message() const
{
    return m_message->text();
}

bool SettingsDialog::canSave() const
{
    return m_buttons->button(QDialogButtonBox::Save)->isEnabled();
}

void SettingsDialog::validate()
{
    const QList<ConfigListModel *> models = lists();
    for (ConfigListModel *model : models)
        model->clearExternalProblem();
    const auto where = [](const ConfigListModel *model, int row, int column) {
        return tr("%1 row %2, %3")
            .arg(model->title())
            .arg(row + 1)
            .arg(model->column(column).header);
    };

    int count = 0;
    QString first;
    // The shown tab's problems first: that is where the user is looking.
    QList<ConfigListModel *> order = models;
    order.move(std::clamp(m_tabs->currentIndex(), 0, int(models.size()) - 1), 0);
    for (ConfigListModel *model : order) {
        const std::optional<ConfigListModel::Problem> problem = model->firstProblem();
        if (problem && first.isEmpty())
            first = where(model, problem->row, problem->column) + u": "_s + problem->message;
        count += model->problemCount();
    }
    // Cell checks first: they say more than the loader's first complaint about the document.
    if (count == 0) {
        const ConfigIssue issue = m_editor->check(document());
        if (!issue.ok()) {
            count = 1;
            const auto found =
                std::find_if(models.begin(), models.end(),
                             [&](const ConfigListModel *m) { return m->key() == issue.section; });
            ConfigListModel *model = found == models.end() ? nullptr : *found;
            if (model && issue.index >= 0 && issue.index < model->rowCount()) {
                const int column = model->columnOfKey(issue.key);
                // A member without a column (platform, workflow …) is named in the message.
                const QString text = column >= 0 || issue.key.isEmpty()
                                         ? issue.detail
                                         : issue.key + u": "_s + issue.detail;
                model->setExternalProblem({issue.index, std::max(column, 0), text});
                first = where(model, issue.index, std::max(column, 0)) + u": "_s + text;
            } else {
                first = tr("%1 (not editable here; edit the file)").arg(issue.message);
            }
        }
    }
    markTabs();
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(count == 0);
    if (count == 0)
        showMessage(tr("No problems; Save writes %1.").arg(m_editor->path()), false);
    else if (count == 1)
        showMessage(first, true);
    else
        showMessage(first + u' ' + tr("(and %n more)", nullptr, count - 1), true);
}

void SettingsDialog::accept()
{
    validate();
    if (!canSave())
        return;
    if (const Status saved = m_editor->save(document()); !saved) {
        showMessage(tr("Not saved: %1").arg(saved.error()), true);
        return;
    }
    QDialog::accept();
}

void SettingsDialog::showMessage(const QString &text, bool problem)
{
    m_message->setText(text);
    const int side = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_messageIcon->setPixmap(problem ? warningIcon(this).pixmap(side, side) : QPixmap());
    m_messageIcon->setVisible(problem);
}

void SettingsDialog::markTabs()
{
    const QList<ConfigListModel *> models = lists();
    for (int tab = 0; tab < models.size(); ++tab) {
        const bool problem = models[tab]->problemCount() > 0;
        m_tabs->setTabIcon(tab, problem ? warningIcon(this) : QIcon());
        m_tabs->setTabToolTip(tab, problem ? tr("Has problems") : QString());
    }
}

} // namespace pw
