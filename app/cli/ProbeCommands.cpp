// pullwatch probe and pullwatch serve: the registry prober on the command line.
#include "cli/CommandLine.h"
#include "cli/CommandLineSupport.h"
#include "registry/ProbeRecorder.h"
#include "registry/ProbeScheduler.h"
#include "services/Poller.h"
#include "history/OpenHistory.h"
#include "TimeFormat.h"
#include "registry/RegistryClient.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pw::cli {

namespace {

nlohmann::ordered_json probeLine(const ProbeResult &result)
{
    using json = nlohmann::ordered_json;
    json line;
    line["ref"] = result.reference.canonical().toStdString();
    line["registry"] = result.reference.registry.toStdString();
    line["outcome"] = result.ok ? "ok" : "fail";
    line["category"] = result.ok ? json(nullptr) : json(categoryId(result.category).toStdString());
    line["http_status"] = result.httpStatus;
    line["digest"] = result.digest.isEmpty() ? json(nullptr) : json(result.digest.toStdString());
    line["latency_ms"] = result.latencyMs;
    line["bytes"] = result.bytes;
    line["ratelimit_remaining"] =
        result.ratelimitRemaining ? json(*result.ratelimitRemaining) : json(nullptr);
    line["message"] = result.message.toStdString();
    return line;
}

// Probe settings for a reference: the config's entry for it, then the command line.
ProbeOptions optionsFor(const Config &config, const ImageReference &reference, bool deep,
                        qint64 timeoutMs)
{
    ProbeOptions options;
    if (const ImageConfig *image = config.image(reference.canonical()))
        options = ProbeOptions::of(*image);
    options.deep = options.deep || deep;
    if (timeoutMs > 0)
        options.timeoutMs = timeoutMs;
    return options;
}

Result<std::unique_ptr<HistoryStore>> openStore(const QCommandLineParser &parser,
                                                      const Config &config)
{
    auto store = openHistory(dbPath(parser));
    if (!store)
        return store;
    if (Status synced = ProbeRecorder(store->get()).syncImages(config); !synced)
        return Error{synced.error()};
    return store;
}

// SIGINT and SIGTERM as a Qt signal, through a socket pair (a handler may only write(2)).
class TerminationSignals : public QObject
{
    Q_OBJECT
public:
    TerminationSignals()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_fds) != 0)
            return;
        m_notifier = new QSocketNotifier(s_fds[1], QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, [this] {
            char signal = 0;
            if (::read(s_fds[1], &signal, 1) == 1)
                emit received(signal);
        });
        struct sigaction action = {};
        action.sa_handler = [](int signal) {
            const char byte = static_cast<char>(signal);
            [[maybe_unused]] const auto written = ::write(s_fds[0], &byte, 1);
        };
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    }
    ~TerminationSignals() override
    {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }

signals:
    void received(int signal);

private:
    static inline int s_fds[2] = {-1, -1};
    QSocketNotifier *m_notifier = nullptr;
};

QString logLine(const ProbeResult &result)
{
    QString line =
        timeformat::toIso8601(result.startedAtMs) + u' ' + result.reference.canonical() + u' ';
    if (result.ok)
        line += u"ok %1 ms %2%3"_s.arg(result.latencyMs)
                    .arg(result.digest.left(19), result.cold ? u" (cold)"_s : QString());
    else
        line += u"fail %1 %2 ms: %3"_s.arg(categoryId(result.category))
                    .arg(result.latencyMs)
                    .arg(result.message);
    return line;
}

} // namespace

int runProbe(const QStringList &arguments)
{
    const QCommandLineOption deep(u"deep"_s, u"Also fetch the manifest and every blob."_s);
    const QCommandLineOption timeout(u"timeout"_s, u"Seconds per probe (default 30; 300 on an on-demand registry such as nixery)."_s,
                                     u"S"_s);
    const QCommandLineOption insecure(u"insecure"_s, u"Use plain HTTP for every registry."_s);
    const QCommandLineOption noStore(u"no-store"_s, u"Do not add the results to the history."_s);
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {deep, timeout, insecure, noStore}, &error))
        return fail(u"probe: "_s + error);

    qint64 timeoutMs = 0;
    if (parser.isSet(timeout)) {
        bool ok = false;
        const double seconds = parser.value(timeout).toDouble(&ok);
        if (!ok || !(seconds > 0) || seconds > 86400)
            return fail(
                u"probe: --timeout must be a number of seconds between 0 and 86400, got \"%1\""_s
                    .arg(parser.value(timeout)));
        timeoutMs = std::max<qint64>(1, static_cast<qint64>(seconds * 1000));
    }
    QList<ImageReference> references;
    for (const QString &input : parser.positionalArguments().mid(1)) {
        Result<ImageReference> reference = ImageReference::parse(input);
        if (!reference)
            return fail(u"probe: "_s + reference.error());
        references.append(*reference);
    }
    if (references.isEmpty())
        return fail(u"probe: give at least one image reference"_s);
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());

    std::unique_ptr<HistoryStore> store;
    if (!parser.isSet(noStore)) {
        auto opened = openStore(parser, *config);
        if (!opened)
            return fail(opened.error());
        store = std::move(*opened);
    }
    ProbeRecorder recorder(store.get());
    recorder.setRegistries(config->registries);
    RegistryClient client(config->registries, CredentialStore());
    client.setInsecure(parser.isSet(insecure));

    // Lines go out in input order, each as soon as it and those before it are done.
    QList<std::optional<ProbeResult>> results(references.size());
    qsizetype printed = 0;
    bool anyFailed = false;
    QString storeError;
    QEventLoop loop;
    for (qsizetype i = 0; i < references.size(); ++i) {
        client.probe(references[i],
                     optionsFor(*config, references[i], parser.isSet(deep), timeoutMs),
                     [&, i](ProbeResult result) {
                         recorder.markCold(result);
                         if (Status stored = recorder.record(result); !stored)
                             storeError = stored.error();
                         anyFailed = anyFailed || !result.ok;
                         results[i] = std::move(result);
                         while (printed < results.size() && results[printed])
                             printJsonLine(probeLine(*results[printed++]));
                         if (printed == results.size())
                             loop.quit();
                     });
    }
    if (printed < results.size())
        loop.exec();
    store.reset(); // flushes
    if (!storeError.isEmpty())
        return fail(storeError);
    return anyFailed ? CheckFailed : Success;
}

int runServe(const QStringList &arguments)
{
    QCommandLineParser parser;
    QString error;
    if (!parse(parser, arguments, {}, &error))
        return fail(u"serve: "_s + error);
    if (!parser.positionalArguments().mid(1).isEmpty())
        return fail(u"serve: unexpected argument \"%1\""_s.arg(parser.positionalArguments().at(1)));
    const Result<Config> config = loadConfig(parser);
    if (!config)
        return fail(config.error());
    if (config->images.isEmpty() && config->ci.isEmpty())
        return fail(
            u"serve: %1 lists no images to probe and no CI sources"_s.arg(config->sourcePath));
    Poller poller(*config, dbPath(parser), Poller::Mode::Live);
    if (Status started = poller.start(); !started)
        return fail(started.error());
    QEventLoop loop;
    int exitCode = Success;
    QObject::connect(&poller, &Poller::recorded, [&](const ProbeResult &result, const QString &error) {
        if (!error.isEmpty()) {
            say(u"pullwatch: "_s + error);
            exitCode = UsageError;
            loop.quit();
            return;
        }
        say(logLine(result));
    });
    QObject::connect(&poller, &Poller::historyError,
                     [](const QString &error) { say(u"pullwatch: "_s + error); });
    QObject::connect(&poller, &Poller::ciRoundFinished, [](const QString &summary, bool) {
        say(timeformat::toIso8601(QDateTime::currentMSecsSinceEpoch()) + u' ' + summary);
    });
    // After a signal: done when neither probes nor CI rounds run any more.
    QObject::connect(&poller, &Poller::idle, &loop, &QEventLoop::quit);

    // On SIGINT/SIGTERM: no new probes; running ones get a few seconds to finish and be
    // stored, then the history is flushed and closed.
    constexpr int GraceMs = 5000;
    TerminationSignals termination;
    QTimer grace;
    grace.setSingleShot(true);
    QObject::connect(&grace, &QTimer::timeout, &loop, [&] {
        const int probes = poller.scheduler() ? poller.scheduler()->running() : 0;
        say(u"pullwatch: serve: abandoning %1 unfinished probes%2"_s.arg(probes).arg(
            poller.ciRunning() ? u" and a CI round"_s : QString()));
        loop.quit();
    });
    QObject::connect(&termination, &TerminationSignals::received, &loop, [&](int signal) {
        if (grace.isActive())
            return;
        say(u"pullwatch: serve: %1, stopping (%2 probes running)"_s
                .arg(signal == SIGINT ? u"interrupted"_s : u"terminated"_s)
                .arg(poller.scheduler() ? poller.scheduler()->running() : 0));
        grace.start(GraceMs);
        poller.stop();
    });

    say(u"pullwatch: serve: probing %1 images and reading %2 CI sources from %3 into %4"_s
            .arg(config->images.size())
            .arg(config->ci.size())
            .arg(config->sourcePath, dbPath(parser)));
    loop.exec();
    return exitCode;
}

} // namespace pw::cli

#include "ProbeCommands.moc"
