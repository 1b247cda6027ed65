#pragma once

#include <QMainWindow>

#include <functional>

class QLabel;
class QTabWidget;

namespace pw {

class ConfigEditor;
class DashboardData;
class PullMonitor;
class ReportExporter;
class DashboardState;
class ComparePage;
class EventsPage;
class FailuresPage;
class FilterBar;
class OverviewPage;
class StatusTray;
class TimelinePage;

// The dashboard's window: the pages, one shared time range and filter (DashboardState), the
// history's size in the status bar. It does no I/O of its own: data comes from DashboardData.
// Window layout, last page and range are remembered.
//
// The services behind the toolbar's actions; each may be absent (the action is then disabled).
struct DashboardServices
{
    PullMonitor *monitor = nullptr;     // Probe now, Import logs…, the scheduler's state
    ReportExporter *exporter = nullptr; // Export…
    ConfigEditor *config = nullptr;     // Settings…
    // Whether a registry builds images on demand (the config's; "Self-host this image…" then
    // also rebuilds the image from its package list). Unset: none does.
    std::function<bool(const QString &registry)> onDemand;
};

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(DashboardState *state, DashboardData *data, const DashboardServices &services = {},
               QWidget *parent = nullptr);
    ~MainWindow() override;

    OverviewPage *overviewPage() const { return m_overview; }
    FailuresPage *failuresPage() const { return m_failures; }
    EventsPage *eventsPage() const { return m_events; }
    ComparePage *comparePage() const { return m_compare; }
    TimelinePage *timelinePage() const { return m_timeline; }
    FilterBar *filterBar() const { return m_filterBar; }
    StatusTray *tray() const { return m_tray; }

private:
    void createRangeActions();
    void createServiceActions(const DashboardServices &services);
    void openSelfHost(const QString &image, const QString &group, const QString &label,
                      const DashboardServices &services);
    void restoreSettings();
    void saveSettings() const;

    DashboardState *m_state;
    DashboardData *m_data;
    QTabWidget *m_pages = nullptr;
    OverviewPage *m_overview = nullptr;
    TimelinePage *m_timeline = nullptr;
    FailuresPage *m_failures = nullptr;
    EventsPage *m_events = nullptr;
    ComparePage *m_compare = nullptr;
    QLabel *m_status = nullptr;
    FilterBar *m_filterBar = nullptr;
    StatusTray *m_tray = nullptr;
};

} // namespace pw
