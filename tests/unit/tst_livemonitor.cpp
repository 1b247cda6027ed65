// LiveMonitor: the dashboard's probing and log imports against a real registry (Debian's
// docker-registry on loopback) and real history files; the status-bar sentence.
#include "services/LiveMonitor.h"
#include "history/sqlite/SqliteHistoryStore.h"

#include "localregistry.h"
#include "testutil.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace pw;
using localregistry::LocalRegistry;
using localregistry::RegistryBinary;

// Declared first: moc must see the test class before any string that holds a URL.
class TstLiveMonitor : public QObject
{
    Q_OBJECT

private slots:
    void probeNowWritesOneEventPerImage();
    void importLogsStoresTheirPulls();
    void cancelStoresNothingOfTheFile();
    void reloadProbesTheNewImages();
    void ciSourcesArePolled();
    void demoHistoryIsNotProbed();
    void retentionAppliedWhileOpen();
    void closesMidProbeAndMidImport();
    void describeState_data();
    void describeState();
};

namespace {

// No real credentials: an empty Docker config directory and nothing else in the environment.
struct Isolated
{
    QTemporaryDir dockerConfig;
    QProcessEnvironment env() const
    {
        QProcessEnvironment env;
        env.insert(u"DOCKER_CONFIG"_s, dockerConfig.path());
        return env;
    }
};

Config configFor(const QString &json)
{
    Result<Config> config = Config::parse(json.toUtf8(), u"test.json"_s);
    if (!config)
        qFatal("%s", qPrintable(config.error()));
    return *config;
}

// Every event in the history file, oldest first, read through a connection of our own.
QList<PullEvent> eventsIn(const QString &path)
{
    auto store = SqliteHistoryStore::open(path);
    if (!store)
        qFatal("%s", qPrintable(store.error()));
    QList<PullEvent> events;
    const Status status = (*store)->scanEvents(
        {}, {0, QDateTime::currentMSecsSinceEpoch() + 86'400'000}, [&](const PullEvent &event) {
            events.append(event);
            return true;
        });
    if (!status)
        qFatal("%s", qPrintable(status.error()));
    return events;
}

// Lines from tests/data/logs/docker-cli.log: one success, a rate limit, an auth failure.
const QByteArray DockerPullLog = R"(+ docker pull alpine:3.20
3.20: Pulling from library/alpine
a6d43b34b082: Pull complete
Digest: sha256:4b2f4ff4e958f6455e7d5dfc8c2dec0420fcbb4719d67393ae1aeb7d6aff6a71
Status: Downloaded newer image for alpine:3.20
docker.io/library/alpine:3.20
+ docker pull node:20
Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit
+ docker pull acme/private-tools:2.1
Error response from daemon: pull access denied for acme/private-tools, repository does not exist or may require 'docker login': denied: requested access to the resource is denied
)";

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
}

// About 50 MB of build output with a failed pull of a distinct image every 2000 lines.
qint64 writeLargeLog(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    const QByteArray filler = "[build] compiling src/module/component.cpp with -O2 -g -Wall "
                              "-Wextra -pedantic into build/obj/component.o\n";
    qint64 pulls = 0;
    QByteArray block;
    for (int line = 0; file.size() + block.size() < 50'000'000; ++line) {
        if (line % 2000 == 0) {
            block += "+ docker pull example/tool" + QByteArray::number(pulls) +
                     ":1\nError response from daemon: manifest for example/tool" +
                     QByteArray::number(pulls) + ":1 not found: manifest unknown\n";
            ++pulls;
        } else {
            block += filler;
        }
        if (block.size() > (1 << 20)) {
            file.write(block);
            block.clear();
        }
    }
    file.write(block);
    return pulls;
}

} // namespace

void TstLiveMonitor::probeNowWritesOneEventPerImage()
{
    if (!QFile::exists(RegistryBinary))
        QSKIP("needs /usr/bin/docker-registry (Debian package docker-registry)");
    LocalRegistry registry;
    const QString digest = registry.push(u"app/one"_s, u"1"_s);
    const QString present = registry.host() + u"/app/one:1"_s;
    const QString missing = registry.host() + u"/app/missing:1"_s;
    const Config config = configFor(
        uR"({"images": [{"ref": "%1", "group": "tools", "label": "here", "interval": "1h"},
                        {"ref": "%2", "group": "tools", "label": "gone", "interval": "1h"}]})"_s
            .arg(present, missing));
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    Isolated isolated;
    LiveMonitor monitor(config, path, LiveMonitor::Mode::Live, isolated.env());
    QSignalSpy probed(&monitor, &PullMonitor::probed);
    QSignalSpy changed(&monitor, &PullMonitor::historyChanged);

    MonitorState state = monitor.state();
    QVERIFY(state.probing);
    QVERIFY(!state.demo);
    QCOMPARE(state.images, 2);
    QCOMPARE(state.ciSources, 0);

    // The scheduler's first round comes within 5 s (a tenth of the interval, at most 5 s).
    QTRY_COMPARE_WITH_TIMEOUT(probed.size(), 2, 10'000);
    QTRY_VERIFY(changed.size() >= 1);
    QTRY_COMPARE(eventsIn(path).size(), 2);
    // Then the next scheduled probe is an hour away.
    state = monitor.state();
    QCOMPARE(state.probesRunning, 0);
    const qint64 inMs = state.nextProbeAtMs - QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(inMs > 50 * 60'000 && inMs <= 66 * 60'000, qPrintable(QString::number(inMs)));

    probed.clear();
    changed.clear();
    monitor.probeNow();
    QCOMPARE(monitor.state().probesRunning, 2);
    QTRY_COMPARE(probed.size(), 2);
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(monitor.state().probesRunning, 0);

    QHash<QString, std::pair<bool, QString>> outcomes;
    for (const QList<QVariant> &signal : std::as_const(probed))
        outcomes.insert(signal.at(0).toString(), {signal.at(1).toBool(), signal.at(2).toString()});
    QCOMPARE(outcomes.value(present), std::make_pair(true, QString()));
    QCOMPARE(outcomes.value(missing), std::make_pair(false, u"not_found"_s));

    // Written by the monitor, read back through another connection.
    const QList<PullEvent> events = eventsIn(path);
    QCOMPARE(events.size(), 4);
    for (const PullEvent &event : events.mid(2)) {
        QCOMPARE(event.source, Source::Probe);
        if (event.image == present) {
            QVERIFY(event.ok);
            QCOMPARE(event.httpStatus, 200);
            QCOMPARE(event.digest, digest);
        } else {
            QCOMPARE(event.image, missing);
            QVERIFY(!event.ok);
            QCOMPARE(event.category, Category::NotFound);
            QCOMPARE(event.httpStatus, 404);
        }
    }
    // The config's groups and labels are in the history, for reports made from it alone.
    auto store = SqliteHistoryStore::open(path);
    QVERIFY(store);
    QStringList labels;
    for (const ImageInfo &image : (*store)->images())
        labels.append(image.group + u'/' + image.label);
    labels.sort();
    QCOMPARE(labels, QStringList({u"tools/gone"_s, u"tools/here"_s}));
}

void TstLiveMonitor::importLogsStoresTheirPulls()
{
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    QVERIFY(QDir().mkpath(dir.path(u"logs/job-1"_s)));
    writeFile(dir.path(u"logs/job-1/build.log"_s), DockerPullLog);
    LiveMonitor monitor(Config(), path, LiveMonitor::Mode::Live, Isolated().env());
    QSignalSpy progress(&monitor, &PullMonitor::importProgress);
    QSignalSpy finished(&monitor, &PullMonitor::importFinished);
    QSignalSpy changed(&monitor, &PullMonitor::historyChanged);
    QSignalSpy states(&monitor, &PullMonitor::stateChanged);

    monitor.importLogs({dir.path(u"logs"_s)});
    QVERIFY(monitor.state().importing);
    QCOMPARE(states.last().first().value<MonitorState>().importing, true);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30'000);
    QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(0).toString()));
    QCOMPARE(finished.first().at(0).toString(), u"1 files read, 3 pulls stored (2 failed)"_s);
    QVERIFY(!monitor.state().importing);
    QCOMPARE(changed.size(), 1); // before importFinished: pages refresh with the summary
    // Progress starts at nothing and ends at every byte.
    const qint64 size = DockerPullLog.size();
    QVERIFY(progress.size() >= 2);
    QCOMPARE(progress.first(), QList<QVariant>({0LL, size}));
    QCOMPARE(progress.last(), QList<QVariant>({size, size}));

    QList<PullEvent> events = eventsIn(path);
    QCOMPARE(events.size(), 3);
    QMap<QString, Category> categories;
    for (const PullEvent &event : events) {
        QCOMPARE(event.source, Source::Ci);
        QCOMPARE(event.ci.provider, u"files"_s);
        categories.insert(event.image, event.category);
    }
    QCOMPARE(categories.value(u"docker.io/library/alpine:3.20"_s), Category::None);
    QCOMPARE(categories.value(u"docker.io/library/node:20"_s), Category::RateLimit);
    QCOMPARE(categories.value(u"docker.io/acme/private-tools:2.1"_s), Category::Auth);

    // The same directory again adds nothing; a missing path is an error that names it.
    monitor.importLogs({dir.path(u"logs"_s)});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30'000);
    QCOMPARE(finished.last().at(0).toString(),
             u"0 files read, 0 pulls stored (0 failed), 1 files unchanged since the last import"_s);
    monitor.importLogs({dir.path(u"nowhere"_s)});
    QTRY_COMPARE(finished.size(), 3);
    QCOMPARE(finished.last().at(1).toBool(), false);
    QVERIFY(finished.last().at(0).toString().contains(dir.path(u"nowhere"_s)));
    QCOMPARE(eventsIn(path).size(), 3);
}

void TstLiveMonitor::cancelStoresNothingOfTheFile()
{
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    const QString log = dir.path(u"large.log"_s);
    const qint64 pulls = writeLargeLog(log);
    LiveMonitor monitor(Config(), path, LiveMonitor::Mode::Live, Isolated().env());
    QSignalSpy finished(&monitor, &PullMonitor::importFinished);
    QElapsedTimer canceledAt;
    connect(&monitor, &PullMonitor::importProgress, this, [&](qint64 done, qint64 total) {
        if (done > 0 && done < total && !canceledAt.isValid()) {
            canceledAt.start();
            monitor.cancelImport();
        }
    });

    monitor.importLogs({log});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30'000);
    QVERIFY2(canceledAt.isValid(), "the import ended before it reported any progress");
    QVERIFY2(canceledAt.elapsed() < 1000, qPrintable(u"%1 ms"_s.arg(canceledAt.elapsed())));
    QCOMPARE(finished.first().at(1).toBool(), false);
    QVERIFY2(finished.first().at(0).toString().startsWith(u"Import canceled"_s),
             qPrintable(finished.first().at(0).toString()));
    QCOMPARE(eventsIn(path).size(), 0);

    // The whole file comes in on the next import, each pull once.
    monitor.importLogs({log});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60'000);
    QVERIFY2(finished.last().at(1).toBool(), qPrintable(finished.last().at(0).toString()));
    const QList<PullEvent> events = eventsIn(path);
    QCOMPARE(events.size(), pulls);
    QSet<QString> images;
    for (const PullEvent &event : events) {
        QCOMPARE(event.category, Category::NotFound);
        images.insert(event.image);
    }
    QCOMPARE(images.size(), pulls);
}

void TstLiveMonitor::reloadProbesTheNewImages()
{
    if (!QFile::exists(RegistryBinary))
        QSKIP("needs /usr/bin/docker-registry (Debian package docker-registry)");
    LocalRegistry registry;
    registry.push(u"app/new"_s, u"2"_s);
    const QString added = registry.host() + u"/app/new:2"_s;
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    LiveMonitor monitor(Config(), path, LiveMonitor::Mode::Live, Isolated().env());
    QSignalSpy probed(&monitor, &PullMonitor::probed);
    QSignalSpy states(&monitor, &PullMonitor::stateChanged);
    QVERIFY(!monitor.state().probing);
    monitor.probeNow(); // nothing to probe
    QCOMPARE(monitor.state().probesRunning, 0);

    monitor.reload(configFor(
        uR"({"images": [{"ref": "%1", "group": "g", "label": "new", "interval": "1h"}]})"_s.arg(
            added)));
    QVERIFY(monitor.state().probing);
    QCOMPARE(monitor.state().images, 1);
    QCOMPARE(states.last().first().value<MonitorState>().images, 1);
    QTRY_COMPARE_WITH_TIMEOUT(probed.size(), 1, 10'000);
    QCOMPARE(probed.first(), QList<QVariant>({added, true, QString()}));
    QTRY_COMPARE(eventsIn(path).size(), 1);
}

void TstLiveMonitor::ciSourcesArePolled()
{
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    QVERIFY(QDir().mkpath(dir.path(u"ci"_s)));
    writeFile(dir.path(u"ci/job.log"_s), DockerPullLog);
    const Config config =
        configFor(uR"({"ci": [{"provider": "files", "path": "%1"}]})"_s.arg(dir.path(u"ci"_s)));
    LiveMonitor monitor(config, path, LiveMonitor::Mode::Live, Isolated().env());
    QSignalSpy changed(&monitor, &PullMonitor::historyChanged);
    QCOMPARE(monitor.state().ciSources, 1);
    QVERIFY(!monitor.state().probing); // no images

    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 30'000);
    QCOMPARE(eventsIn(path).size(), 3);
    QVERIFY(monitor.state().lastError.isEmpty());
}

void TstLiveMonitor::demoHistoryIsNotProbed()
{
    if (!QFile::exists(RegistryBinary))
        QSKIP("needs /usr/bin/docker-registry (Debian package docker-registry)");
    LocalRegistry registry;
    const QString image = registry.host() + u"/app/demo:1"_s;
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    LiveMonitor monitor(configFor(uR"({"images": [{"ref": "%1", "interval": "10s"}],
                                       "ci": [{"provider": "files", "path": "%2"}]})"_s.arg(
                            image, dir.path(u"ci"_s))),
                        path, LiveMonitor::Mode::Demo, Isolated().env());
    QSignalSpy probed(&monitor, &PullMonitor::probed);

    const MonitorState state = monitor.state();
    QVERIFY(!state.probing);
    QVERIFY(state.demo);
    QCOMPARE(describeMonitorState(state, 0), u"Probing off (demo history)"_s);
    monitor.probeNow();
    QTest::qWait(1500);
    QCOMPARE(probed.size(), 0);
    QCOMPARE(eventsIn(path).size(), 0);

    // Imports still work.
    QSignalSpy finished(&monitor, &PullMonitor::importFinished);
    writeFile(dir.path(u"job.log"_s), DockerPullLog);
    monitor.importLogs({dir.path(u"job.log"_s)});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30'000);
    QVERIFY(finished.first().at(1).toBool());
    QCOMPARE(eventsIn(path).size(), 3);
}

void TstLiveMonitor::retentionAppliedWhileOpen()
{
    // Raw events 1 day and 3 hours old, a retention of 2 days: at start nothing is due. A
    // window left open past the hourly pass, by then 1.5 days later (clock injected), drops
    // the older one, as `serve` would.
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        auto store = SqliteHistoryStore::open(path);
        QVERIFY(store);
        QList<PullEvent> events(2);
        events[0].ts = now - 86'400'000;
        events[1].ts = now - 3 * 3'600'000;
        for (PullEvent &event : events) {
            event.image = u"docker.io/library/busybox:latest"_s;
            event.registry = u"docker.io"_s;
        }
        QVERIFY((*store)->append(events));
    }
    LiveMonitor monitor(configFor(uR"({"retention": "2d"})"_s), path, LiveMonitor::Mode::Demo,
                        Isolated().env());
    QTest::qWait(300);
    QCOMPARE(eventsIn(path).size(), 2);

    monitor.retention().setClock([now] { return now + 36 * 3'600'000; });
    monitor.retention().setInterval(100);
    QTRY_COMPARE_WITH_TIMEOUT(eventsIn(path).size(), 1, 5000);
    QCOMPARE(eventsIn(path).first().ts, now - 3 * 3'600'000);
}

void TstLiveMonitor::closesMidProbeAndMidImport()
{
    if (!QFile::exists(RegistryBinary))
        QSKIP("needs /usr/bin/docker-registry (Debian package docker-registry)");
    LocalRegistry registry;
    TestDir dir;
    const QString path = dir.path(u"history.db"_s);
    const QString log = dir.path(u"large.log"_s);
    writeLargeLog(log);
    const Config config = configFor(
        uR"({"images": [{"ref": "%1/app/a:1"}, {"ref": "%1/app/b:1"}]})"_s.arg(registry.host()));
    {
        auto monitor =
            std::make_unique<LiveMonitor>(config, path, LiveMonitor::Mode::Live, Isolated().env());
        monitor->probeNow();
        QCOMPARE(monitor->state().probesRunning, 2);
    }
    QElapsedTimer clock;
    {
        auto monitor =
            std::make_unique<LiveMonitor>(config, path, LiveMonitor::Mode::Live, Isolated().env());
        // Closed from the first progress report that shows the import under way (polling for
        // it could miss the whole import on an idle machine).
        QSignalSpy finished(monitor.get(), &PullMonitor::importFinished);
        QEventLoop underway;
        connect(monitor.get(), &PullMonitor::importProgress, &underway,
                [&](qint64 done, qint64 total) {
                    if (done > 0 && done < total)
                        underway.quit();
                });
        QTimer::singleShot(30'000, &underway, &QEventLoop::quit);
        monitor->importLogs({log});
        underway.exec();
        QVERIFY(finished.isEmpty());
        clock.start();
    }
    QVERIFY2(clock.elapsed() < 1000, qPrintable(u"closing took %1 ms"_s.arg(clock.elapsed())));
    // Nothing of the interrupted import, and the history opens fine.
    for (const PullEvent &event : eventsIn(path))
        QCOMPARE(event.source, Source::Probe);
}

void TstLiveMonitor::describeState_data()
{
    QTest::addColumn<MonitorState>("state");
    QTest::addColumn<QString>("sentence");

    const qint64 now = 1'747'526'400'000;
    MonitorState probing;
    probing.probing = true;
    probing.images = 4;
    probing.probesRunning = 2;
    probing.nextProbeAtMs = now + 42'100;
    probing.ciSources = 1;
    QTest::newRow("probing with CI")
        << probing << u"Probing 4 images · 2 running · next in 43 s · CI: 1 source"_s;

    MonitorState one;
    one.probing = true;
    one.images = 1;
    one.nextProbeAtMs = now + 240'000;
    QTest::newRow("one image, minutes away") << one << u"Probing 1 image · next in 4 min"_s;

    MonitorState hours = one;
    hours.images = 2;
    hours.nextProbeAtMs = now + 3 * 3600'000;
    hours.ciSources = 3;
    QTest::newRow("hours away") << hours << u"Probing 2 images · next in 3 h · CI: 3 sources"_s;

    MonitorState demo;
    demo.demo = true;
    demo.importing = true;
    QTest::newRow("demo, importing") << demo << u"Probing off (demo history) · importing logs"_s;

    MonitorState noImages;
    noImages.ciSources = 2;
    QTest::newRow("CI only") << noImages << u"Probing off (no images configured) · CI: 2 sources"_s;

    MonitorState failing = one;
    failing.nextProbeAtMs = -1;
    failing.lastError = u"history.db: database is locked\n"_s + QString(100, u'x');
    QTest::newRow("error, shortened")
        << failing
        << u"Probing 1 image · error: history.db: database is locked "_s + QString(48, u'x') +
               QChar(0x2026);
}

void TstLiveMonitor::describeState()
{
    QFETCH(MonitorState, state);
    QFETCH(QString, sentence);
    QCOMPARE(describeMonitorState(state, 1'747'526'400'000), sentence);
}

QTEST_MAIN(TstLiveMonitor)
#include "tst_livemonitor.moc"
