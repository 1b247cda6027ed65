#include "SelfHostDialog.h"

#include "ports/ReportExporter.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace pw {

SelfHostDialog::SelfHostDialog(SelfHostRequest request, ReportExporter *exporter, QWidget *parent)
    : QDialog(parent), m_request(std::move(request)), m_exporter(exporter),
      m_target(new QLineEdit(this)), m_status(new QLabel(this)), m_tabs(new QTabWidget(this)),
      m_save(new QPushButton(tr("&Save…"), this))
{
    setWindowTitle(tr("Self-host %1").arg(m_request.source.canonical()));
    // A name that parses; the user puts their own organisation in.
    const QString name = m_request.source.repository.section(u'/', -1);
    m_target->setText(m_request.target.repository.isEmpty()
                          ? QStringLiteral("ghcr.io/your-org/%1").arg(name.toLower())
                          : m_request.target.canonical());
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Image CI pulls today:"), new QLabel(m_request.source.canonical(), this));
    form->addRow(tr("&Copy to (repository[:tag]):"), m_target);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_save, QDialogButtonBox::ActionRole);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(900, 640);

    connect(m_target, &QLineEdit::textChanged, this, &SelfHostDialog::rebuild);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString directory =
            QFileDialog::getExistingDirectory(this, tr("Save the self-host files under"));
        if (!directory.isEmpty())
            saveInto(directory);
    });
    if (m_exporter) {
        connect(m_exporter, &ReportExporter::finished, this, [this](const QStringList &files) {
            m_status->setText(tr("Wrote %1 files: %2").arg(files.size()).arg(files.join(u", ")));
        });
        connect(m_exporter, &ReportExporter::failed, this,
                [this](const QString &message) { m_status->setText(message); });
    }
    rebuild();
}

void SelfHostDialog::rebuild()
{
    m_tabs->clear();
    m_files.clear();
    const Result<ImageReference> target = ImageReference::parse(m_target->text().trimmed());
    QString problem;
    if (!target)
        problem = target.error();
    else if (!target->digest.isEmpty())
        problem = tr("the copy gets tags of its own: give a repository and a tag, not a digest");
    else if (target->registry == m_request.source.registry &&
             target->repository == m_request.source.repository)
        problem = tr("that is the image itself: give another repository");
    m_save->setEnabled(problem.isEmpty() && m_exporter);
    m_status->setText(problem);
    if (!problem.isEmpty())
        return;
    SelfHostRequest request = m_request;
    request.target = *target;
    m_files = selfHostKit(request);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (const KitFile &file : m_files) {
        auto *text = new QPlainTextEdit(QString::fromUtf8(file.content), m_tabs);
        text->setReadOnly(true);
        text->setFont(fixed);
        text->setLineWrapMode(QPlainTextEdit::NoWrap);
        m_tabs->addTab(text, file.path);
    }
}

void SelfHostDialog::saveInto(const QString &directory)
{
    if (!m_exporter || m_files.isEmpty())
        return;
    const QString name = ImageReference::parse(m_target->text().trimmed())->repository.section(u'/', -1);
    m_status->setText(tr("Saving…"));
    m_exporter->saveKit(QDir(directory).filePath(QStringLiteral("selfhost-") + name), m_files);
}

} // namespace pw
