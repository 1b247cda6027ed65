#pragma once

#include "Result.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace pw {

// A registry's connection settings. Secrets never live in the config file, only the names of the
// environment variables that hold them.
struct RegistryConfig
{
    QString host; // "localhost:5000"
    // true: plain HTTP; false: HTTPS only, the certificate checked. Unset: HTTPS, except that a
    // loopback registry is reached as docker reaches its default insecure range (RegistryClient).
    std::optional<bool> insecure;
    QString caFile;                          // absolute path, or empty
    QList<QSslCertificate> caCertificates;   // read from caFile, trusted besides the system store
    QString authType = QStringLiteral("none"); // "none", "basic" or "token"
    QString username;
    QString usernameEnv;
    QString passwordEnv; // variable holding the password ("basic") or the token ("token")
    // Builds images when asked, like nixery: long probe timeouts, cold pulls marked. Unset: only
    // nixery.dev is.
    std::optional<bool> onDemand;

    friend bool operator==(const RegistryConfig &, const RegistryConfig &) = default;
};

// Whether a registry builds images on demand: its entry's "on_demand", else true for nixery.dev.
bool isOnDemand(const QList<RegistryConfig> &registries, const QString &host);

// An image to probe on a schedule.
struct ImageConfig
{
    QString ref;       // as written in the config
    QString canonical; // ref normalized (ImageReference::canonical), how the history names it
    QString group;     // images of one group are compared side by side
    QString label;     // names the side within its group
    qint64 intervalMs = 5 * 60 * 1000;
    bool deep = false;
    QString platform = QStringLiteral("linux/amd64");
    qint64 timeoutMs = 0; // 0: the prober's default

    friend bool operator==(const ImageConfig &, const ImageConfig &) = default;
};

// Where CI logs come from.
struct CiSourceConfig
{
    QString provider; // "github", "gitlab" or "files"
    QString repo;     // github: OWNER/REPO
    QString project;  // gitlab: path or numeric id
    QString workflow; // github: workflow file, empty for all
    QString branch;   // empty for all
    QString apiUrl;   // defaulted per provider, without trailing slash
    QString tokenEnv; // defaulted per provider (GITHUB_TOKEN / GITLAB_TOKEN)
    QString path;     // files: directory or file, leading "~/" expanded
    qint64 intervalMs = 15 * 60 * 1000;

    friend bool operator==(const CiSourceConfig &, const CiSourceConfig &) = default;
};

// A user classifier rule, added to the built-in ones.
struct RuleConfig
{
    QString id;
    QString category; // a fixed category id ("rate_limit")
    QString pattern;

    friend bool operator==(const RuleConfig &, const RuleConfig &) = default;
};

// The JSON config of DESIGN.md "Config".
struct Config
{
    QList<RegistryConfig> registries;
    QList<ImageConfig> images;
    QList<CiSourceConfig> ci;
    QList<RuleConfig> rules;
    qint64 retentionMs = 400LL * 24 * 60 * 60 * 1000;
    QString sourcePath; // the file it came from, or ":/config/default.json"

    // Validates; errors are one line: "FILE:LINE:COLUMN: what was expected".
    static Result<Config> parse(const QByteArray &json, const QString &fileName);
    // An unreadable or missing file is an error "FILE: cannot read: reason".
    static Result<Config> load(const QString &path);
    // The config compiled into the program (resources/config/default.json).
    static Config builtinDefault();
    // $XDG_CONFIG_HOME/pullwatch/config.json (or its platform equivalent).
    static QString defaultPath();
    // explicitPath empty: defaultPath() if that file exists, else builtinDefault();
    // otherwise load(explicitPath), where a missing file is an error.
    static Result<Config> loadOrDefault(const QString &explicitPath);

    // The first image with exactly this ref or canonical reference, or nullptr.
    const ImageConfig *image(const QString &ref) const;

    friend bool operator==(const Config &, const Config &) = default;
};

} // namespace pw
