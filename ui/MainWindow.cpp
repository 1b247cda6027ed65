#include "MainWindow.h"

#include "ComparePage.h"
#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "EventsPage.h"
#include "ExportDialog.h"
#include "SelfHostDialog.h"
#include "FailuresPage.h"
#include "FilterBar.h"
#include "MonitorActions.h"
#include "MonitorStatusLabel.h"
#include "OverviewPage.h"
#include "SettingsDialog.h"
#include "StatusTray.h"
#include "TimelinePage.h"

#include <QActionGroup>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

namespace pw {

MainWindow::MainWindow(DashboardState *state, DashboardData *data,
                       const DashboardServices &services, QWidget *parent)
    : QMainWindow(parent), m_state(state), m_data(data), m_pages(new QTabWidget(this)),
      m_overview(new OverviewPage(state, data, this)),
      m_timeline(new TimelinePage(state, data, this)),
      m_failures(new FailuresPage(state, data, this)), m_events(new EventsPage(state, data, this)),
      m_compare(new ComparePage(state, data, this)), m_status(new QLabel(this))
{
    setWindowTitle(tr("pullwatch"));
    m_pages->setDocumentMode(true);
    m_pages->addTab(m_overview, tr("&Overview"));
    m_pages->addTab(m_timeline, tr("&Timeline"));
    m_pages->addTab(m_failures, tr("&Failures"));
    m_pages->addTab(m_compare, tr("&Compare"));
    m_pages->addTab(m_events, tr("&Events"));
    // A click on a breakdown slice or bar shows its events.
    connect(m_failures, &FailuresPage::showEvents, this, [this](const EventFilter &filter) {
        m_events->showFilter(filter);
        m_pages->setCurrentWidget(m_events);
    });
    connect(m_timeline, &TimelinePage::showEvents, this,
            [this](const EventFilter &filter, const TimeRange &range) {
                m_events->showFilter(filter, range);
                m_pages->setCurrentWidget(m_events);
            });
    setCentralWidget(m_pages);
    statusBar()->addPermanentWidget(m_status);
    createServiceActions(services);
    createRangeActions();
    m_filterBar = new FilterBar(m_state, this);
    addToolBar(m_filterBar);
    connect(m_data, &DashboardData::imagesChanged, m_filterBar, &FilterBar::setImages);

    // The tray and the window icon follow the worst status of every image, whatever the
    // filter; changes are announced.
    m_tray = new StatusTray(this);
    setWindowIcon(StatusTray::icon(BucketState::NoData));
    connect(m_data, &DashboardData::statusNow, m_tray, [this](const QList<OverviewRow> &rows) {
        m_tray->update(rows);
        setWindowIcon(StatusTray::icon(m_tray->state()));
    });
    connect(m_tray, &StatusTray::changed, this,
            [this](const QString &message) { statusBar()->showMessage(message, 60'000); });
    connect(m_tray, &StatusTray::activated, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });

    connect(m_data, &DashboardData::historySize, this, [this](qint64 events, qint64 images) {
        m_status->setText(
            tr("History: %1 events, %2 images").arg(QLocale().toString(events)).arg(images));
    });
    connect(m_data, &DashboardData::failed, this,
            [this](const QString &message) { statusBar()->showMessage(message, 10'000); });
    resize(1200, 640);
    restoreSettings();
}

MainWindow::~MainWindow()
{
    saveSettings();
}

void MainWindow::openSelfHost(const QString &image, const QString &group, const QString &label,
                              const DashboardServices &services)
{
    const Result<ImageReference> source = ImageReference::parse(image);
    if (!source)
        return;
    SelfHostRequest request;
    request.source = *source;
    request.onDemand = services.onDemand && services.onDemand(source->registry);
    request.group = group;
    request.sourceLabel = label;
    SelfHostDialog dialog(request, services.exporter, this);
    dialog.exec();
}

void MainWindow::createServiceActions(const DashboardServices &services)
{
    auto *toolbar = addToolBar(tr("Actions"));
    toolbar->setObjectName(QStringLiteral("actions"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    if (PullMonitor *monitor = services.monitor) {
        toolbar->addAction(new ProbeNowAction(monitor, this));
        toolbar->addAction(new ImportLogsAction(monitor, this));
        statusBar()->addWidget(new MonitorStatusLabel(monitor, this));
    }

    QAction *exportAction = toolbar->addAction(tr("E&xport…"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->setToolTip(tr("CSV reports of the shown range and filter, and the page as PNG "
                                "or SVG (%1)")
                                 .arg(exportAction->shortcut().toString(QKeySequence::NativeText)));
    exportAction->setEnabled(services.exporter != nullptr);
    connect(exportAction, &QAction::triggered, this, [this, exporter = services.exporter] {
        ExportDialog dialog(exporter, m_state, m_pages->currentWidget(), this);
        QSettings settings;
        dialog.setDirectory(
            settings.value(QStringLiteral("export/directory"), dialog.directory()).toString());
        dialog.exec();
        settings.setValue(QStringLiteral("export/directory"), dialog.directory());
    });

    // "Self-host this image…" on the Overview's and the Compare page's rows.
    const auto selfHost = [this, services](const QString &image, const QString &group,
                                           const QString &label) {
        openSelfHost(image, group, label, services);
    };
    connect(m_overview, &OverviewPage::selfHostRequested, this, selfHost);
    connect(m_compare, &ComparePage::selfHostRequested, this, selfHost);

    QAction *settingsAction = toolbar->addAction(tr("&Settings…"));
    settingsAction->setShortcut(QKeySequence::Preferences);
    if (settingsAction->shortcut().isEmpty()) // desktops without a standard one
        settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setToolTip(tr("Images, registries and CI sources"));
    settingsAction->setEnabled(services.config != nullptr);
    connect(settingsAction, &QAction::triggered, this, [this, config = services.config] {
        SettingsDialog dialog(config, this);
        dialog.exec();
    });
}

void MainWindow::createRangeActions()
{
    auto *toolbar = addToolBar(tr("Time range"));
    toolbar->setObjectName(QStringLiteral("range"));
    auto *group = new QActionGroup(this);
    const DashboardState::Preset presets[] = {
        DashboardState::Preset::Hour, DashboardState::Preset::Day, DashboardState::Preset::Week,
        DashboardState::Preset::Month, DashboardState::Preset::Quarter};
    int key = Qt::Key_1;
    for (const DashboardState::Preset preset : presets) {
        QAction *action = toolbar->addAction(DashboardState::presetTitle(preset));
        action->setCheckable(true);
        action->setChecked(m_state->preset() == preset);
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(key++)));
        action->setToolTip(tr("Show the last %1 (%2)")
                               .arg(DashboardState::presetTitle(preset),
                                    action->shortcut().toString(QKeySequence::NativeText)));
        group->addAction(action);
        connect(action, &QAction::triggered, this, [this, preset] { m_state->setPreset(preset); });
        connect(m_state, &DashboardState::changed, action,
                [this, action, preset] { action->setChecked(m_state->preset() == preset); });
    }
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_pages->setCurrentIndex(settings.value(QStringLiteral("window/page"), 0).toInt());
    const int preset = settings.value(QStringLiteral("window/range"), -1).toInt();
    if (preset >= 0 && preset < static_cast<int>(DashboardState::Preset::Custom))
        m_state->setPreset(static_cast<DashboardState::Preset>(preset));
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), m_pages->currentIndex());
    if (m_state->preset() != DashboardState::Preset::Custom)
        settings.setValue(QStringLiteral("window/range"), static_cast<int>(m_state->preset()));
}

} // namespace pw
