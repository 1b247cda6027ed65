// "Self-host this image…": the same files as `pullwatch selfhost`, one tab each, for the target
// typed in the dialog, saved through the exporter; nothing to save for a target that is no
// repository.
#include "SelfHostDialog.h"
#include "ports/ReportExporter.h"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
class FakeExporter : public ReportExporter
{
public:
    QString directory;
    QList<KitFile> files;

    void exportReports(const QList<ReportRequest> &, const QString &) override {}
    void saveFile(const QString &, const QByteArray &) override {}
    void saveKit(const QString &dir, const QList<KitFile> &kit) override
    {
        directory = dir;
        files = kit;
    }
    void cancel() override {}
};

SelfHostRequest request(const QString &ref, bool onDemand)
{
    SelfHostRequest r;
    r.source = *ImageReference::parse(ref);
    r.onDemand = onDemand;
    r.group = u"keystone-tools"_s;
    r.sourceLabel = u"nixery"_s;
    return r;
}

QStringList tabNames(const SelfHostDialog &dialog)
{
    QStringList names;
    for (int i = 0; i < dialog.tabs()->count(); ++i)
        names << dialog.tabs()->tabText(i);
    return names;
}

QPushButton *saveButton(const SelfHostDialog &dialog)
{
    for (QPushButton *button : dialog.findChildren<QPushButton *>())
        if (button->text().contains(u"Save"_s))
            return button;
    return nullptr;
}
} // namespace

class TestSelfHostDialog : public QObject
{
    Q_OBJECT

private slots:
    void nixeryImageGetsTheWholeKit()
    {
        FakeExporter exporter;
        SelfHostDialog dialog(request(u"nixery.dev/shell/awscli2/openstackclient/jq/busybox"_s, true),
                              &exporter);
        QCOMPARE(dialog.target()->text(), u"ghcr.io/your-org/busybox"_s);
        QCOMPARE(tabNames(dialog),
                 (QStringList{u"mirror.sh"_s, u"Dockerfile"_s, u"image.nix"_s,
                              u".github/workflows/rebuild-busybox.yml"_s, u"pullwatch.json"_s}));

        dialog.target()->setText(u"ghcr.io/acme/keystone-tools:2025"_s);
        QCOMPARE(tabNames(dialog).at(3), u".github/workflows/rebuild-keystone-tools.yml"_s);
        const auto *nix = qobject_cast<QPlainTextEdit *>(dialog.tabs()->widget(2));
        QVERIFY(nix->toPlainText().contains(u"name = \"ghcr.io/acme/keystone-tools\";"_s));
        QVERIFY(nix->toPlainText().contains(u"tag = \"2025\";"_s));
        QVERIFY(saveButton(dialog)->isEnabled());

        dialog.saveInto(u"/srv/kits"_s);
        QCOMPARE(exporter.directory, u"/srv/kits/selfhost-keystone-tools"_s);
        QCOMPARE(exporter.files.size(), 5);
        QCOMPARE(exporter.files, dialog.files());
        const QByteArray config = exporter.files.last().content;
        QVERIFY2(config.contains("\"label\": \"self-hosted\"") &&
                     config.contains("\"group\": \"keystone-tools\""),
                 config.constData());
    }

    void aTargetThatIsNoRepositoryCannotBeSaved_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("says");
        QTest::newRow("uppercase") << u"ghcr.io/ACME/tools"_s << u"lowercase"_s;
        QTest::newRow("a digest") << u"ghcr.io/acme/tools@sha256:"_s + QString(64, u'0')
                                  << u"not a digest"_s;
        QTest::newRow("the image itself") << u"nixery.dev/shell/jq:v2"_s << u"image itself"_s;
        QTest::newRow("empty") << QString() << u"empty"_s;
    }

    void aTargetThatIsNoRepositoryCannotBeSaved()
    {
        QFETCH(QString, target);
        QFETCH(QString, says);
        FakeExporter exporter;
        SelfHostDialog dialog(request(u"nixery.dev/shell/jq"_s, true), &exporter);
        dialog.target()->setText(target);
        QVERIFY(!saveButton(dialog)->isEnabled());
        QCOMPARE(dialog.tabs()->count(), 0);
        bool said = false;
        for (const QLabel *label : dialog.findChildren<QLabel *>())
            said = said || label->text().contains(says);
        QVERIFY2(said, qPrintable(says));
        dialog.saveInto(u"/srv/kits"_s);
        QVERIFY(exporter.directory.isEmpty());
    }

    void anyOtherImageGetsAMirror()
    {
        FakeExporter exporter;
        SelfHostDialog dialog(request(u"docker.io/library/busybox:1.36"_s, false), &exporter);
        QCOMPARE(tabNames(dialog), (QStringList{u"mirror.sh"_s, u"pullwatch.json"_s}));
    }
};

QTEST_MAIN(TestSelfHostDialog)
#include "tst_selfhostdialog.moc"
