#include "registry/RegistryAuth.h"

#include "net/HttpFailure.h"
#include "registry/AuthChallenge.h"
#include "registry/ProbeResult.h"

#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
QByteArray basic(const Credential &credential)
{
    return "Basic " + (credential.username + u':' + credential.secret).toUtf8().toBase64();
}

QString pullScope(const QString &repository)
{
    return u"repository:"_s + repository + u":pull"_s;
}

AuthAnswer failure(Category category, int status, QString message)
{
    return AuthAnswer{{}, category, status, std::move(message)};
}
} // namespace

RegistryAuth::RegistryAuth(HttpClient *http, QList<RegistryConfig> registries,
                           CredentialStore docker, QProcessEnvironment env)
    : m_http(http), m_registries(std::move(registries)), m_docker(std::move(docker)),
      m_env(std::move(env))
{}

const Result<std::optional<Credential>> &RegistryAuth::credential(const QString &registry)
{
    auto found = m_credentials.constFind(registry);
    if (found != m_credentials.constEnd())
        return *found;
    const auto configured =
        std::find_if(m_registries.cbegin(), m_registries.cend(),
                     [&](const RegistryConfig &r) { return r.host == registry; });
    Result<std::optional<Credential>> result =
        configured != m_registries.cend() && configured->authType != u"none"
            ? CredentialStore::fromConfig(*configured, m_env)
            : m_docker.forRegistry(registry);
    if (result && *result) {
        // Masked from the start: a server may echo a credential sent in a form body, too.
        const Credential &found = **result;
        m_http->addSecret(found.secret.toUtf8());
        if (found.kind == Credential::Kind::Password)
            m_http->addSecret((found.username + u':' + found.secret).toUtf8());
    }
    return *m_credentials.insert(registry, std::move(result));
}

std::optional<QString> RegistryAuth::credentialError(const QString &registry)
{
    const auto &result = credential(registry);
    if (result)
        return std::nullopt;
    return result.error();
}

QByteArray RegistryAuth::authorization(const QString &registry, const QString &repository,
                                       qint64 nowMs)
{
    const auto &result = credential(registry);
    const std::optional<Credential> credential = result ? *result : std::nullopt;
    if (credential && credential->kind == Credential::Kind::RegistryToken)
        return "Bearer " + credential->secret.toUtf8();

    const auto challenge = m_challenges.constFind(registry);
    if (challenge == m_challenges.constEnd())
        return {};
    if (challenge->isScheme(u"basic"))
        return credential && credential->kind == Credential::Kind::Password ? basic(*credential)
                                                                            : QByteArray();
    const TokenKey key{challenge->param(u"realm"), challenge->param(u"service"),
                       pullScope(repository)};
    if (const auto token = m_tokens.find(key, nowMs))
        return "Bearer " + token->toUtf8();
    return {};
}

void RegistryAuth::answer(const QString &registry, const QString &repository,
                          const HttpResponse &response, const QByteArray &sent,
                          const TlsSettings &tls, qint64 timeoutMs,
                          std::function<void(AuthAnswer)> done)
{
    const QList<AuthChallenge> challenges =
        parseAuthChallenges(response.headerValues("WWW-Authenticate"));
    const std::optional<AuthChallenge> bearer = findChallenge(challenges, u"bearer");
    const std::optional<AuthChallenge> basicChallenge = findChallenge(challenges, u"basic");
    const QString registryErrors = probe::registryErrors(response.body);
    const QString said = registryErrors.isEmpty() ? u"authentication required"_s : registryErrors;

    const auto &result = credential(registry);
    if (!result)
        return done(failure(Category::Auth, response.status, result.error()));
    const std::optional<Credential> &credential = *result;

    if (credential && credential->kind == Credential::Kind::RegistryToken)
        return done(failure(Category::Auth, response.status,
                            u"%1 (the registry refused the configured token)"_s.arg(said)));

    if (bearer) {
        m_challenges.insert(registry, *bearer);
        const TokenKey key{bearer->param(u"realm"), bearer->param(u"service"),
                           pullScope(repository)};
        const bool sentBearer = sent.startsWith("Bearer ");
        if (sentBearer && bearer->bearerError() != BearerError::InvalidToken) {
            // A token we just got, or a valid one without access: private, or not there.
            const QString why =
                bearer->bearerError() == BearerError::InsufficientScope
                    ? u"the token has no pull access: the repository does not exist or needs other credentials"_s
                    : u"the registry refused the token"_s;
            return done(failure(Category::Auth, response.status, u"%1 (%2)"_s.arg(said, why)));
        }
        m_tokens.drop(key);
        if (key.realm.isEmpty())
            return done(failure(Category::Auth, response.status,
                                u"%1 (the Bearer challenge names no realm)"_s.arg(said)));
        return fetchToken(key, credential, tls, timeoutMs, std::move(done));
    }

    if (basicChallenge) {
        m_challenges.insert(registry, *basicChallenge);
        if (!credential || credential->kind != Credential::Kind::Password)
            return done(failure(Category::Auth, response.status,
                                u"%1 (no credentials for %2)"_s.arg(said, registry)));
        if (sent.startsWith("Basic "))
            return done(
                failure(Category::Auth, response.status,
                        u"%1 (the registry refused the credentials for %2)"_s.arg(said, registry)));
        return done(AuthAnswer{basic(*credential), Category::None, 0, {}});
    }
    done(failure(Category::Auth, response.status,
                 u"%1 (no Bearer or Basic challenge offered)"_s.arg(said)));
}

void RegistryAuth::fetchToken(const TokenKey &key, const std::optional<Credential> &credential,
                              const TlsSettings &tls, qint64 timeoutMs,
                              std::function<void(AuthAnswer)> done)
{
    // Probes of one repository that all meet the challenge at once share one token request.
    auto waiting = m_fetching.find(key);
    if (waiting != m_fetching.end()) {
        waiting->append(std::move(done));
        return;
    }
    m_fetching.insert(key, {std::move(done)});

    HttpRequest request;
    request.timeoutMs = timeoutMs;
    request.tls = tls;
    QUrl url(key.realm);
    const bool identity = credential && credential->kind == Credential::Kind::IdentityToken;
    if (identity) {
        // Docker's OAuth exchange for identity tokens (distribution spec/auth/oauth.md).
        QUrlQuery form;
        form.addQueryItem(u"grant_type"_s, u"refresh_token"_s);
        form.addQueryItem(u"service"_s, key.service);
        form.addQueryItem(u"scope"_s, key.scope);
        form.addQueryItem(u"client_id"_s, u"pullwatch"_s);
        form.addQueryItem(u"refresh_token"_s, credential->secret);
        request.method = "POST";
        request.contentType = "application/x-www-form-urlencoded";
        request.body = form.toString(QUrl::FullyEncoded).toUtf8();
    } else {
        QUrlQuery query(url);
        if (!key.service.isEmpty())
            query.addQueryItem(u"service"_s, key.service);
        query.addQueryItem(u"scope"_s, key.scope);
        url.setQuery(query);
        if (credential && credential->kind == Credential::Kind::Password)
            request.authorization = basic(*credential);
    }
    request.url = url;
    request.maxKeptBytes = 1 << 20;

    m_http->send(std::move(request), [this, key](const HttpResponse &response) {
        AuthAnswer answer;
        const QString where = u"token from "_s + HttpClient::displayUrl(response.finalUrl);
        if (response.failed()) {
            answer = failure(http::categoryForTransport(response), 0,
                             where + u": "_s + http::describeTransport(response));
        } else if (response.status != 200) {
            const QString said = probe::registryErrors(response.body);
            const Category category = response.status == 429   ? Category::RateLimit
                                      : response.status >= 500 ? Category::ServerError
                                                               : Category::Auth;
            answer = failure(category, response.status,
                             u"%1: HTTP %2%3"_s.arg(where)
                                 .arg(response.status)
                                 .arg(said.isEmpty() ? QString() : u" "_s + said));
        } else {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            Result<TokenResponse> token = parseTokenResponse(response.body, now);
            if (!token) {
                answer = failure(Category::Auth, 200, where + u": "_s + token.error());
            } else {
                m_http->addSecret(token->token.toUtf8());
                m_tokens.insert(key, *token);
                m_tokens.removeExpired(now);
                answer.authorization = "Bearer " + token->token.toUtf8();
            }
        }
        const auto callbacks = m_fetching.take(key);
        for (const auto &callback : callbacks)
            callback(answer);
    });
}

} // namespace pw
