#include "registry/Credentials.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QProcess>
#include <QStandardPaths>
#include <QStringList>

#include <utility>

using namespace Qt::StringLiterals;

namespace pw {

namespace {

using Lookup = Result<std::optional<Credential>>;

const QString HubServerUrl = u"https://index.docker.io/v1/"_s;

bool isDockerHub(const QString &registry)
{
    return registry == u"docker.io" || registry == u"index.docker.io" ||
           registry == u"registry-1.docker.io";
}

// The keys Docker may have used for a registry, most specific first.
QStringList candidateKeys(const QString &registry)
{
    QStringList keys{registry, u"https://"_s + registry};
    if (isDockerHub(registry))
        keys << HubServerUrl << u"index.docker.io"_s << u"docker.io"_s;
    return keys;
}

// "https://host:port/v1/" → "host:port"; Docker Hub aliases → "docker.io".
QString normalizedHost(QString key)
{
    for (const QLatin1StringView scheme : {"https://"_L1, "http://"_L1}) {
        if (key.startsWith(scheme)) {
            key.remove(0, scheme.size());
            break;
        }
    }
    if (const qsizetype slash = key.indexOf(u'/'); slash >= 0)
        key.truncate(slash);
    return isDockerHub(key) ? u"docker.io"_s : key;
}

QString describeMs(int ms)
{
    return ms % 1000 == 0 ? u"%1 s"_s.arg(ms / 1000) : u"%1 ms"_s.arg(ms);
}

// One `auths` entry. An entry without any credential (as `docker login` writes when a
// credsStore holds the secret) yields nullopt so the lookup continues.
Lookup parseAuthEntry(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        return Error{where + u" must be an object"_s};
    const QJsonObject entry = value.toObject();

    QString username = entry.value("username"_L1).toString();
    QString password = entry.value("password"_L1).toString();
    if (const QString auth = entry.value("auth"_L1).toString(); !auth.isEmpty()) {
        const auto decoded = QByteArray::fromBase64Encoding(
            auth.toLatin1(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
        const qsizetype colon = decoded ? decoded.decoded.indexOf(':') : -1;
        if (colon < 0) // the value is a secret: say what is wrong, never what it is
            return Error{where + u".auth is not base64 of \"username:password\""_s};
        username = QString::fromUtf8(decoded.decoded.left(colon));
        password = QString::fromUtf8(decoded.decoded.mid(colon + 1));
    }

    if (const QString token = entry.value("identitytoken"_L1).toString(); !token.isEmpty())
        return std::optional<Credential>(
            Credential{username, token, Credential::Kind::IdentityToken});
    if (!password.isEmpty())
        return std::optional<Credential>(
            Credential{username, password, Credential::Kind::Password});
    return std::optional<Credential>{};
}

Result<QString> requiredVariable(const QProcessEnvironment &env, const QString &name,
                                 const QString &context)
{
    if (name.isEmpty())
        return Error{context + u": no environment variable named"_s};
    if (!env.contains(name))
        return Error{context + u": environment variable "_s + name + u" is not set"_s};
    QString value = env.value(name);
    if (value.isEmpty())
        return Error{context + u": environment variable "_s + name + u" is empty"_s};
    // A line break would end the Authorization header and start another one.
    if (value.contains(u'\r') || value.contains(u'\n') || value.contains(QChar(0)))
        return Error{context + u": environment variable "_s + name +
                     u" contains a line break or NUL"_s};
    return value;
}

} // namespace

CredentialStore::CredentialStore(QString configDir, QProcessEnvironment env, int helperTimeoutMs)
    : m_configDir(configDir.isEmpty() ? defaultConfigDir(env) : std::move(configDir)),
      m_env(std::move(env)), m_helperTimeoutMs(helperTimeoutMs)
{}

QString CredentialStore::defaultConfigDir(const QProcessEnvironment &env)
{
    if (const QString dir = env.value(u"DOCKER_CONFIG"_s); !dir.isEmpty())
        return dir;
    const QString home = env.value(u"HOME"_s);
    return (home.isEmpty() ? QDir::homePath() : home) + u"/.docker"_s;
}

QString CredentialStore::configFile() const
{
    return QDir(m_configDir).filePath(u"config.json"_s);
}

Result<std::optional<Credential>> CredentialStore::forRegistry(const QString &registry) const
{
    const QString path = configFile();
    QFile file(path);
    if (!file.exists())
        return std::optional<Credential>{};
    if (!file.open(QIODevice::ReadOnly))
        return Error{path + u": cannot read: "_s + file.errorString()};

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{path + u": invalid JSON at offset %1: "_s.arg(parseError.offset) +
                     parseError.errorString()};
    if (!document.isObject())
        return Error{path + u": the top level must be an object"_s};
    const QJsonObject root = document.object();

    const auto section = [&](const char *name) -> Result<QJsonObject> {
        const QJsonValue value = root.value(QLatin1StringView(name));
        if (value.isUndefined() || value.isNull())
            return QJsonObject{};
        if (!value.isObject())
            return Error{path + u": \""_s + QLatin1StringView(name) + u"\" must be an object"_s};
        return value.toObject();
    };
    const auto helpers = section("credHelpers");
    if (!helpers)
        return Error{helpers.error()};
    const auto auths = section("auths");
    if (!auths)
        return Error{auths.error()};

    const QString serverUrl = isDockerHub(registry) ? HubServerUrl : registry;
    const QStringList keys = candidateKeys(registry);

    for (const QString &key : keys) {
        if (const QString helper = helpers->value(key).toString(); !helper.isEmpty())
            return runHelper(helper, serverUrl);
    }

    const auto fromAuths = [&](const QString &key) {
        return parseAuthEntry(auths->value(key), path + u": auths[\""_s + key + u"\"]"_s);
    };
    for (const QString &key : keys) {
        if (!auths->contains(key))
            continue;
        auto found = fromAuths(key);
        if (!found || found->has_value())
            return found;
    }
    const QString host = normalizedHost(registry);
    for (auto it = auths->constBegin(); it != auths->constEnd(); ++it) {
        if (keys.contains(it.key()) || normalizedHost(it.key()) != host)
            continue;
        auto found = fromAuths(it.key());
        if (!found || found->has_value())
            return found;
    }

    if (const QString store = root.value("credsStore"_L1).toString(); !store.isEmpty())
        return runHelper(store, serverUrl);
    return std::optional<Credential>{};
}

Result<std::optional<Credential>> CredentialStore::runHelper(const QString &helper,
                                                             const QString &serverUrl) const
{
    const QString name = u"docker-credential-"_s + helper;
    if (helper.contains(u'/'))
        return Error{configFile() + u": invalid credential helper name \""_s + helper + u'"'};

    const QStringList paths = m_env.value(u"PATH"_s).split(u':', Qt::SkipEmptyParts);
    const QString program = QStandardPaths::findExecutable(name, paths);
    if (program.isEmpty())
        return Error{name + u": not found in PATH"_s};

    QProcess process;
    process.setProcessEnvironment(m_env);
    process.start(program, {u"get"_s});
    if (!process.waitForStarted(m_helperTimeoutMs))
        return Error{name + u" get: cannot start: "_s + process.errorString()};
    process.write(serverUrl.toUtf8());
    process.closeWriteChannel();
    if (!process.waitForFinished(m_helperTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        return Error{name + u" get: no answer for "_s + serverUrl + u" within "_s +
                     describeMs(m_helperTimeoutMs)};
    }
    const QByteArray out = process.readAllStandardOutput();
    const QByteArray err = process.readAllStandardError();

    if (process.exitStatus() != QProcess::NormalExit)
        return Error{name + u" get: crashed"_s};
    if (process.exitCode() != 0) {
        // A failing helper has handed out no secret, so its message is safe to quote.
        const QString message = QString::fromUtf8(out + '\n' + err).simplified();
        if (message.contains(u"credentials not found"_s, Qt::CaseInsensitive))
            return std::optional<Credential>{};
        return Error{name + u" get: exit code %1"_s.arg(process.exitCode()) +
                     (message.isEmpty() ? QString() : u": "_s + message.left(200))};
    }

    // The reply holds the secret: errors describe it, never quote it.
    QJsonParseError parseError;
    const QJsonDocument reply = QJsonDocument::fromJson(out, &parseError);
    if (parseError.error != QJsonParseError::NoError || !reply.isObject())
        return Error{name + u" get: the reply is not a JSON object"_s};
    const QJsonObject object = reply.object();
    const QString username = object.value("Username"_L1).toString();
    const QString secret = object.value("Secret"_L1).toString();
    if (secret.isEmpty())
        return std::optional<Credential>{};
    if (username == u"<token>")
        return std::optional<Credential>(
            Credential{QString(), secret, Credential::Kind::IdentityToken});
    return std::optional<Credential>(Credential{username, secret, Credential::Kind::Password});
}

Result<std::optional<Credential>> CredentialStore::fromConfig(const RegistryConfig &registry,
                                                              const QProcessEnvironment &env)
{
    const QString context = u"registry "_s + registry.host;
    if (registry.authType.isEmpty() || registry.authType == u"none")
        return std::optional<Credential>{};

    if (registry.authType == u"basic") {
        QString username = registry.username;
        if (username.isEmpty()) {
            auto variable = requiredVariable(env, registry.usernameEnv, context + u" username"_s);
            if (!variable)
                return Error{variable.error()};
            username = *variable;
        }
        auto password = requiredVariable(env, registry.passwordEnv, context + u" password"_s);
        if (!password)
            return Error{password.error()};
        return std::optional<Credential>(
            Credential{username, *password, Credential::Kind::Password});
    }
    if (registry.authType == u"token") {
        auto token = requiredVariable(env, registry.passwordEnv, context + u" token"_s);
        if (!token)
            return Error{token.error()};
        return std::optional<Credential>(
            Credential{QString(), *token, Credential::Kind::RegistryToken});
    }
    return Error{context + u": unknown auth type \""_s + registry.authType + u'"'};
}

} // namespace pw
