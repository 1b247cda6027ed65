#include "config/Config.h"

#include "ImageReference.h"

#include "Category.h"
#include "config/JsonFields.h"
#include "TimeFormat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStringList>
#include <QUrl>
#include <QtDebug>

#include <initializer_list>
#include <optional>

namespace pw {

using namespace Qt::Literals::StringLiterals;

namespace {

using json = nlohmann::json;
constexpr qint64 MaxFileBytes = 1 << 20;
constexpr qint64 MinIntervalMs = 10 * 1000;
constexpr qint64 MaxCaFileBytes = 4 << 20;

bool hasSpace(QStringView text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) { return c.isSpace() || c < u' '; });
}

bool isOwnerRepo(QStringView repo)
{
    const auto valid = [](QChar c) {
        return c == u'-' || c == u'_' || c == u'.' || (c.unicode() < 128 && c.isLetterOrNumber());
    };
    const auto parts = repo.split(u'/');
    return parts.size() == 2 && std::all_of(parts.begin(), parts.end(), [&](QStringView part) {
               return !part.isEmpty() && std::all_of(part.begin(), part.end(), valid);
           });
}

bool isPlatform(QStringView platform)
{
    const auto parts = platform.split(u'/');
    return (parts.size() == 2 || parts.size() == 3) && !hasSpace(platform) &&
           std::none_of(parts.begin(), parts.end(), [](QStringView p) { return p.isEmpty(); });
}

// Checks the document against DESIGN.md "Config". The first problem wins; it names the line and
// column of the value (or key) at fault.
class ConfigReader : public JsonFields
{
public:
    ConfigReader(const JsonDocument &document, QString directory)
        : JsonFields(document), m_directory(std::move(directory))
    {}

    Config read(const json &root)
    {
        Config config;
        if (const std::string secret = firstSecret(); !secret.empty()) {
            const QString key = fromStd(secret.substr(secret.rfind('/') + 1));
            fail(secret,
                 u"key \"%1\" is not allowed: secrets never go in the config file, put the "
                 "name of an environment variable in \"%2_env\" instead"_s.arg(key, key.toLower()),
                 true);
            return config;
        }
        if (!root.is_object()) {
            fail({}, u"expected a JSON object at the top level, got "_s + describe(root));
            return config;
        }
        const Node top{&root, {}, {}};
        allowKeys(top, {"registries", "images", "ci", "rules", "retention"});
        eachObject(top, "registries", [&](const Node &n) { readRegistry(n, config); });
        eachObject(top, "images", [&](const Node &n) { readImage(n, config); });
        eachObject(top, "ci", [&](const Node &n) { readCi(n, config); });
        eachObject(top, "rules", [&](const Node &n) { readRule(n, config); });
        config.retentionMs = duration(top, "retention", config.retentionMs);
        return config;
    }

private:
    // The pointer of the first key named password or token, in any case, or "".
    std::string firstSecret() const
    {
        for (const std::string &pointer : m_document.memberPointers()) {
            const QString key = fromStd(pointer.substr(pointer.rfind('/') + 1)).toLower();
            if (key == u"password" || key == u"token")
                return pointer;
        }
        return {};
    }

    // How often to probe or poll: never more often than MinIntervalMs, which would hammer the
    // registry or the CI API.
    qint64 interval(const Node &object, qint64 fallback)
    {
        const qint64 ms = duration(object, "interval", fallback);
        if (!failed() && ms < MinIntervalMs)
            reject(object, "interval",
                   u"must be at least %1 s (more often hammers the registry or CI server)"_s.arg(
                       MinIntervalMs / 1000));
        return ms;
    }

    void readRegistry(const Node &n, Config &config)
    {
        allowKeys(n, {"host", "insecure", "ca_file", "auth", "on_demand"});
        RegistryConfig registry;
        registry.host = string(n, "host", NonEmpty);
        if (!failed() && (hasSpace(registry.host) || registry.host.contains(u'/')))
            reject(n, "host", u"must be a host like \"localhost:5000\" (no scheme or path)"_s);
        for (qsizetype i = 0; i < config.registries.size() && !failed(); ++i) {
            if (config.registries[i].host == registry.host)
                failValue(n, "host",
                          u"duplicate registry \"%1\" (first listed at %2)"_s.arg(
                              registry.host, earlier(n, i, "host")));
        }
        if (find(n, "insecure"))
            registry.insecure = boolean(n, "insecure");
        if (find(n, "on_demand"))
            registry.onDemand = boolean(n, "on_demand");
        readCaFile(n, registry);
        if (const json *auth = find(n, "auth"); auth && !auth->is_object())
            failValue(n, "auth", u"\"auth\" must be an object, got "_s + describe(*auth));
        else if (auth)
            readAuth({auth, JsonDocument::childPointer(n.path, "auth"), n.name + u".auth"_s},
                     registry);
        config.registries.append(registry);
    }
    // PEM certificates, read now: a missing or wrong file is the config's error, at its line.
    void readCaFile(const Node &n, RegistryConfig &registry)
    {
        if (!find(n, "ca_file"))
            return;
        QString path = string(n, "ca_file", NonEmpty);
        if (failed())
            return;
        if (path == u"~" || path.startsWith(u"~/"))
            path = QDir::homePath() + path.mid(1);
        path = QDir::cleanPath(QDir(m_directory).absoluteFilePath(path));
        const QFileInfo info(path);
        QFile file(path);
        if (!info.isFile())
            return failValue(n, "ca_file",
                             u"\"ca_file\": cannot read %1: %2"_s.arg(path, info.exists() ? u"not a regular file"_s
                                                                            : u"no such file"_s));
        if (info.size() > MaxCaFileBytes)
            return failValue(n, "ca_file",
                             u"\"ca_file\": %1 is larger than %2 MiB, not a certificate bundle"_s.arg(path).arg(
                                 MaxCaFileBytes >> 20));
        if (!file.open(QIODevice::ReadOnly))
            return failValue(n, "ca_file", u"\"ca_file\": cannot read %1: %2"_s.arg(path, file.errorString()));
        registry.caCertificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
        if (registry.caCertificates.isEmpty())
            return failValue(n, "ca_file", u"\"ca_file\": no PEM certificate in "_s + path);
        registry.caFile = path;
    }
    void readAuth(const Node &n, RegistryConfig &registry)
    {
        registry.authType = string(n, "type", Required);
        const QString context = u" for auth type \"%1\""_s.arg(registry.authType);
        if (failed())
            return;
        if (registry.authType == u"none") {
            allowKeys(n, {"type"}, context);
        } else if (registry.authType == u"basic") {
            allowKeys(n, {"type", "username", "username_env", "password_env"}, context);
            registry.username = string(n, "username", NonEmpty);
            registry.usernameEnv = envName(n, "username_env");
            registry.passwordEnv = envName(n, "password_env", Required);
            if (!failed() && registry.username.isEmpty() == registry.usernameEnv.isEmpty())
                fail(n.path, n.name + u" of type \"basic\" needs either \"username\" or "
                                      "\"username_env\""_s);
        } else if (registry.authType == u"token") {
            allowKeys(n, {"type", "token_env"}, context);
            registry.passwordEnv = envName(n, "token_env", Required);
        } else {
            reject(n, "type", u"must be one of none, basic, token"_s);
        }
    }

    void readImage(const Node &n, Config &config)
    {
        allowKeys(n, {"ref", "group", "label", "interval", "deep", "platform", "timeout"});
        ImageConfig image;
        image.ref = string(n, "ref", NonEmpty);
        if (!failed() && hasSpace(image.ref))
            reject(n, "ref", u"must be an image reference without spaces"_s);
        if (!failed()) {
            const Result<ImageReference> parsed = ImageReference::parse(image.ref);
            if (parsed)
                image.canonical = parsed->canonical();
            else
                failValue(n, "ref", parsed.error());
        }
        for (qsizetype i = 0; i < config.images.size() && !failed(); ++i) {
            if (config.images[i].canonical == image.canonical)
                failValue(n, "ref",
                          u"duplicate image \"%1\" (first listed at %2)"_s.arg(
                              image.ref, earlier(n, i, "ref")));
        }
        image.group = string(n, "group");
        image.label = string(n, "label");
        image.intervalMs = interval(n, image.intervalMs);
        image.deep = boolean(n, "deep");
        image.platform = string(n, "platform", Optional, image.platform);
        if (!failed() && !isPlatform(image.platform))
            reject(n, "platform", u"must look like \"linux/amd64\" or \"linux/arm64/v8\""_s);
        image.timeoutMs = duration(n, "timeout", 0);
        config.images.append(image);
    }

    void readCi(const Node &n, Config &config)
    {
        CiSourceConfig ci;
        ci.provider = string(n, "provider", Required);
        const QString context = u" for provider \"%1\""_s.arg(ci.provider);
        const bool github = ci.provider == u"github";
        if (failed()) {
            return;
        } else if (github) {
            allowKeys(
                n, {"provider", "repo", "workflow", "branch", "api_url", "token_env", "interval"},
                context);
            ci.repo = string(n, "repo", Required);
            if (!failed() && !isOwnerRepo(ci.repo))
                reject(n, "repo", u"must be OWNER/REPO like \"rook/rook\""_s);
            ci.workflow = string(n, "workflow");
        } else if (ci.provider == u"gitlab") {
            allowKeys(n, {"provider", "project", "branch", "api_url", "token_env", "interval"},
                      context);
            ci.project = string(n, "project", NonEmpty);
            if (!failed() && hasSpace(ci.project))
                reject(n, "project", u"must be a project path like \"group/app\" or an id"_s);
        } else if (ci.provider == u"files") {
            allowKeys(n, {"provider", "path", "interval"}, context);
            ci.path = string(n, "path", NonEmpty);
            if (ci.path == u"~" || ci.path.startsWith(u"~/"))
                ci.path = QDir::homePath() + ci.path.mid(1);
        } else {
            reject(n, "provider", u"must be one of github, gitlab, files"_s);
            return;
        }
        if (ci.provider != u"files") {
            ci.branch = string(n, "branch");
            ci.apiUrl =
                string(n, "api_url", Optional,
                       github ? u"https://api.github.com"_s : u"https://gitlab.com/api/v4"_s);
            const QUrl url(ci.apiUrl, QUrl::StrictMode);
            if (!failed() && (!url.isValid() || url.host().isEmpty() ||
                              (url.scheme() != u"https" && url.scheme() != u"http")))
                reject(n, "api_url",
                       u"must be an http(s) URL like \"https://gitlab.example.com/api/v4\""_s);
            while (ci.apiUrl.endsWith(u'/'))
                ci.apiUrl.chop(1);
            ci.tokenEnv =
                envName(n, "token_env", Optional, github ? u"GITHUB_TOKEN"_s : u"GITLAB_TOKEN"_s);
        }
        ci.intervalMs = interval(n, ci.intervalMs);
        config.ci.append(ci);
    }

    void readRule(const Node &n, Config &config)
    {
        allowKeys(n, {"id", "category", "pattern"});
        RuleConfig rule;
        rule.id = string(n, "id", NonEmpty);
        for (qsizetype i = 0; i < config.rules.size() && !failed(); ++i) {
            if (config.rules[i].id == rule.id)
                failValue(n, "id",
                          u"duplicate rule id %1 (first listed at %2)"_s.arg(
                              describe(*find(n, "id")), earlier(n, i, "id")));
        }
        rule.category = string(n, "category", Required);
        if (!failed() && !categoryFromId(rule.category)) {
            QStringList ids;
            for (Category category : FailureCategories)
                ids.append(categoryId(category));
            reject(n, "category", u"must be one of "_s + ids.join(u", "_s));
        }
        rule.pattern = string(n, "pattern", NonEmpty);
        if (!failed()) {
            // Checked here, where the position is known, not first by `classify`.
            const QRegularExpression regex(rule.pattern);
            if (!regex.isValid())
                reject(n, "pattern",
                       u"is not a valid regular expression: %1 at offset %2"_s.arg(
                           regex.errorString())
                           .arg(regex.patternErrorOffset()));
            for (const QString &group : regex.namedCaptureGroups()) {
                if (!failed() && !group.isEmpty() && group != u"image" && group != u"host" &&
                    group != u"status")
                    reject(n, "pattern",
                           u"has an unknown capture group \"%1\" (use image, host or status)"_s.arg(
                               group));
            }
        }
        config.rules.append(rule);
    }

    const QString m_directory; // the config file's: relative paths start there
};

} // namespace

Result<Config> Config::parse(const QByteArray &data, const QString &fileName)
{
    if (data.trimmed().isEmpty())
        return Error{fileName + u':' + TextPosition{}.toString() +
                     u": the file is empty, expected a JSON object"_s};
    const Result<JsonDocument> document = JsonDocument::parse(data, fileName);
    if (!document)
        return Error{document.error()};
    ConfigReader reader(*document, QFileInfo(fileName).absolutePath());
    Config config = reader.read(document->root());
    if (reader.error())
        return *reader.error();
    config.sourcePath = fileName;
    return config;
}

Result<Config> Config::load(const QString &path)
{
    QFile file(path);
    const QFileInfo info(path);
    if (info.isDir())
        return Error{path + u": cannot read: is a directory"_s};
    // Opening a FIFO waits for a writer, reading a device may never end: only regular files
    // (and the built-in resources) are configs.
    if (info.exists() && !info.isFile())
        return Error{path + u": cannot read: not a regular file"_s};
    if (!file.open(QIODevice::ReadOnly))
        return Error{path + u": cannot read: "_s + file.errorString()};
    // A size cap keeps a mistaken --config /dev/zero from eating memory.
    const QByteArray data = file.read(MaxFileBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return Error{path + u": cannot read: "_s + file.errorString()};
    if (data.size() > MaxFileBytes)
        return Error{path + u": cannot read: larger than 1 MiB, not a config file"_s};
    return parse(data, path);
}

Config Config::builtinDefault()
{
    const QString path = u":/config/default.json"_s;
    Result<Config> config = load(path);
    if (!config) { // a broken built-in file is a build bug; tst_config catches it
        qCritical().noquote() << config.error();
        Config empty;
        empty.sourcePath = path;
        return empty;
    }
    return *config;
}

QString Config::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           u"/pullwatch/config.json"_s;
}

Result<Config> Config::loadOrDefault(const QString &explicitPath)
{
    if (!explicitPath.isEmpty())
        return load(explicitPath);
    if (const QString path = defaultPath(); QFileInfo::exists(path))
        return load(path);
    return builtinDefault();
}

const ImageConfig *Config::image(const QString &ref) const
{
    const auto it = std::find_if(images.cbegin(), images.cend(), [&](const ImageConfig &image) {
        return image.ref == ref || image.canonical == ref;
    });
    return it == images.cend() ? nullptr : &*it;
}

bool isOnDemand(const QList<RegistryConfig> &registries, const QString &host)
{
    for (const RegistryConfig &registry : registries)
        if (registry.host == host && registry.onDemand)
            return *registry.onDemand;
    return host == u"nixery.dev"_s;
}

} // namespace pw
