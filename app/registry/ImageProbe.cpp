#include "registry/ImageProbe.h"

#include "net/HttpFailure.h"
#include "registry/RegistryAuth.h"

#include <QDateTime>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
QString shortDigest(const QString &digest)
{
    return digest.left(19); // "sha256:" + 12 hex, as docker prints layer ids
}

QString formatBytes(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}
} // namespace

ImageProbe::ImageProbe(HttpClient *http, RegistryAuth *auth, ImageReference reference,
                       RegistryEndpoint endpoint, ProbeOptions options, Done done)
    : m_http(http), m_auth(auth), m_endpoint(std::move(endpoint)), m_options(std::move(options)),
      m_done(std::move(done))
{
    m_result.reference = std::move(reference);
}

void ImageProbe::start()
{
    m_clock.start();
    m_result.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (const auto error = m_auth->credentialError(m_result.reference.registry))
        return fail(Category::Auth, 0, u"credentials"_s, *error);
    if (m_onApiConfirmed)
        return checkApiVersion();
    probeManifest();
}

void ImageProbe::checkApiVersionFirst(std::function<void(const QUrl &)> onConfirmed)
{
    m_onApiConfirmed = std::move(onConfirmed);
}

void ImageProbe::checkApiVersion()
{
    // OCI end-1: 200 or 401 means a distribution API lives here; anything else that it does
    // not, which a manifest 404 alone would misreport as a missing image.
    HttpRequest request;
    request.url = m_endpoint.apiBase;
    request.url.setPath(u"/v2/"_s);
    request.timeoutMs = remainingMs();
    request.tls = m_endpoint.tls;
    m_http->send(std::move(request), [self = shared_from_this()](const HttpResponse &response) {
        RegistryEndpoint &endpoint = self->m_endpoint;
        if (response.failed() && response.tlsNotSpoken && endpoint.plainFallback) {
            // No TLS on that port: docker then tries plain HTTP, and so does this probe.
            endpoint.apiBase.setScheme(u"http"_s);
            endpoint.plainFallback = false;
            return self->checkApiVersion();
        }
        if (response.failed())
            return self->failTransport(response, u"version"_s, u"GET"_s);
        if (response.status != 200 && response.status != 401) {
            self->noteRateLimit(response);
            return self->failHttp(
                response, u"version"_s,
                u"GET %1 (no registry API here)"_s.arg(HttpClient::displayUrl(response.finalUrl)));
        }
        std::exchange(self->m_onApiConfirmed, nullptr)(endpoint.apiBase);
        self->probeManifest();
    });
}

void ImageProbe::probeManifest()
{
    const ImageReference &ref = m_result.reference;
    if (m_options.deep)
        getManifest(ref.digest.isEmpty() ? ref.tag : ref.digest, ref.digest, true);
    else
        headManifest();
}

QUrl ImageProbe::url(const QString &path) const
{
    QUrl url = m_endpoint.apiBase;
    url.setPath(u"/v2/"_s + m_result.reference.repository + path);
    return url;
}

qint64 ImageProbe::remainingMs() const
{
    return m_options.timeoutMs - m_clock.elapsed();
}

void ImageProbe::noteRateLimit(const HttpResponse &response)
{
    // Docker Hub: "ratelimit-limit: 100;w=21600", "ratelimit-remaining: 76;w=21600".
    if (auto limit = probe::parseRateLimitCount(response.header("ratelimit-limit")))
        m_result.ratelimitLimit = limit;
    if (auto remaining = probe::parseRateLimitCount(response.header("ratelimit-remaining")))
        m_result.ratelimitRemaining = remaining;
}

void ImageProbe::registryRequest(HttpRequest request, Handler handler, int authRetries,
                                 QByteArray authorization)
{
    if (remainingMs() <= 0) {
        HttpResponse late;
        late.timedOut = true;
        late.finalUrl = request.url;
        return handler(late);
    }
    request.authorization =
        !authorization.isEmpty()
            ? std::move(authorization)
            : m_auth->authorization(m_result.reference.registry, m_result.reference.repository,
                                    QDateTime::currentMSecsSinceEpoch());
    request.timeoutMs = remainingMs();
    request.tls = m_endpoint.tls;
    const HttpRequest sent = request;
    m_http->send(std::move(request), [self = shared_from_this(), sent, handler,
                                      authRetries](const HttpResponse &response) {
        self->noteRateLimit(response);
        // Only the registry's own 401 starts the token dance, not one from a redirect target.
        if (response.status != 401 || authRetries == 0 || response.redirects > 0)
            return handler(response);
        self->m_auth->answer(
            self->m_result.reference.registry, self->m_result.reference.repository, response,
            sent.authorization, sent.tls, self->remainingMs(),
            [self, sent, handler, authRetries, status = response.status](const AuthAnswer &answer) {
                if (!answer.ok())
                    return self->fail(answer.category,
                                      answer.httpStatus ? answer.httpStatus : status, u"auth"_s,
                                      answer.message);
                self->registryRequest(sent, handler, authRetries - 1, answer.authorization);
            });
    });
}

void ImageProbe::headManifest()
{
    const ImageReference &ref = m_result.reference;
    HttpRequest request;
    request.method = "HEAD";
    request.url = url(u"/manifests/"_s + (ref.digest.isEmpty() ? ref.tag : ref.digest));
    request.headers = {{"Accept", manifestAcceptHeader()}};
    registryRequest(request, [self = shared_from_this(),
                              head = request](const HttpResponse &response) {
        if (response.failed())
            return self->failTransport(response, u"manifest"_s, u"HEAD manifest"_s);
        if (response.status == 200) {
            const QString digest = QString::fromLatin1(response.header("Docker-Content-Digest"));
            if (isSha256Digest(digest)) {
                self->m_result.digest = digest;
                return self->succeed();
            }
            // No digest header (nixery): the digest is the sha256 of the bytes a GET serves.
            return self->getManifest(self->m_result.reference.digest.isEmpty()
                                         ? self->m_result.reference.tag
                                         : self->m_result.reference.digest,
                                     self->m_result.reference.digest, true);
        }
        if (response.status == 401)
            return self->failHttp(response, u"manifest"_s, u"HEAD manifest"_s);
        // A HEAD error has no body; the GET's body names the registry's error code (a failed
        // GET does not count as a pull on Docker Hub).
        HttpRequest get = head;
        get.method = "GET";
        self->registryRequest(get, [self, headResponse = response](const HttpResponse &body) {
            const HttpResponse &use =
                !body.failed() && body.status == headResponse.status ? body : headResponse;
            self->failHttp(use, u"manifest"_s, u"manifest"_s);
        });
    });
}

void ImageProbe::getManifest(const QString &reference, const QString &expectedDigest, bool top)
{
    HttpRequest request;
    request.url = url(u"/manifests/"_s + reference);
    request.headers = {{"Accept", manifestAcceptHeader()}};
    registryRequest(request,
                    [self = shared_from_this(), expectedDigest, top](const HttpResponse &response) {
                        self->onManifest(response, expectedDigest, top);
                    });
}

void ImageProbe::onManifest(const HttpResponse &response, const QString &expectedDigest, bool top)
{
    if (response.failed())
        return failTransport(response, u"manifest"_s, u"GET manifest"_s);
    if (response.status != 200)
        return failHttp(response, u"manifest"_s, u"manifest"_s);

    const QString actual = u"sha256:"_s + QString::fromLatin1(response.bodySha256);
    const QString header = QString::fromLatin1(response.header("Docker-Content-Digest"));
    if (!expectedDigest.isEmpty() && expectedDigest != actual)
        return fail(Category::Integrity, 200, u"manifest"_s,
                    u"manifest verification failed: asked for %1, got content with digest %2"_s.arg(
                        expectedDigest, actual));
    if (isSha256Digest(header) && header != actual)
        return fail(
            Category::Integrity, 200, u"manifest"_s,
            u"manifest verification failed: Docker-Content-Digest says %1, content has %2"_s.arg(
                header, actual));
    if (top)
        m_result.digest = actual;
    if (!m_options.deep)
        return succeed();

    const Result<Manifest> manifest =
        Manifest::parse(response.body, response.header("Content-Type"));
    if (!manifest)
        return fail(Category::Unknown, 200, u"manifest"_s, manifest.error());
    if (manifest->kind == Manifest::Kind::Index) {
        if (!top)
            return fail(Category::Unknown, 200, u"manifest"_s,
                        u"an index entry points at another index"_s);
        const std::optional<Descriptor> entry = manifest->entryFor(m_options.platform);
        if (!entry)
            return fail(Category::Platform, 200, u"platform"_s,
                        u"no matching manifest for %1 in the manifest list entries"_s.arg(
                            m_options.platform));
        return getManifest(entry->digest, entry->digest, false);
    }
    m_blobs = {manifest->config};
    m_blobs.append(manifest->layers);
    fetchBlob(0);
}

void ImageProbe::fetchBlob(qsizetype index)
{
    if (index == m_blobs.size() || m_budgetReached) {
        const double seconds = std::max<qint64>(m_blobMs, 1) / 1000.0;
        QString message =
            u"deep pull: %1 of %2 blobs, %3 in %4 ms (%5/s), first byte after %6 ms"_s.arg(index)
                .arg(m_blobs.size())
                .arg(formatBytes(m_blobBytes))
                .arg(m_blobMs)
                .arg(formatBytes(static_cast<qint64>(m_blobBytes / seconds)))
                .arg(m_result.firstByteMs);
        if (m_budgetReached)
            message +=
                u"; stopped at the byte budget of %1"_s.arg(formatBytes(m_options.byteBudget));
        return succeed(message);
    }
    const Descriptor blob = m_blobs.at(index);
    HttpRequest request;
    request.url = url(u"/blobs/"_s + blob.digest);
    request.keepBody = false;
    // Read at most one byte beyond the declared size: an endless blob is an integrity failure
    // after size + 1 bytes, not a download that stops at the budget and passes.
    const qint64 budgetLeft = m_options.byteBudget - m_blobBytes;
    const bool sizeBound = blob.size < budgetLeft;
    request.byteLimit = sizeBound ? blob.size + 1 : budgetLeft;
    const qint64 startedMs = m_clock.elapsed();
    registryRequest(request, [self = shared_from_this(), blob, index, startedMs,
                              sizeBound](const HttpResponse &response) {
            const QString what = u"blob "_s + shortDigest(blob.digest);
            if (response.failed())
                return self->failTransport(response, u"blob"_s, what);
            if (response.status != 200)
                return self->failHttp(response, u"blob"_s, what);
            if (self->m_result.firstByteMs < 0)
                self->m_result.firstByteMs = startedMs + response.firstByteMs;
            self->m_blobBytes += response.bodyBytes;
            self->m_blobMs += response.elapsedMs;
            if (response.bodyBytes > blob.size)
                return self->fail(Category::Integrity, 200, u"blob"_s,
                                  u"blob %1 sends more than the %2 bytes its descriptor says"_s
                                      .arg(blob.digest)
                                      .arg(blob.size));
            if (response.truncated && !sizeBound) {
                self->m_budgetReached = true;
                return self->fetchBlob(index + 1);
            }
            const QString actual = u"sha256:"_s + QString::fromLatin1(response.bodySha256);
            if (actual != blob.digest)
                return self->fail(
                    Category::Integrity, 200, u"blob"_s,
                    u"filesystem layer verification failed for digest %1 (content has %2)"_s.arg(
                        blob.digest, actual));
            if (response.bodyBytes != blob.size)
                return self->fail(Category::Integrity, 200, u"blob"_s,
                                  u"blob %1 is %2 bytes, its descriptor says %3"_s.arg(blob.digest)
                                      .arg(response.bodyBytes)
                                      .arg(blob.size));
            self->fetchBlob(index + 1);
        });
}

void ImageProbe::succeed(QString message)
{
    m_result.ok = true;
    m_result.category = Category::None;
    m_result.httpStatus = 200;
    m_result.step = m_options.deep ? u"deep"_s : u"head"_s;
    m_result.message = std::move(message);
    finish();
}

void ImageProbe::fail(Category category, int httpStatus, const QString &step,
                      const QString &message)
{
    m_result.ok = false;
    m_result.category = category;
    m_result.httpStatus = httpStatus;
    m_result.step = step;
    m_result.message = message;
    finish();
}

void ImageProbe::finish()
{
    m_result.latencyMs = m_clock.elapsed();
    m_result.bytes = m_blobBytes;
    // The history keeps Docker Hub's pull allowance with the event that saw it.
    if (m_result.ratelimitRemaining) {
        QString allowance = u"ratelimit-remaining %1"_s.arg(*m_result.ratelimitRemaining);
        if (m_result.ratelimitLimit)
            allowance += u" of %1"_s.arg(*m_result.ratelimitLimit);
        m_result.message =
            m_result.message.isEmpty() ? allowance : m_result.message + u"; "_s + allowance;
    }
    // Whatever the registry echoed (a body, a redirect's URL) never carries a credential on.
    m_result.message = m_http->secrets().apply(m_result.message);
    if (m_done)
        std::exchange(m_done, nullptr)(m_result);
}

void ImageProbe::failHttp(const HttpResponse &response, const QString &step, const QString &what)
{
    const QString said = probe::registryErrors(response.body);
    const Category category =
        probe::categoryForStatus(response.status, probe::registryErrorCodes(response.body));
    if (category == Category::RateLimit)
        m_result.retryAfterMs = http::parseRetryAfter(response.header("Retry-After"),
                                                       QDateTime::currentMSecsSinceEpoch());
    QString message = u"%1: HTTP %2"_s.arg(what).arg(response.status);
    if (!said.isEmpty())
        message += u' ' + said;
    else if (!response.reason.isEmpty())
        message += u' ' + response.reason;
    fail(category, response.status, step, message);
}

void ImageProbe::failTransport(const HttpResponse &response, const QString &step,
                               const QString &what)
{
    const QString why = response.timedOut
                            ? u"no response within %1 s"_s.arg(m_options.timeoutMs / 1000.0)
                            : http::describeTransport(response);
    fail(http::categoryForTransport(response), response.status, step,
         u"%1 %2: %3"_s.arg(what, HttpClient::displayUrl(response.finalUrl), why));
}

} // namespace pw
