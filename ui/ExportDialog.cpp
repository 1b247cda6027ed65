#include "ExportDialog.h"

#include "items/DashboardState.h"
#include "ports/ReportExporter.h"
#include "TimeFormat.h"

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
enum class ChartFormat
{
    Png,
    Svg
};

QByteArray renderPng(QWidget *chart)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    chart->grab().toImage().save(&buffer, "PNG");
    return buffer.data();
}

QByteArray renderSvg(QWidget *chart, const QString &title)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(chart->size());
    svg.setViewBox(QRect(QPoint(), chart->size()));
    svg.setTitle(title);
    QPainter painter(&svg);
    chart->render(&painter);
    painter.end();
    return buffer.data();
}

QString describeFilter(const EventFilter &filter)
{
    const auto tr = [](const char *text) { return ExportDialog::tr(text); };
    const QString separator = u", "_s;
    QStringList parts;
    if (!filter.groups.isEmpty())
        parts << tr("groups %1").arg(filter.groups.join(separator));
    if (!filter.images.isEmpty())
        parts << tr("images %1").arg(filter.images.join(separator));
    if (!filter.registries.isEmpty())
        parts << tr("registries %1").arg(filter.registries.join(separator));
    if (filter.source)
        parts << (*filter.source == Source::Ci ? tr("CI logs only") : tr("probes only"));
    if (filter.ok)
        parts << (*filter.ok ? tr("successful pulls only") : tr("failed pulls only"));
    if (filter.category)
        parts << tr("category %1").arg(categoryTitle(*filter.category));
    return parts.isEmpty() ? tr("all images") : parts.join(u"; "_s);
}
} // namespace

ExportDialog::ExportDialog(ReportExporter *exporter, const DashboardState *state, QWidget *chart,
                           QWidget *parent)
    : QDialog(parent), m_exporter(exporter), m_state(state), m_chart(chart),
      m_chartBox(new QCheckBox(tr("Current chart as"), this)), m_chartFormat(new QComboBox(this)),
      m_directory(new QLineEdit(this)), m_scope(new QLabel(this)),
      m_progress(new QProgressBar(this)), m_cancel(new QPushButton(tr("Cancel export"), this)),
      m_status(new QLabel(this))
{
    setWindowTitle(tr("Export"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 80); // report file names fit on a line
    // Buttons first: the check boxes below update them as they are set up.
    auto *buttons = new QDialogButtonBox(this);
    m_export = buttons->addButton(tr("E&xport"), QDialogButtonBox::ActionRole);
    m_export->setObjectName(u"startExport"_s);
    m_export->setDefault(true);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);

    m_scope->setObjectName(u"exportScope"_s);
    m_scope->setTextFormat(Qt::PlainText);
    m_scope->setWordWrap(true);

    auto *reports = new QGroupBox(tr("CSV reports"), this);
    auto *reportsLayout = new QVBoxLayout(reports);
    const std::pair<ReportKind, QString> kinds[] = {
        {ReportKind::Events, tr("&Events: every pull attempt")},
        {ReportKind::Availability, tr("&Availability per image and time bucket")},
        {ReportKind::Breakdown, tr("&Breakdown of failures by category, registry and image")},
        {ReportKind::Compare, tr("C&omparison of each group's images")},
        {ReportKind::Verdicts, tr("&Verdicts: why each failed CI pull failed")},
    };
    for (const auto &[kind, title] : kinds) {
        auto *box = new QCheckBox(title, reports);
        box->setObjectName(reportId(kind));
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, &ExportDialog::updateButtons);
        reportsLayout->addWidget(box);
        m_reports.insert(kind, box);
    }

    m_chartBox->setObjectName(u"exportChart"_s);
    m_chartFormat->setObjectName(u"chartFormat"_s);
    m_chartFormat->addItem(tr("PNG image"), int(ChartFormat::Png));
    m_chartFormat->addItem(tr("SVG drawing"), int(ChartFormat::Svg));
    auto *chartRow = new QHBoxLayout;
    chartRow->addWidget(m_chartBox);
    chartRow->addWidget(m_chartFormat);
    chartRow->addStretch(1);
    if (!m_chart)
        m_chartBox->setToolTip(tr("This page has no chart")); // setRunning() disables it
    connect(m_chartBox, &QCheckBox::toggled, this, &ExportDialog::updateButtons);

    auto *choose = new QPushButton(tr("C&hoose…"), this);
    connect(choose, &QPushButton::clicked, this, [this] {
        const QString chosen =
            QFileDialog::getExistingDirectory(this, tr("Export to"), m_directory->text());
        if (!chosen.isEmpty())
            setDirectory(chosen);
    });
    connect(m_directory, &QLineEdit::textChanged, this, &ExportDialog::updateButtons);
    auto *directoryRow = new QHBoxLayout;
    directoryRow->addWidget(m_directory, 1);
    directoryRow->addWidget(choose);
    setDirectory(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation));

    m_progress->setFormat(tr("%v of %m reports"));
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    m_cancel->setObjectName(u"cancelExport"_s);
    connect(m_cancel, &QPushButton::clicked, this, &ExportDialog::cancelExport);
    m_status->setObjectName(u"exportStatus"_s);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse); // paths to copy

    auto *form = new QFormLayout;
    form->addRow(tr("Chart:"), chartRow);
    auto *directoryLabel = new QLabel(tr("&Directory:"), this);
    directoryLabel->setBuddy(m_directory);
    form->addRow(directoryLabel, directoryRow);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_scope);
    layout->addWidget(reports);
    layout->addLayout(form);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addStretch(1);
    layout->addWidget(buttons);

    connect(m_exporter, &ReportExporter::progress, this, &ExportDialog::onProgress);
    connect(m_exporter, &ReportExporter::finished, this, &ExportDialog::onFinished);
    connect(m_exporter, &ReportExporter::failed, this, [this](const QString &message) {
        if (m_running)
            showEnd(tr("Export failed: %1").arg(message), tr("Written before the failure:"));
    });
    connect(m_exporter, &ReportExporter::canceled, this, [this] {
        if (m_running)
            showEnd(tr("Export canceled."), tr("Written before the cancel:"));
    });
    if (m_state)
        connect(m_state, &DashboardState::changed, this, &ExportDialog::describeScope);
    describeScope();
    setRunning(false);
}

QString ExportDialog::directory() const
{
    return m_directory->text().trimmed();
}

void ExportDialog::setDirectory(const QString &directory)
{
    m_directory->setText(QDir::toNativeSeparators(directory));
}

void ExportDialog::describeScope()
{
    if (!m_state)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const TimeRange range = m_state->range(now);
    m_scope->setText(tr("Exports %1 to %2 UTC (%3), %4.")
                         .arg(timeformat::toMinute(range.from), timeformat::toMinute(range.to),
                              DashboardState::presetTitle(m_state->preset()),
                              describeFilter(m_state->filter())));
}

void ExportDialog::updateButtons()
{
    const bool anything = std::any_of(m_reports.cbegin(), m_reports.cend(),
                                      [](QCheckBox *b) { return b->isChecked(); }) ||
                          (m_chart && m_chartBox->isChecked());
    m_export->setEnabled(!m_running && anything && !directory().isEmpty());
}

void ExportDialog::setRunning(bool running)
{
    m_running = running;
    m_progress->setVisible(running);
    m_cancel->setVisible(running);
    m_cancel->setEnabled(running);
    m_close->setEnabled(!running);
    for (QCheckBox *box : std::as_const(m_reports))
        box->setEnabled(!running);
    m_directory->setEnabled(!running);
    m_chartBox->setEnabled(!running && m_chart);
    m_chartFormat->setEnabled(!running && m_chart);
    updateButtons();
}

void ExportDialog::startExport()
{
    if (m_running || !m_state)
        return;
    // The range as of now: a preset moves with the clock while the dialog is open.
    describeScope();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const TimeRange range = m_state->range(now);
    QList<ReportRequest> requests;
    for (auto it = m_reports.cbegin(); it != m_reports.cend(); ++it) {
        if (it.value()->isChecked())
            requests << ReportRequest{it.key(), m_state->filter(), range, m_state->bucketMs(now), {}};
    }
    m_pendingChart.reset();
    if (m_chart && m_chartBox->isChecked())
        m_pendingChart = renderChart(directory(), range);
    m_written.clear();
    m_rows = 0;
    m_progress->setRange(0, int(requests.size()));
    m_progress->setValue(0);
    m_status->setText(tr("Starting…"));
    setRunning(true);
    if (!requests.isEmpty())
        m_exporter->exportReports(requests, directory());
    else
        onFinished({}, 0);
}

void ExportDialog::cancelExport()
{
    if (!m_running)
        return;
    m_cancel->setEnabled(false);
    m_status->setText(tr("Canceling…"));
    m_exporter->cancel();
}

void ExportDialog::reject()
{
    if (m_running)
        cancelExport();
    else
        QDialog::reject();
}

ExportDialog::PendingFile ExportDialog::renderChart(const QString &directory,
                                                    const TimeRange &range) const
{
    const bool svg = ChartFormat(m_chartFormat->currentData().toInt()) == ChartFormat::Svg;
    const QString name = ReportExporter::fileName(u"chart", range, svg ? u"svg" : u"png");
    const QByteArray bytes = svg ? renderSvg(m_chart, m_scope->text()) : renderPng(m_chart);
    return {QDir(directory).filePath(name), bytes};
}

void ExportDialog::onProgress(qint64 rows, const QString &file, int done, int total)
{
    if (!m_running)
        return;
    m_progress->setRange(0, total);
    m_progress->setValue(done);
    m_status->setText(
        tr("Writing %1…\n%2 rows so far").arg(file, QLocale().toString(m_rows + rows)));
}

// Reports first, then the chart: a canceled or failed report leaves no chart behind either.
void ExportDialog::onFinished(const QStringList &files, qint64 rows)
{
    if (!m_running)
        return;
    m_written << files;
    m_rows += rows;
    if (m_pendingChart) {
        const PendingFile chart = *std::exchange(m_pendingChart, std::nullopt);
        m_exporter->saveFile(chart.path, chart.bytes);
        return;
    }
    showEnd(tr("Export done (%1 report rows):").arg(QLocale().toString(m_rows)), {});
}

void ExportDialog::showEnd(const QString &headline, const QString &writtenBefore)
{
    QStringList lines{headline};
    if (!m_written.isEmpty() && !writtenBefore.isEmpty())
        lines << writtenBefore;
    for (const QString &path : std::as_const(m_written))
        lines << QDir::toNativeSeparators(path);
    m_status->setText(lines.join(u'\n'));
    m_pendingChart.reset();
    setRunning(false);
}

} // namespace pw
