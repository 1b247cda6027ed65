#pragma once

#include "config/Config.h"
#include "net/HttpClient.h"
#include "registry/Manifest.h"
#include "registry/ProbeResult.h"

#include <QElapsedTimer>
#include <QUrl>

#include <functional>
#include <memory>

namespace pw {

class RegistryAuth;

// Where a registry's API is and how to reach it.
struct RegistryEndpoint
{
    QUrl apiBase; // https://host[:port] or http://…
    TlsSettings tls;
    // On https: when the host speaks no TLS, try the same port over plain HTTP (docker's
    // default insecure range).
    bool plainFallback = false;
};

struct ProbeOptions
{
    bool deep = false;
    qint64 timeoutMs = 30'000;                        // the whole probe, token and blobs included
    QString platform = QStringLiteral("linux/amd64"); // picked from an index by a deep probe
    qint64 byteBudget = 256LL << 20;                  // blob bytes a deep probe may download

    // What the config says for an image (a timeout of 0: the registry's default).
    static ProbeOptions of(const ImageConfig &image)
    {
        ProbeOptions options;
        options.deep = image.deep;
        options.platform = image.platform;
        options.timeoutMs = image.timeoutMs;
        return options;
    }
};

// One probe of one image, as a chain of requests (DESIGN.md "Registry probe"):
//  - HEAD the manifest with the full Accept list, answering 401s through RegistryAuth; without
//    a Docker-Content-Digest (nixery), GET the manifest and hash its bytes;
//  - deep: GET the manifest (and the platform's child of an index), then every blob, following
//    redirects without Authorization to other hosts, verifying digests and sizes, within a
//    byte budget.
// Owns itself while running: start() keeps it alive until done has run.
class ImageProbe : public std::enable_shared_from_this<ImageProbe>
{
public:
    using Done = std::function<void(ProbeResult)>;

    ImageProbe(HttpClient *http, RegistryAuth *auth, ImageReference reference,
               RegistryEndpoint endpoint, ProbeOptions options, Done done);

    // Before the manifest, GET /v2/ to learn whether the host serves the registry API at all;
    // onConfirmed runs with the API base that answered (the client then skips the check for
    // later probes, and goes to that base).
    void checkApiVersionFirst(std::function<void(const QUrl &)> onConfirmed);
    void start();

private:
    using Handler = std::function<void(const HttpResponse &)>;

    // A request to the registry with the given authorization, else the current one for the
    // registry; a 401 is answered through RegistryAuth and the request sent again (at most twice:
    // a cached token can turn out expired, then the fresh one is final).
    void registryRequest(HttpRequest request, Handler handler, int authRetries = 2,
                         QByteArray authorization = {});
    void checkApiVersion();
    void probeManifest();
    void headManifest();
    void getManifest(const QString &reference, const QString &expectedDigest, bool top);
    void fetchBlob(qsizetype index);
    void onManifest(const HttpResponse &response, const QString &expectedDigest, bool top);

    QUrl url(const QString &path) const;
    qint64 remainingMs() const;
    void noteRateLimit(const HttpResponse &response);

    void succeed(QString message = {});
    void fail(Category category, int httpStatus, const QString &step, const QString &message);
    void finish();
    void failHttp(const HttpResponse &response, const QString &step, const QString &what);
    void failTransport(const HttpResponse &response, const QString &step, const QString &what);

    HttpClient *m_http;
    RegistryAuth *m_auth;
    RegistryEndpoint m_endpoint;
    ProbeOptions m_options;
    Done m_done;
    std::function<void(const QUrl &)> m_onApiConfirmed;
    ProbeResult m_result;
    QElapsedTimer m_clock;
    QList<Descriptor> m_blobs;
    qint64 m_blobBytes = 0;
    qint64 m_blobMs = 0;
    bool m_budgetReached = false;
};

} // namespace pw
