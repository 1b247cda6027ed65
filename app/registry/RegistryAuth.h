#pragma once

#include "Category.h"
#include "config/Config.h"
#include "registry/AuthChallenge.h"
#include "registry/Credentials.h"
#include "net/HttpClient.h"
#include "registry/TokenCache.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <optional>

namespace pw {

// The outcome of answering a 401: the Authorization to retry with, or why there is none.
struct AuthAnswer
{
    QByteArray authorization; // empty on failure
    Category category = Category::None;
    int httpStatus = 0;
    QString message; // never contains a secret
    bool ok() const { return !authorization.isEmpty(); }
};

// Authentication for registry requests (distribution spec/auth/token.md, RFC 7235): remembers
// each registry's challenge, keeps bearer tokens in a TokenCache and fetches new ones from the
// challenge's realm, anonymously or with the registry's credentials. Credentials come from
// pullwatch's config first, then from Docker's config (credHelpers, auths, credsStore); they
// are looked up once per registry and never leave this class except as an Authorization header.
class RegistryAuth
{
public:
    RegistryAuth(HttpClient *http, QList<RegistryConfig> registries, CredentialStore docker,
                 QProcessEnvironment env = QProcessEnvironment::systemEnvironment());

    // What to send before the registry has asked: a cached token for this repository, Basic
    // credentials for a registry known to want them, or the configured registry token.
    QByteArray authorization(const QString &registry, const QString &repository, qint64 nowMs);

    // Answers the 401 `challenge` got for a request that carried `sent` (maybe empty). A token
    // endpoint is reached with the registry's TLS settings (docker uses one transport for both).
    // done runs once, perhaps synchronously.
    void answer(const QString &registry, const QString &repository, const HttpResponse &challenge,
                const QByteArray &sent, const TlsSettings &tls, qint64 timeoutMs,
                std::function<void(AuthAnswer)> done);

    // A credential problem found before any request (an unset variable): the error to report.
    std::optional<QString> credentialError(const QString &registry);

private:
    const Result<std::optional<Credential>> &credential(const QString &registry);
    void fetchToken(const TokenKey &key, const std::optional<Credential> &credential,
                    const TlsSettings &tls, qint64 timeoutMs, std::function<void(AuthAnswer)> done);

    HttpClient *m_http;
    QList<RegistryConfig> m_registries;
    CredentialStore m_docker;
    QProcessEnvironment m_env;
    TokenCache m_tokens;
    QHash<QString, Result<std::optional<Credential>>> m_credentials; // by registry
    QHash<QString, AuthChallenge> m_challenges;                      // by registry
    QHash<TokenKey, QList<std::function<void(AuthAnswer)>>> m_fetching;
};

} // namespace pw
