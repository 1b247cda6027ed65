#pragma once

#include "config/Config.h"
#include "Result.h"

#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace pw {

// Credentials for one registry. The secret must never reach a log, a message or the database.
struct Credential
{
    enum class Kind
    {
        Password,      // user name and password: Basic auth, or Basic to a token endpoint
        IdentityToken, // Docker "identitytoken" / helper Username "<token>": an OAuth refresh token
        RegistryToken, // pullwatch config auth type "token": sent as is as the Bearer token
    };

    QString username; // for an identity token: the auths entry's, if any
    QString secret;   // password or token
    Kind kind = Kind::Password;
};

// Reads Docker's client credentials (DESIGN.md "Registry probe"): `config.json` in the Docker
// config directory, with `credHelpers`, `auths` and `credsStore`, the helpers being run as
// `docker-credential-<name> get`. Errors name the file or helper, never a secret.
class CredentialStore
{
public:
    static constexpr int DefaultHelperTimeoutMs = 10'000;

    // configDir empty: $DOCKER_CONFIG from env if set, else ~/.docker. Helpers are found on env's
    // PATH and run with env as their environment.
    explicit CredentialStore(QString configDir = {},
                             QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                             int helperTimeoutMs = DefaultHelperTimeoutMs);

    // $DOCKER_CONFIG if set and non-empty, else ~/.docker.
    static QString defaultConfigDir(const QProcessEnvironment &env);

    QString configDir() const { return m_configDir; }
    QString configFile() const;

    // registry is a host[:port] as in an image reference ("docker.io", "localhost:5000").
    // Order: credHelpers[registry] → auths (registry, https://registry, and for Docker Hub
    // https://index.docker.io/v1/) → credsStore. A missing config.json or no entry: nullopt.
    Result<std::optional<Credential>> forRegistry(const QString &registry) const;

    // Credentials named by pullwatch's own config: "none" → nullopt; "basic" → username (or the
    // variable usernameEnv) and the password in passwordEnv; "token" → the token in passwordEnv,
    // sent to the registry as its Bearer token. A named variable that is unset or empty is an error
    // naming the variable.
    static Result<std::optional<Credential>> fromConfig(const RegistryConfig &registry,
                                                        const QProcessEnvironment &env);

private:
    Result<std::optional<Credential>> runHelper(const QString &helper,
                                                const QString &serverUrl) const;

    QString m_configDir;
    QProcessEnvironment m_env;
    int m_helperTimeoutMs;
};

} // namespace pw
