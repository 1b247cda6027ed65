#pragma once

#include "config/Config.h"
#include "registry/Credentials.h"
#include "net/HttpClient.h"
#include "registry/ImageProbe.h"
#include "registry/RegistryAuth.h"

#include <QHash>
#include <QObject>
#include <QQueue>
#include <QSet>

namespace pw {

// Probes images (ImageProbe) with at most maxPerHost probes per registry at once; the rest
// wait in arrival order. Remembers which registries rate-limit (429) and until when to leave
// them alone, for the scheduler.
class RegistryClient : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 DefaultTimeoutMs = 30'000;
    // An on-demand registry (nixery) builds an image on the first request for it: minutes.
    static constexpr qint64 OnDemandTimeoutMs = 300'000;
    static constexpr int DefaultMaxPerHost = 6; // also HttpClient's connections per origin
    // A TLS server on loopback answers a ClientHello within milliseconds; a plain HTTP server
    // may wait for a line end forever. Past this, a loopback registry is tried over HTTP.
    static constexpr qint64 LoopbackHandshakeMs = 2'000;
    static constexpr qint64 MinBackoffMs = 30'000;
    static constexpr qint64 MaxBackoffMs = 30 * 60'000;

    RegistryClient(QList<RegistryConfig> registries, CredentialStore docker,
                   QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                   QObject *parent = nullptr);

    void setMaxPerHost(int limit) { m_maxPerHost = std::max(1, limit); }
    // Every registry is reached over plain HTTP (`probe --insecure`).
    void setInsecure(bool insecure) { m_insecure = insecure; }

    // options.timeoutMs 0 picks the default for the registry. done runs on this thread once.
    void probe(const ImageReference &reference, ProbeOptions options, ImageProbe::Done done);

    // Probes started and not finished, per registry and in all.
    int running(const QString &registry) const { return m_running.value(registry); }
    int busy() const;

    // While a registry is backing off after 429s: until when (epoch ms), else 0.
    qint64 backoffUntilMs(const QString &registry) const;

    // Minutes for an on-demand registry (the config's "on_demand", nixery.dev by default).
    qint64 defaultTimeoutMs(const ImageReference &reference) const;
    // How a registry is reached: https://registry-1.docker.io for docker.io; plain HTTP with
    // `--insecure` or "insecure": true; HTTPS checked against the system store and the
    // registry's ca_file otherwise, except for a loopback registry the config says nothing
    // about, which is reached as docker reaches its default insecure range: HTTPS without
    // checking the certificate (unless a ca_file is given), plain HTTP when it speaks no TLS.
    RegistryEndpoint endpoint(const QString &registry) const;
    static bool isLoopback(const QString &registry);

private:
    struct Queued
    {
        ImageReference reference;
        ProbeOptions options;
        ImageProbe::Done done;
    };
    void startNext(const QString &registry);
    void noteResult(const ProbeResult &result);

    HttpClient m_http;
    QList<RegistryConfig> m_registries;
    RegistryAuth m_auth;
    int m_maxPerHost = DefaultMaxPerHost;
    bool m_insecure = false;
    // Registries whose GET /v2/ answered 200 or 401, at the API base that answered.
    QHash<QString, QUrl> m_apiConfirmed;
    QHash<QString, int> m_running;
    QHash<QString, QQueue<Queued>> m_waiting;
    struct Backoff
    {
        qint64 untilMs = 0;
        int strikes = 0;
    };
    QHash<QString, Backoff> m_backoff;
};

} // namespace pw
