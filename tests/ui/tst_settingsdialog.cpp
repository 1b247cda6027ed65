// SettingsDialog under the offscreen platform: validation messages as the user types, Save only
// while everything checks out, secrets refused, saving through the ConfigEditor.
#include "ports/ConfigEditor.h"
#include "ConfigListModel.h"
#include "SettingsDialog.h"

#include <QAbstractItemModelTester>
#include <QDialogButtonBox>
#include <QIcon>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

// Declared before the test data: moc reads "//" in raw strings as a comment.
class TestSettingsDialog : public QObject
{
    Q_OBJECT

private slots:
    void invalidRefDisablesSave();
    void envNameFieldRefusesSecrets();
    void documentProblemsPointAtTheCell_data();
    void documentProblemsPointAtTheCell();
    void authAndProviderSwitchKeepTheirValues();
    void addAndRemoveRows();
    void saveWritesThroughTheEditor();
    void saveErrorShownInTheDialog();
};

namespace {

// A ConfigEditor answering from memory with simple rules; `issue` stands in for the loader.
class FakeEditor : public ConfigEditor
{
public:
    QJsonObject document;
    ConfigIssue issue;
    QString saveError;
    QList<QJsonObject> saves;

    QString path() const override { return u"/home/u/.config/pullwatch/config.json"_s; }
    bool isBuiltinDefault() const override { return false; }
    QString loadError() const override { return {}; }
    QJsonObject config() const override { return document; }
    QString checkImageRef(const QString &ref) const override
    {
        static const QRegularExpression valid(u"^[a-z0-9./:_-]+$"_s);
        return valid.match(ref).hasMatch()
                   ? QString()
                   : u"invalid reference \"%1\": invalid reference format"_s.arg(ref);
    }
    QString checkInterval(const QString &interval) const override
    {
        static const QRegularExpression valid(u"^[1-9][0-9]*(ms|s|m|h|d|w)$"_s);
        return valid.match(interval).hasMatch()
                   ? QString()
                   : u"\"interval\" must be a duration like \"5m\", got \"%1\""_s.arg(interval);
    }
    ConfigIssue check(const QJsonObject &) const override { return issue; }
    Status save(const QJsonObject &config) override
    {
        if (!saveError.isEmpty())
            return Error{saveError};
        saves.append(config);
        document = config;
        emit saved(path());
        return {};
    }
};

const QByteArray Document = R"({
  "registries": [{"host": "localhost:5000", "insecure": true,
                  "auth": {"type": "basic", "username": "ci", "password_env": "REG_PASS"}}],
  "images": [
    {"ref": "nixery.dev/shell/jq", "group": "tools", "label": "nixery", "interval": "5m", "platform": "linux/arm64"},
    {"ref": "ghcr.io/example/tools:latest", "group": "tools", "label": "self-hosted"}],
  "ci": [{"provider": "github", "repo": "rook/rook", "workflow": "ci.yml", "token_env": "GITHUB_TOKEN"}],
  "rules": [{"id": "quota", "category": "rate_limit", "pattern": "quota exceeded"}],
  "retention": "400d"
}
)";

enum Tab
{
    ImagesTab,
    RegistriesTab,
    CiTab
};

QTableView *tableOf(SettingsDialog &dialog, Tab tab)
{
    return dialog.findChild<QTabWidget *>()->widget(tab)->findChild<QTableView *>();
}

// Opens the cell's editor and types into it like a user, without leaving the cell.
void typeInto(SettingsDialog &dialog, Tab tab, int row, int column, const QString &text)
{
    QTableView *table = tableOf(dialog, tab);
    dialog.findChild<QTabWidget *>()->setCurrentIndex(tab);
    const QModelIndex index = table->model()->index(row, column);
    table->setCurrentIndex(index);
    if (!table->indexWidget(index)) // still open from the last call
        table->edit(index);
    auto *editor = qobject_cast<QLineEdit *>(table->indexWidget(index));
    QVERIFY(editor);
    editor->selectAll();
    QTest::keyClick(editor, Qt::Key_Backspace);
    QTest::keyClicks(editor, text);
}

QPushButton *button(QWidget *parent, const QString &text)
{
    for (QPushButton *b : parent->findChildren<QPushButton *>())
        if (b->text().remove(u'&') == text)
            return b;
    return nullptr;
}

QJsonObject element(const SettingsDialog &dialog, const QString &list, int row)
{
    return dialog.document().value(list).toArray().at(row).toObject();
}

struct Fixture
{
    FakeEditor editor;
    std::unique_ptr<SettingsDialog> dialog;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;

    Fixture()
    {
        editor.document = QJsonDocument::fromJson(Document).object();
        dialog = std::make_unique<SettingsDialog>(&editor);
        for (QAbstractItemModel *model :
             {dialog->imagesModel(), dialog->registriesModel(), dialog->ciModel()})
            testers.push_back(std::make_unique<QAbstractItemModelTester>(
                model, QAbstractItemModelTester::FailureReportingMode::QtTest));
        dialog->show();
    }
};

} // namespace

void TestSettingsDialog::invalidRefDisablesSave()
{
    Fixture f;
    QVERIFY(f.dialog->canSave());
    QVERIFY2(f.dialog->message().startsWith(u"No problems"_s), qPrintable(f.dialog->message()));

    typeInto(*f.dialog, ImagesTab, 1, 0, u"ghcr.io/Example/tools"_s);
    QCOMPARE(f.dialog->message(), u"Images row 2, Reference: invalid reference "
                                  "\"ghcr.io/Example/tools\": invalid reference format"_s);
    QVERIFY(!f.dialog->canSave());
    QVERIFY(
        !f.dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save)->isEnabled());
    // The cell says so too: not by colour alone, an icon and a tool tip.
    const QModelIndex cell = f.dialog->imagesModel()->index(1, 0);
    QVERIFY(cell.data(ConfigListModel::ErrorRole).toString().contains(u"invalid reference"_s));
    QVERIFY(!cell.data(Qt::DecorationRole).value<QIcon>().isNull());
    QVERIFY(cell.data(Qt::ToolTipRole).toString().contains(u"invalid reference"_s));
    QVERIFY(!f.dialog->findChild<QTabWidget *>()->tabIcon(ImagesTab).isNull());

    typeInto(*f.dialog, ImagesTab, 1, 0, u"ghcr.io/example/tools:2"_s);
    QVERIFY(f.dialog->canSave());
    QVERIFY(f.dialog->message().startsWith(u"No problems"_s));
    QVERIFY(cell.data(ConfigListModel::ErrorRole).toString().isEmpty());
    QVERIFY(cell.data(Qt::DecorationRole).isNull());
    QVERIFY(f.dialog->findChild<QTabWidget *>()->tabIcon(ImagesTab).isNull());

    // An interval is checked as it is typed as well; two problems are counted.
    typeInto(*f.dialog, ImagesTab, 0, 3, u"5 minutes"_s);
    typeInto(*f.dialog, ImagesTab, 1, 0, u"Bad"_s);
    QCOMPARE(f.dialog->message(),
             u"Images row 1, Interval: \"interval\" must be a duration like \"5m\", got \"5 "
             "minutes\" (and 1 more)"_s);
    QVERIFY(!f.dialog->canSave());
}

void TestSettingsDialog::envNameFieldRefusesSecrets()
{
    Fixture f;
    auto *model = f.dialog->registriesModel();
    const int secret = model->columnOfKey(u"auth.password_env"_s);
    QVERIFY(model->headerData(secret, Qt::Horizontal).toString().contains(u"NAME"_s));

    typeInto(*f.dialog, RegistriesTab, 0, secret, u"hunter2 pass"_s);
    QVERIFY(!f.dialog->canSave());
    QVERIFY2(f.dialog->message().startsWith(u"Registries row 1, Password/token variable NAME: "
                                            "must be the NAME of an environment variable"_s),
             qPrintable(f.dialog->message()));
    QVERIFY(!f.dialog->message().contains(u"hunter2"_s)); // a typed secret is never repeated

    typeInto(*f.dialog, RegistriesTab, 0, secret, u"REG_PASSWORD"_s);
    QVERIFY(f.dialog->canSave());
    QCOMPARE(element(*f.dialog, u"registries"_s, 0)[u"auth"_s][u"password_env"_s].toString(),
             u"REG_PASSWORD"_s);

    // Problems on the tab in view come first.
    typeInto(*f.dialog, ImagesTab, 0, 0, u"Bad"_s);
    typeInto(*f.dialog, RegistriesTab, 0, secret, u"hunter2 pass"_s);
    QVERIFY(f.dialog->message().startsWith(u"Registries row 1, "_s));
    QVERIFY(f.dialog->message().endsWith(u"(and 1 more)"_s));
    f.dialog->findChild<QTabWidget *>()->setCurrentIndex(ImagesTab);
    QVERIFY(f.dialog->message().startsWith(u"Images row 1, Reference: "_s));
    typeInto(*f.dialog, ImagesTab, 0, 0, u"busybox"_s);
    typeInto(*f.dialog, RegistriesTab, 0, secret, u"REG_PASSWORD"_s);

    // The CI token field is a variable name too.
    typeInto(*f.dialog, CiTab, 0, f.dialog->ciModel()->columnOfKey(u"token_env"_s), u"ghp_1 2"_s);
    QVERIFY(f.dialog->message().startsWith(u"CI sources row 1, Token variable NAME: must be"_s));
    QVERIFY(!f.dialog->canSave());
}

void TestSettingsDialog::documentProblemsPointAtTheCell_data()
{
    QTest::addColumn<QString>("section");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("markedColumn"); // in the images table, -1: no cell

    QTest::newRow("duplicate image")
        << u"images"_s << 1 << u"ref"_s
        << u"Images row 2, Reference: duplicate image \"x\" (first listed at 4:13)"_s << 0;
    QTest::newRow("member without a column")
        << u"images"_s << 0 << u"platform"_s
        << u"Images row 1, Reference: platform: duplicate image \"x\" (first listed at 4:13)"_s
        << 0;
    QTest::newRow("registry auth") << u"registries"_s << 0 << u"auth.token_env"_s
                                   << u"Registries row 1, Password/token variable NAME: "
                                      "duplicate image \"x\" (first listed at 4:13)"_s
                                   << -1;
    QTest::newRow("outside the tables")
        << u"retention"_s << -1 << QString()
        << u"config.json:12:16: duplicate image \"x\" (first listed at 4:13) (not editable here; "
           "edit the file)"_s
        << -1;
}

void TestSettingsDialog::documentProblemsPointAtTheCell()
{
    QFETCH(QString, section);
    QFETCH(int, index);
    QFETCH(QString, key);
    QFETCH(QString, message);
    QFETCH(int, markedColumn);
    Fixture f;
    const QString detail = u"duplicate image \"x\" (first listed at 4:13)"_s;
    f.editor.issue = {QString(u"config.json:12:16: "_s + detail), detail, section, index, key};
    f.dialog->validate();
    QCOMPARE(f.dialog->message(), message);
    QVERIFY(!f.dialog->canSave());
    if (markedColumn >= 0) {
        const QModelIndex cell = f.dialog->imagesModel()->index(index, markedColumn);
        QVERIFY(cell.data(ConfigListModel::ErrorRole).toString().endsWith(detail));
    }
    // The loader is content again: the mark goes with the next check.
    f.editor.issue = {};
    f.dialog->validate();
    QVERIFY(f.dialog->canSave());
    QCOMPARE(f.dialog->imagesModel()->firstProblem().has_value(), false);
}

void TestSettingsDialog::authAndProviderSwitchKeepTheirValues()
{
    Fixture f;
    ConfigListModel *registries = f.dialog->registriesModel();
    const int auth = registries->columnOfKey(u"auth.type"_s);
    const int user = registries->columnOfKey(u"auth.username"_s);
    QVERIFY(registries->setData(registries->index(0, auth), u"token"_s));
    const QJsonObject written = element(*f.dialog, u"registries"_s, 0);
    QCOMPARE(written[u"auth"_s].toObject(),
             (QJsonObject{{u"type"_s, u"token"_s}, {u"token_env"_s, u"REG_PASS"_s}}));
    QVERIFY(!(registries->flags(registries->index(0, user)) & Qt::ItemIsEditable));
    QVERIFY(written[u"insecure"_s].toBool());
    // Transport: the three states of "insecure".
    const int transport = registries->columnOfKey(u"insecure"_s);
    QCOMPARE(registries->index(0, transport).data().toString(), u"http"_s);
    QVERIFY(registries->setData(registries->index(0, transport), u"auto"_s));
    QVERIFY(!element(*f.dialog, u"registries"_s, 0).contains(u"insecure"_s));
    QVERIFY(registries->setData(registries->index(0, transport), u"https"_s));
    QCOMPARE(element(*f.dialog, u"registries"_s, 0)[u"insecure"_s], QJsonValue(false));
    QVERIFY(registries->setData(registries->index(0, transport), u"http"_s));
    QVERIFY(registries->setData(registries->index(0, auth), u"none"_s));
    QVERIFY(!element(*f.dialog, u"registries"_s, 0).contains(u"auth"_s));
    QVERIFY(f.dialog->canSave());

    ConfigListModel *ci = f.dialog->ciModel();
    QVERIFY(ci->setData(ci->index(0, ci->columnOfKey(u"provider"_s)), u"files"_s));
    QCOMPARE(element(*f.dialog, u"ci"_s, 0),
             (QJsonObject{{u"provider"_s, u"files"_s}, {u"path"_s, u"rook/rook"_s}}));
    QVERIFY(ci->setData(ci->index(0, ci->columnOfKey(u"provider"_s)), u"gitlab"_s));
    QCOMPARE(element(*f.dialog, u"ci"_s, 0)[u"project"_s].toString(), u"rook/rook"_s);
}

void TestSettingsDialog::addAndRemoveRows()
{
    Fixture f;
    QWidget *imagesTab = f.dialog->findChild<QTabWidget *>()->widget(ImagesTab);
    QPushButton *remove = button(imagesTab, u"Remove"_s);
    QVERIFY(remove);
    button(imagesTab, u"Add"_s)->click();
    QCOMPARE(f.dialog->imagesModel()->rowCount(), 3);
    QVERIFY(f.dialog->message().startsWith(u"Images row 3, Reference: enter an image reference"_s));
    QVERIFY(!f.dialog->canSave());
    QVERIFY(remove->isEnabled()); // the new row is the current one
    remove->click();
    QCOMPARE(f.dialog->imagesModel()->rowCount(), 2);
    QVERIFY(f.dialog->canSave());
}

void TestSettingsDialog::saveWritesThroughTheEditor()
{
    Fixture f;
    typeInto(*f.dialog, ImagesTab, 0, 2, u"on demand"_s);
    ConfigListModel *images = f.dialog->imagesModel();
    QVERIFY(images->setData(images->index(1, 4), Qt::Checked, Qt::CheckStateRole));
    button(f.dialog.get(), u"Save"_s)->click();
    QCOMPARE(f.editor.saves.size(), 1);
    QCOMPARE(f.dialog->result(), int(QDialog::Accepted));

    // The edits, and everything the tables do not show, as it was.
    const QJsonObject saved = f.editor.saves.first();
    const QJsonObject before = QJsonDocument::fromJson(Document).object();
    QCOMPARE(saved[u"images"_s][0][u"label"_s].toString(), u"on demand"_s);
    QCOMPARE(saved[u"images"_s][0][u"platform"_s].toString(), u"linux/arm64"_s);
    QCOMPARE(saved[u"images"_s][1][u"deep"_s], QJsonValue(true));
    QCOMPARE(saved[u"rules"_s], before[u"rules"_s]);
    QCOMPARE(saved[u"retention"_s], before[u"retention"_s]);
    QCOMPARE(saved[u"registries"_s], before[u"registries"_s]);
    QCOMPARE(saved[u"ci"_s], before[u"ci"_s]);
}

void TestSettingsDialog::saveErrorShownInTheDialog()
{
    Fixture f;
    f.editor.saveError = u"/home/u/.config/pullwatch/config.json: cannot write: disk full"_s;
    button(f.dialog.get(), u"Save"_s)->click();
    QVERIFY(f.dialog->isVisible());
    QCOMPARE(f.dialog->message(),
             u"Not saved: /home/u/.config/pullwatch/config.json: cannot write: disk full"_s);
    QVERIFY(f.editor.saves.isEmpty());
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
