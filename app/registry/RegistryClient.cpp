#include "registry/RegistryClient.h"

#include <QDateTime>
#include <QHostAddress>

using namespace Qt::StringLiterals;

namespace pw {

RegistryClient::RegistryClient(QList<RegistryConfig> registries, CredentialStore docker,
                               QProcessEnvironment env, QObject *parent)
    : QObject(parent), m_http(this), m_registries(registries),
      m_auth(&m_http, std::move(registries), std::move(docker), std::move(env))
{}

qint64 RegistryClient::defaultTimeoutMs(const ImageReference &reference) const
{
    return isOnDemand(m_registries, reference.registry) ? OnDemandTimeoutMs : DefaultTimeoutMs;
}

bool RegistryClient::isLoopback(const QString &registry)
{
    QString host = registry;
    if (host.startsWith(u'[')) // [::1]:5000
        host = host.mid(1, host.indexOf(u']') - 1);
    else
        host = host.section(u':', 0, 0);
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

RegistryEndpoint RegistryClient::endpoint(const QString &registry) const
{
    const auto configured =
        std::find_if(m_registries.cbegin(), m_registries.cend(),
                     [&](const RegistryConfig &r) { return r.host == registry; });
    const bool listed = configured != m_registries.cend();
    const bool said = listed && configured->insecure.has_value(); // "insecure": true or false
    const bool plain = m_insecure || (said && *configured->insecure);
    RegistryEndpoint endpoint;
    if (listed)
        endpoint.tls.caCertificates = configured->caCertificates;
    if (!plain && !said && isLoopback(registry)) {
        endpoint.plainFallback = true;
        endpoint.tls.verifyPeer = !endpoint.tls.caCertificates.isEmpty();
        endpoint.tls.handshakeTimeoutMs = LoopbackHandshakeMs;
    }
    // The Docker Hub API lives on registry-1.docker.io (distribution/reference normalize.go).
    const QString host = registry == u"docker.io"_s ? u"registry-1.docker.io"_s : registry;
    endpoint.apiBase = m_apiConfirmed.value(registry, QUrl((plain ? u"http://"_s : u"https://"_s) + host));
    if (m_apiConfirmed.contains(registry)) { // the scheme is known now
        endpoint.plainFallback = false;
        endpoint.tls.handshakeTimeoutMs = 0;
    }
    return endpoint;
}

void RegistryClient::probe(const ImageReference &reference, ProbeOptions options,
                           ImageProbe::Done done)
{
    if (options.timeoutMs <= 0)
        options.timeoutMs = defaultTimeoutMs(reference);
    m_waiting[reference.registry].enqueue({reference, std::move(options), std::move(done)});
    startNext(reference.registry);
}

void RegistryClient::startNext(const QString &registry)
{
    auto waiting = m_waiting.find(registry);
    while (waiting != m_waiting.end() && !waiting->isEmpty() &&
           m_running.value(registry) < m_maxPerHost) {
        Queued next = waiting->dequeue();
        ++m_running[registry];
        auto probe = std::make_shared<ImageProbe>(
            &m_http, &m_auth, next.reference, endpoint(registry), std::move(next.options),
            [this, registry, done = std::move(next.done)](const ProbeResult &result) {
                --m_running[registry];
                noteResult(result);
                done(result);
                // Later: the callback may have queued more, and a deep chain unwinds first.
                QMetaObject::invokeMethod(
                    this, [this, registry] { startNext(registry); }, Qt::QueuedConnection);
            });
        if (!m_apiConfirmed.contains(registry))
            probe->checkApiVersionFirst(
                [this, registry](const QUrl &apiBase) { m_apiConfirmed.insert(registry, apiBase); });
        probe->start();
        waiting = m_waiting.find(registry);
    }
    if (waiting != m_waiting.end() && waiting->isEmpty())
        m_waiting.erase(waiting);
}

int RegistryClient::busy() const
{
    int total = 0;
    for (const int count : m_running)
        total += count;
    return total;
}

qint64 RegistryClient::backoffUntilMs(const QString &registry) const
{
    const auto found = m_backoff.constFind(registry);
    if (found == m_backoff.constEnd() || found->untilMs <= QDateTime::currentMSecsSinceEpoch())
        return 0;
    return found->untilMs;
}

void RegistryClient::noteResult(const ProbeResult &result)
{
    const QString &registry = result.reference.registry;
    if (result.category != Category::RateLimit) {
        m_backoff.remove(registry);
        return;
    }
    // Retry-After when the registry says; otherwise 30 s, doubling per 429 up to 30 min.
    Backoff &backoff = m_backoff[registry];
    const qint64 exponential =
        std::min(MaxBackoffMs, MinBackoffMs << std::min(backoff.strikes, 10));
    ++backoff.strikes;
    const qint64 wait =
        result.retryAfterMs > 0 ? std::min(result.retryAfterMs, 24 * 3600'000LL) : exponential;
    backoff.untilMs = QDateTime::currentMSecsSinceEpoch() + wait;
}

} // namespace pw
