#include "analysis/VerdictText.h"

#include "TimeFormat.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
// "pulling X timed out", "pulling X was refused access", …
QString whatFailed(Category category)
{
    switch (category) {
    case Category::Platform:
        return u"found no manifest for the runner's platform"_s;
    case Category::Integrity:
        return u"got content that did not match its digest"_s;
    case Category::Disk:
        return u"ran out of disk"_s;
    case Category::RateLimit:
        return u"hit the registry's rate limit"_s;
    case Category::Auth:
        return u"was refused access"_s;
    case Category::NotFound:
        return u"found no such image or tag"_s;
    case Category::ServerError:
        return u"got a server error from the registry"_s;
    case Category::Tls:
        return u"failed the TLS handshake"_s;
    case Category::Dns:
        return u"could not resolve the registry's name"_s;
    case Category::Timeout:
        return u"timed out"_s;
    case Category::Connection:
        return u"could not connect to the registry"_s;
    case Category::Transport:
        return u"lost the connection mid-transfer"_s;
    case Category::Canceled:
        return u"was canceled"_s;
    case Category::Backoff:
        return u"was backing off after failed tries"_s;
    default:
        return u"failed"_s;
    }
}

QString when(const CiVerdict &v)
{
    const QString job = v.event.ci.jobName.isEmpty() ? u"a CI job"_s
                                                     : u"job "_s + v.event.ci.jobName;
    return u"%1 UTC, %2: pulling %3 %4"_s.arg(timeformat::toMinute(v.event.ts), job,
                                             v.event.image, whatFailed(v.event.category));
}

QString probesAround(const VerdictEvidence &e)
{
    const QString of = e.sameImage ? QString() : u" of other images on its registry"_s;
    if (e.probes == 1)
        return u"the one probe%1 around it"_s.arg(of);
    return u"the %1 probes%2 around it"_s.arg(e.probes).arg(of);
}

// The failed probes by category, most first: "3 timeout, 1 server_error".
QString failureMix(const VerdictEvidence &e)
{
    QList<std::pair<qint64, Category>> mix;
    for (Category c : FailureCategories)
        if (e.failures[size_t(c)] > 0)
            mix.push_back({e.failures[size_t(c)], c});
    std::stable_sort(mix.begin(), mix.end(), [](auto a, auto b) { return a.first > b.first; });
    QStringList parts;
    for (const auto &[n, c] : mix)
        parts.push_back(u"%1 %2"_s.arg(n).arg(categoryId(c)));
    return parts.join(u", "_s);
}

// A wait that covers the slowest probe with a margin: a quarter more, rounded up to 10 s.
qint64 waitSeconds(qint64 slowestMs)
{
    const double seconds = double(slowestMs) * 1.25 / 1000.0;
    return std::max<qint64>(10, qint64(std::ceil(seconds / 10.0)) * 10);
}

QString runnerAdvice(Category category)
{
    switch (category) {
    case Category::Dns:
        return u"look at the runner's DNS resolver"_s;
    case Category::Connection:
    case Category::Timeout:
    case Category::Transport:
        return u"look at the runner's network and proxy"_s;
    case Category::Tls:
        return u"look at the runner's CA certificates and any TLS-intercepting proxy"_s;
    case Category::Disk:
        return u"free disk on the runner"_s;
    case Category::Auth:
        return u"look at the credentials the job pulls with"_s;
    case Category::NotFound:
    case Category::Platform:
        return u"look at the reference and platform the job pulls"_s;
    case Category::Integrity:
        return u"look at the runner's disk and any caching proxy"_s;
    default:
        return u"look at the runner: its DNS, proxy, disk, credentials and network"_s;
    }
}
} // namespace

QString readableDuration(qint64 ms)
{
    if (ms < 1000)
        return u"%1 ms"_s.arg(ms);
    if (ms < 120'000) // "71 s", as the seed case's cold build is quoted
        return u"%1 s"_s.arg(double(ms) / 1000.0, 0, 'f', ms < 10'000 ? 1 : 0);
    const qint64 s = (ms + 500) / 1000;
    return s % 60 ? u"%1 min %2 s"_s.arg(s / 60).arg(s % 60) : u"%1 min"_s.arg(s / 60);
}

QString verdictAdvice(const CiVerdict &v)
{
    const VerdictEvidence &e = v.evidence;
    switch (v.verdict) {
    case Verdict::RateLimited:
        return v.event.registry == u"docker.io"_s
                   ? u"authenticate the pulls (Docker Hub counts anonymous pulls per IP) or "
                     "pull through a mirror"_s
                   : u"authenticate the pulls or pull through a mirror"_s;
    case Verdict::ImageProblem:
        if (v.event.category == Category::Platform)
            return u"publish the image for the runner's platform, or pin a platform it has"_s;
        if (v.event.category == Category::Auth)
            return u"grant the job's credentials pull access to this repository"_s;
        return u"fix the reference: the registry does not have this tag or repository"_s;
    case Verdict::RegistryOutage:
        return u"wait for the registry, or pull from a mirror or a self-hosted copy"_s;
    case Verdict::SlowPull:
        // Longer than the slowest probe and than the job already waited in vain.
        return u"wait at least %1 s for this image, pre-pull it, or self-host it"_s.arg(
            waitSeconds(std::max({e.maxMs, v.event.latencyMs, qint64(0)})));
    case Verdict::RunnerSide:
        return runnerAdvice(v.event.category);
    case Verdict::NoEvidence:
        break;
    }
    if (e.probes == 0)
        return u"add %1 to the config so it is probed"_s.arg(v.event.image);
    return u"probe %1 more often to tell the registry from the runner"_s.arg(v.event.image);
}

QString verdictSentence(const CiVerdict &v)
{
    const VerdictEvidence &e = v.evidence;
    const QString head = when(v);
    const QString around = probesAround(e);
    switch (v.verdict) {
    case Verdict::RateLimited:
        if (v.event.category == Category::RateLimit)
            return u"%1: rate limited, not an outage — %2."_s.arg(head, v.advice);
        return u"%1; %2 saw the rate limit too (%3): rate limited — %4."_s.arg(
            head, around, failureMix(e), v.advice);
    case Verdict::ImageProblem:
        if (e.failures[size_t(v.event.category)] > 0)
            return u"%1; %2 failed the same way (%3 of %4): the image, not the registry or the "
                   "runner — %5."_s
                .arg(head, around)
                .arg(e.failures[size_t(v.event.category)])
                .arg(e.probes)
                .arg(v.advice);
        return u"%1; no probe of it has ever succeeded: the image, not the registry or the "
               "runner — %2."_s
            .arg(head, v.advice);
    case Verdict::RegistryOutage: {
        QString incident;
        if (e.incident) {
            const Incident &i = *e.incident;
            incident = i.isOpen()
                           ? u", in an incident since %1 UTC still open"_s.arg(
                                 timeformat::toMinute(i.start))
                           : u", in an incident from %1 UTC that lasted %2"_s.arg(
                                 timeformat::toMinute(i.start),
                                 readableDuration(i.recoveredAt - i.start));
        }
        return u"%1; %2 of %3 failed too (%4)%5: a registry outage, not the runner — %6."_s
            .arg(head)
            .arg(e.probesFailed())
            .arg(around, failureMix(e), incident, v.advice);
    }
    case Verdict::SlowPull: {
        const QString all = e.probesOk == e.probes
                                ? u"%1 all succeeded"_s.arg(around)
                                : u"%1 of %2 succeeded"_s.arg(e.probesOk).arg(around);
        const QString cold = e.cold       ? u" (a cold build after a digest change)"_s
                             : e.onDemand ? u" (%1 builds images on demand)"_s.arg(v.event.registry)
                                          : QString();
        return u"%1; %2, the slowest took %3%4: a slow pull, not an outage — %5."_s.arg(
            head, all, readableDuration(e.maxMs), cold, v.advice);
    }
    case Verdict::RunnerSide:
        return u"%1; %2 all succeeded, p50 %3: the registry answered, so %4."_s.arg(
            head, around, readableDuration(e.p50Ms), v.advice);
    case Verdict::NoEvidence:
        break;
    }
    if (e.probes == 0)
        return u"%1; no probe of this image or its registry within ±%2: no evidence either way "
               "— %3."_s
            .arg(head, readableDuration(e.windowMs), v.advice);
    return u"%1; %2 do not settle it (%3 of %4 succeeded): no evidence either way — %5."_s
        .arg(head, around)
        .arg(e.probesOk)
        .arg(e.probes)
        .arg(v.advice);
}

QString summarySentence(const ImageVerdicts &row, const QList<ImageVerdicts> &rows)
{
    QString sentence;
    if (row.ciFailures == 0) {
        sentence = u"No failed CI pulls"_s;
    } else {
        QStringList parts;
        for (Verdict verdict : AllVerdicts) {
            const qint64 n = row.verdicts[size_t(verdict)];
            if (n == 0)
                continue;
            QString part = u"%1 %2"_s.arg(n).arg(verdictTitle(verdict).toLower());
            if (n > 1 && (verdict == Verdict::ImageProblem || verdict == Verdict::RegistryOutage ||
                          verdict == Verdict::SlowPull))
                part += u's';
            if (verdict == Verdict::SlowPull && row.slowP50Ms >= 0)
                part += u" (p50 of the slowest probe %1)"_s.arg(readableDuration(row.slowP50Ms));
            parts.push_back(part);
        }
        sentence = u"%1 failed CI pull%2: %3"_s.arg(row.ciFailures)
                       .arg(row.ciFailures == 1 ? QString() : u"s"_s)
                       .arg(parts.join(u", "_s));
    }
    QStringList others;
    for (const ImageVerdicts &other : rows) {
        if (other.group.isEmpty() || other.group != row.group || other.image == row.image)
            continue;
        const QString name = other.label.isEmpty() ? other.image
                                                   : u"the %1 side (%2)"_s.arg(other.label, other.image);
        others.push_back(u"%1 failed %2 time%3"_s.arg(name)
                             .arg(other.ciFailures)
                             .arg(other.ciFailures == 1 ? QString() : u"s"_s));
    }
    if (!others.isEmpty())
        sentence += u"; in the same range "_s + others.join(u", "_s);
    if (row.avoidable > 0)
        sentence += u"; switching to %1 would have avoided %2 of %3 failed CI pulls in this range"_s
                        .arg(row.otherImage)
                        .arg(row.avoidable)
                        .arg(row.ciFailures);
    return sentence + u'.';
}

} // namespace pw
