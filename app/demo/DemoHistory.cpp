#include "demo/DemoHistory.h"

#include "history/OpenHistory.h"

#include <QFileInfo>
#include <QLockFile>

#include <QCryptographicHash>

#include <cmath>
#include <random>
#include <vector>

namespace pw {

namespace {
constexpr qint64 Minute = 60 * 1000;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;

enum class Profile
{
    Nixery,
    SelfHosted,
    DockerHub,
    Flaky,
    CiOnly // pulled by CI jobs, never probed: nothing to judge its failures by
};

struct DemoImage
{
    const char *ref;
    const char *registry;
    const char *group;
    const char *label;
    Profile profile;
    double weight;      // share of the events
    double warmMs;      // median latency of a warm pull
    qint64 digestEvery; // the image is rebuilt (new digest) about this often
};

constexpr DemoImage Images[] = {
    {"nixery.dev/shell/awscli2/openstackclient/jq/busybox:latest", "nixery.dev", "keystone-tools",
     "nixery", Profile::Nixery, 0.22, 1900, 36 * Hour},
    {"ghcr.io/example/keystone-tools:latest", "ghcr.io", "keystone-tools", "self-hosted",
     Profile::SelfHosted, 0.22, 380, 7 * Day},
    {"nixery.dev/shell/git/kubectl/helm:latest", "nixery.dev", "kube-tools", "nixery",
     Profile::Nixery, 0.14, 1500, 48 * Hour},
    {"registry.example.com/ci/kube-tools:1.30", "registry.example.com", "kube-tools", "self-hosted",
     Profile::SelfHosted, 0.14, 260, 10 * Day},
    {"docker.io/library/busybox:latest", "docker.io", "", "", Profile::DockerHub, 0.18, 650,
     14 * Day},
    {"quay.io/prometheus/node-exporter:v1.8.2", "quay.io", "", "", Profile::Flaky, 0.10, 900,
     30 * Day},
    {"mcr.microsoft.com/mssql/server:2022-latest", "mcr.microsoft.com", "", "", Profile::CiOnly,
     0.02, 4200, 30 * Day},
};
constexpr int ImageCount = int(std::size(Images));

// A stretch of time during which an image fails with some probability.
struct Outage
{
    qint64 start;
    qint64 end;
    Category category;
    double failRate;
};

struct ImageState
{
    std::vector<Outage> outages;
    qint64 nextDigestChange = 0;
    int generation = 0;
    QString digest;
    qint64 coldUntil = 0; // nixery is (re)building the image until then
    size_t outageIndex = 0;
};

QString digestFor(const char *ref, int generation)
{
    const QByteArray seed = QByteArray(ref) + '#' + QByteArray::number(generation);
    return QStringLiteral("sha256:") +
           QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha256).toHex());
}

QString shortRepo(const DemoImage &image)
{
    QString ref = QString::fromLatin1(image.ref);
    ref.remove(0, qsizetype(qstrlen(image.registry)) + 1);
    return ref.left(ref.lastIndexOf(QLatin1Char(':')));
}

// Log lines and registry answers as real tools word them; a few are multi-line or start with
// '=' (a test runner's banner), which CSV export must quote and guard.
QString failureMessage(const DemoImage &image, Category category, Source source, std::mt19937 &rng)
{
    const QString ref = QString::fromLatin1(image.ref);
    const QString host = QString::fromLatin1(image.registry);
    const QString repo = shortRepo(image);
    const int variant = int(rng() % 3);
    switch (category) {
    case Category::Timeout:
        if (source == Source::Probe)
            return QStringLiteral("GET https://%1/v2/%2/manifests/latest: timeout after 120 s "
                                  "(image build still running)")
                .arg(host, repo);
        if (variant == 0)
            return QStringLiteral("Error response from daemon: Get \"https://%1/v2/\": context "
                                  "deadline exceeded (Client.Timeout exceeded while awaiting "
                                  "headers)")
                .arg(host);
        if (variant == 1)
            return QStringLiteral("Failed to pull image \"%1\": rpc error: code = DeadlineExceeded"
                                  " desc = failed to pull and unpack image \"%1\":\nfailed to "
                                  "resolve reference \"%1\": net/http: TLS handshake timeout")
                .arg(ref);
        return QStringLiteral("=== FAIL: could not pull \"%1\", waited 300s for the pod to be "
                              "Running")
            .arg(ref);
    case Category::ServerError:
        if (source == Source::Probe)
            return QStringLiteral("HEAD https://%1/v2/%2/manifests/latest: 500 Internal Server "
                                  "Error")
                .arg(host, repo);
        if (variant == 0)
            return QStringLiteral("Error response from daemon: received unexpected HTTP status: "
                                  "500 Internal Server Error");
        if (variant == 1)
            return QStringLiteral("Failed to pull image \"%1\": rpc error: code = Unknown desc = "
                                  "failed to pull and unpack image \"%1\":\nfailed to copy: "
                                  "httpReadSeeker: failed open: unexpected status code "
                                  "https://%2/v2/%3/manifests/latest: 500 Internal Server Error")
                .arg(ref, host, repo);
        return QStringLiteral("==> docker pull %1 failed, retrying: received unexpected HTTP "
                              "status: 500 Internal Server Error")
            .arg(ref);
    case Category::RateLimit:
        return QStringLiteral("toomanyrequests: You have reached your pull rate limit. You may "
                              "increase the limit by authenticating and upgrading: "
                              "https://www.docker.com/increase-rate-limit");
    case Category::Auth:
        return QStringLiteral("Error response from daemon: pull access denied for %1, repository "
                              "does not exist or may require 'docker login': denied: requested "
                              "access to the resource is denied")
            .arg(ref);
    case Category::NotFound:
        return QStringLiteral("Error response from daemon: manifest for %1 not found: manifest "
                              "unknown: manifest unknown")
            .arg(ref);
    case Category::Dns:
        return QStringLiteral("Error response from daemon: Get \"https://%1/v2/\": dial tcp: "
                              "lookup %1 on 10.0.0.2:53: no such host")
            .arg(host);
    case Category::Transport:
        return QStringLiteral("error pulling image configuration: download failed after attempts=6:"
                              " unexpected EOF");
    case Category::Connection:
        return QStringLiteral("Error response from daemon: Get \"https://%1/v2/\": dial tcp "
                              "104.18.%2.7:443: connect: connection refused")
            .arg(host)
            .arg(rng() % 200);
    case Category::Backoff:
        return QStringLiteral("Back-off pulling image \"%1\"").arg(ref);
    default:
        return QStringLiteral("Error: failed to pull %1").arg(ref);
    }
}

QString ruleFor(Category category, Source source)
{
    if (source == Source::Probe)
        return category == Category::Auth ? QStringLiteral("token")
                                          : QStringLiteral("manifest-head");
    switch (category) {
    case Category::Timeout:
        return QStringLiteral("docker-deadline-exceeded");
    case Category::ServerError:
        return QStringLiteral("docker-unexpected-status-5xx");
    case Category::RateLimit:
        return QStringLiteral("toomanyrequests");
    case Category::Auth:
        return QStringLiteral("docker-pull-access-denied");
    case Category::NotFound:
        return QStringLiteral("manifest-unknown");
    case Category::Dns:
        return QStringLiteral("dial-lookup-no-such-host");
    case Category::Transport:
        return QStringLiteral("unexpected-eof");
    case Category::Connection:
        return QStringLiteral("connection-refused");
    case Category::Backoff:
        return QStringLiteral("kubelet-backoff");
    default:
        return QStringLiteral("pull-failed");
    }
}

int statusFor(Category category)
{
    switch (category) {
    case Category::ServerError:
        return 500;
    case Category::RateLimit:
        return 429;
    case Category::Auth:
        return 401;
    case Category::NotFound:
        return 404;
    default:
        return 0;
    }
}

std::vector<Outage> planOutages(const DemoImage &image, qint64 from, qint64 to, std::mt19937 &rng)
{
    std::vector<Outage> outages;
    std::exponential_distribution<double> gapHours(1.0);
    std::uniform_real_distribution<double> unit(0, 1);
    qint64 t = from;
    for (;;) {
        double meanGapHours = 0;
        Outage o{};
        switch (image.profile) {
        case Profile::Nixery: // 500 bursts while the builder's storage misbehaves
            meanGapHours = 30;
            o = {0, 0, Category::ServerError, 0.7};
            break;
        case Profile::SelfHosted: // rare, short: a token rotation or a dropped connection
            meanGapHours = 240;
            o = {0, 0, unit(rng) < 0.5 ? Category::Auth : Category::Transport, 0.9};
            break;
        case Profile::DockerHub: // handled by the working-hours rate limit below
            meanGapHours = 400;
            o = {0, 0, Category::Connection, 0.8};
            break;
        case Profile::Flaky:
            meanGapHours = 60;
            o = {0, 0, unit(rng) < 0.6 ? Category::Dns : Category::NotFound, 0.85};
            break;
        case Profile::CiOnly:
            meanGapHours = 120;
            o = {0, 0, Category::ServerError, 0.5};
            break;
        }
        t += qint64(gapHours(rng) * meanGapHours * double(Hour));
        if (t >= to)
            break;
        const qint64 length = qint64((10 + unit(rng) * 80) * double(Minute));
        o.start = t;
        o.end = t + length;
        outages.push_back(o);
        t += length;
    }
    return outages;
}
} // namespace

struct DemoHistory::State
{
    DemoOptions options;
    std::mt19937 rng;
    std::uniform_real_distribution<double> unit{0, 1};
    std::normal_distribution<double> normal{0, 1};
    std::vector<ImageState> states;
    std::vector<double> cumulative;
    double sum = 0;
    QString refs[ImageCount];
    QString registries[ImageCount];
    qint64 runId = 9100000000;
    qint64 jobId = 26000000000;
    CiContext job;
    int jobPullsLeft = 0;
    qint64 made = 0;

    PullEvent next();
};

DemoHistory::DemoHistory(const DemoOptions &options) : d(std::make_unique<State>())
{
    d->options = options;
    d->rng.seed(options.seed);
    const qint64 start = options.endMs - options.spanMs;
    d->states.resize(ImageCount);
    for (int i = 0; i < ImageCount; ++i) {
        const DemoImage &image = Images[i];
        ImageState &state = d->states[size_t(i)];
        state.outages = planOutages(image, start, options.endMs, d->rng);
        state.nextDigestChange = start + qint64(d->unit(d->rng) * double(image.digestEvery));
        state.digest = digestFor(image.ref, 0);
        d->sum += image.weight;
        d->cumulative.push_back(d->sum);
        d->refs[i] = QString::fromLatin1(image.ref);
        d->registries[i] = QString::fromLatin1(image.registry);
    }
}

DemoHistory::~DemoHistory() = default;

QList<ImageInfo> DemoHistory::images() const
{
    QList<ImageInfo> list;
    for (int i = 0; i < ImageCount; ++i) {
        ImageInfo info;
        info.image = d->refs[i];
        info.registry = d->registries[i];
        info.group = QString::fromLatin1(Images[i].group);
        info.label = QString::fromLatin1(Images[i].label);
        list.append(info);
    }
    return list;
}

bool DemoHistory::nextBatch(std::vector<PullEvent> &batch, qint64 maxEvents)
{
    batch.clear();
    while (d->made < d->options.events && qint64(batch.size()) < maxEvents)
        batch.push_back(d->next());
    return !batch.empty();
}

Status DemoHistory::write(HistoryStore &store, const DemoOptions &options, const Progress &progress)
{
    DemoHistory demo(options);
    for (const ImageInfo &info : demo.images()) {
        if (Status s = store.setImageInfo(info.image, info.group, info.label); !s)
            return s;
    }
    std::vector<PullEvent> batch;
    qint64 written = 0;
    while (demo.nextBatch(batch)) {
        if (Status s = store.append(batch); !s)
            return s;
        written += qint64(batch.size());
        if (progress && !progress(written))
            return Error{QStringLiteral("demo canceled")};
    }
    return {};
}

Status DemoHistory::create(const QString &location, const DemoOptions &options,
                          const Progress &progress, const std::function<void()> &waiting)
{
    // Deleting a history another demo is writing would leave both's events in one.
    QLockFile lock(location + QStringLiteral(".lock"));
    if (!lock.tryLock(0)) {
        if (waiting)
            waiting();
        if (!lock.lock())
            return Error{QStringLiteral("%1.lock: cannot lock: another demo holds it").arg(location)};
    }
    if (QFileInfo::exists(location)) {
        {
            Result<std::unique_ptr<HistoryStore>> old = openHistory(location);
            if (!old)
                return Error{old.error()};
            if ((*old)->eventCount() > 0 &&
                (*old)->metadata(QStringLiteral("origin")) != QLatin1StringView("demo"))
                return Error{QStringLiteral("%1: holds a history of %2 events that pullwatch demo "
                                            "did not write; choose another --db")
                                 .arg(location)
                                 .arg((*old)->eventCount())};
        }
        if (Status removed = removeHistory(location); !removed)
            return removed;
    }
    Result<std::unique_ptr<HistoryStore>> store = openHistory(location);
    if (!store)
        return Error{store.error()};
    if (Status marked = (*store)->setMetadata(QStringLiteral("origin"), QStringLiteral("demo"));
        !marked)
        return marked;
    return write(**store, options, progress);
}

PullEvent DemoHistory::State::next()
{
    const qint64 start = options.endMs - options.spanMs;
    const double step = double(options.spanMs) / double(options.events);
    const qint64 n = made++;
    PullEvent e;
    e.ts = start + qint64(double(n) * step);
    const double pick = unit(rng) * sum;
    const int i =
        int(std::lower_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin()) %
        ImageCount;
    const DemoImage &image = Images[i];
    ImageState &state = states[size_t(i)];
    e.image = refs[i];
    e.registry = registries[i];
    e.source = image.profile != Profile::CiOnly && unit(rng) < 0.75 ? Source::Probe : Source::Ci;

    while (e.ts >= state.nextDigestChange) {
        state.digest = digestFor(image.ref, ++state.generation);
        state.nextDigestChange += qint64(double(image.digestEvery) * (0.6 + 0.8 * unit(rng)));
        state.coldUntil = e.ts + qint64((5 + 20 * unit(rng)) * double(Minute));
    }
    while (state.outageIndex < state.outages.size() && state.outages[state.outageIndex].end <= e.ts)
        ++state.outageIndex;

    double latency = image.warmMs * std::exp(0.35 * normal(rng));
    e.cold = image.profile == Profile::Nixery && e.ts < state.coldUntil;
    Category failure = Category::None;
    if (e.cold) {
        // After a nixpkgs update nixery builds the image on the first pulls: minutes, not
        // seconds. A job that waits a minute for its pod gives up; the probes wait five.
        latency = 50000 * std::exp(0.6 * normal(rng));
        const double gaveUpAfter = e.source == Source::Ci ? 60000 : 300000;
        if (latency > gaveUpAfter) {
            failure = Category::Timeout;
            latency = gaveUpAfter;
        }
    }
    if (failure == Category::None && state.outageIndex < state.outages.size()) {
        const Outage &o = state.outages[state.outageIndex];
        if (e.ts >= o.start && unit(rng) < o.failRate)
            failure = o.category;
    }
    if (failure == Category::None && image.profile == Profile::DockerHub) {
        const int hour = int((e.ts % Day) / Hour);
        if (hour >= 8 && hour < 18 && e.source == Source::Ci && unit(rng) < 0.25)
            failure = Category::RateLimit; // shared runner IPs exhaust the anonymous quota
    }
    if (failure == Category::None && unit(rng) < 0.002)
        failure = Category::Transport;
    if (failure == Category::None && e.source == Source::Ci && unit(rng) < 0.003)
        failure = Category::Dns; // the runner's resolver, while the registry answers probes
    if (failure != Category::None && e.source == Source::Ci && unit(rng) < 0.08)
        failure = Category::Backoff; // kubelet only said "Back-off pulling image"

    e.ok = failure == Category::None;
    e.category = failure;
    e.digest = e.ok ? state.digest : QString();
    if (e.source == Source::Probe) {
        e.latencyMs = qint64(latency);
        e.httpStatus = e.ok ? 200 : statusFor(failure);
        e.bytes = e.ok && unit(rng) < 0.1 ? 20000000 + qint64(unit(rng) * 30000000) : 0;
    } else {
        e.latencyMs = failure == Category::Timeout ? qint64(latency)
                      : unit(rng) < 0.6           ? qint64(latency * 1.4)
                                                  : -1;
        e.httpStatus = statusFor(failure);
        if (jobPullsLeft-- <= 0) { // a CI job pulls several images before the next starts
            const bool github = unit(rng) < 0.65;
            jobPullsLeft = 4 + int(rng() % 11);
            ++jobId;
            if (unit(rng) < 0.3)
                ++runId;
            job.provider = github ? QStringLiteral("github") : QStringLiteral("gitlab");
            job.repo = github ? QStringLiteral("rook/rook") : QStringLiteral("group/app");
            job.runId = QString::number(runId);
            job.jobId = QString::number(jobId);
            job.jobName = github ? QStringLiteral("canary-integration-test (1.30, \"multus\")")
                                 : QStringLiteral("build:images, amd64");
            job.jobUrl = github ? QStringLiteral("https://github.com/rook/rook/actions/runs/"
                                                 "%1/job/%2")
                                      .arg(runId)
                                      .arg(jobId)
                                : QStringLiteral("https://gitlab.example.com/group/app/-/jobs/"
                                                 "%1")
                                      .arg(jobId);
        }
        e.ci = job;
        e.ciLine = 40 + int(rng() % 900);
        e.rule = e.ok ? QStringLiteral("docker-status-downloaded") : ruleFor(failure, e.source);
        if (e.ok)
            e.message = QStringLiteral("Status: Downloaded newer image for %1").arg(e.image);
    }
    if (!e.ok) {
        e.message = failureMessage(image, failure, e.source, rng);
        if (e.source == Source::Probe)
            e.rule = ruleFor(failure, e.source);
    }
    return e;
}

} // namespace pw
