#include "SettingsColumns.h"

#include "ports/ConfigEditor.h"

#include <QRegularExpression>

namespace pw {

using namespace Qt::StringLiterals;

namespace {

ConfigColumn text(const QString &header, const QString &key, const QString &toolTip = {})
{
    ConfigColumn column;
    column.header = header;
    column.keys = {key};
    column.toolTip = toolTip;
    return column;
}

QString authType(const QJsonObject &registry)
{
    return jsonMember(registry, u"auth.type"_s).toString(u"none"_s);
}

// The member that names the CI source for its provider.
QString sourceKey(const QString &provider)
{
    if (provider == u"gitlab")
        return u"project"_s;
    return provider == u"files" ? u"path"_s : u"repo"_s;
}

} // namespace

bool SettingsColumns::isEnvName(const QString &name)
{
    static const QRegularExpression pattern(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    return pattern.match(name).hasMatch();
}

// The message never repeats the value: whatever was typed there may be the secret itself.
QString SettingsColumns::checkEnvName(const QString &name)
{
    return name.isEmpty() || isEnvName(name)
               ? QString()
               : tr("must be the NAME of an environment variable (letters, digits and _, not "
                    "starting with a digit, like REG_PASS), never the secret itself");
}

ConfigColumn SettingsColumns::interval(const ConfigEditor *editor, const QString &fallback)
{
    ConfigColumn column =
        text(tr("Interval"), u"interval"_s,
             tr("How often, like 30s, 5m, 1h or 1d; empty: every %1").arg(fallback));
    column.check = [editor](const QJsonObject &, const QString &value) {
        return value.isEmpty() ? QString() : editor->checkInterval(value);
    };
    return column;
}

QList<ConfigColumn> SettingsColumns::images(const ConfigEditor *editor)
{
    ConfigColumn ref = text(tr("Reference"), u"ref"_s,
                            tr("As for docker pull: busybox, ghcr.io/org/app:tag, nixery.dev/…"));
    ref.check = [editor](const QJsonObject &, const QString &value) {
        return value.isEmpty() ? tr("enter an image reference like busybox or ghcr.io/org/app:1")
                               : editor->checkImageRef(value);
    };
    ConfigColumn deep = text(tr("Deep"), u"deep"_s,
                             tr("Also download the layers (slower, measures the whole pull)"));
    deep.kind = ConfigColumn::Check;
    return {ref, text(tr("Group"), u"group"_s, tr("Images of one group are compared side by side")),
            text(tr("Label"), u"label"_s, tr("Names the image within its group")),
            interval(editor, u"5m"_s), deep};
}

QList<ConfigColumn> SettingsColumns::registries()
{
    ConfigColumn host = text(tr("Host"), u"host"_s, tr("Like localhost:5000, without scheme"));
    host.check = [](const QJsonObject &, const QString &value) {
        return value.isEmpty() ? tr("enter a host like localhost:5000") : QString();
    };
    // "insecure" has three states: unset (auto), false (HTTPS only), true (plain HTTP).
    ConfigColumn transport =
        text(tr("Transport"), u"insecure"_s,
             tr("auto: HTTPS; a loopback registry as docker reaches it (HTTPS without checking "
                "the certificate unless a CA file is given, plain HTTP when it speaks no TLS). "
                "https: HTTPS only, the certificate checked. http: plain HTTP."));
    transport.kind = ConfigColumn::Choice;
    transport.choices = {u"auto"_s, u"https"_s, u"http"_s};
    transport.read = [](const QJsonObject &registry) {
        const QJsonValue insecure = registry.value(u"insecure"_s);
        if (!insecure.isBool())
            return u"auto"_s;
        return insecure.toBool() ? u"http"_s : u"https"_s;
    };
    transport.write = [](QJsonObject &registry, const QString &choice) {
        if (choice == u"auto")
            registry.remove(u"insecure"_s);
        else
            registry.insert(u"insecure"_s, choice == u"http");
    };
    ConfigColumn caFile =
        text(tr("CA file"), u"ca_file"_s,
             tr("PEM certificates to trust besides the system's, for a registry with a private "
                "CA; relative to the config file"));

    ConfigColumn auth = text(tr("Authentication"), u"auth.type"_s,
                             tr("none, basic (username and password) or token"));
    auth.keys.append(u"auth"_s);
    auth.kind = ConfigColumn::Choice;
    auth.choices = {u"none"_s, u"basic"_s, u"token"_s};
    auth.read = authType;
    auth.write = [](QJsonObject &registry, const QString &type) {
        const QJsonObject old = registry.value(u"auth"_s).toObject();
        const QJsonValue secret =
            old.value(old.contains(u"token_env"_s) ? u"token_env"_s : u"password_env"_s);
        // Only the members the loader allows for the new type: the rest would be refused.
        QJsonObject next{{u"type"_s, type}};
        if (type == u"basic") {
            for (const QString &key : {u"username"_s, u"username_env"_s})
                setJsonMember(next, key, old.value(key));
            setJsonMember(next, u"password_env"_s, secret);
        } else if (type == u"token") {
            setJsonMember(next, u"token_env"_s, secret);
        }
        if (type == u"none")
            registry.remove(u"auth"_s);
        else
            registry.insert(u"auth"_s, next);
    };
    const auto basic = [](const QJsonObject &registry) { return authType(registry) == u"basic"; };

    ConfigColumn user = text(tr("Username"), u"auth.username"_s,
                             tr("The user name itself; or leave it empty and name its variable"));
    user.applies = basic;
    user.check = [](const QJsonObject &registry, const QString &value) {
        const bool env = !jsonMember(registry, u"auth.username_env"_s).toString().isEmpty();
        if (value.isEmpty() && !env)
            return tr("enter a username, or the name of a variable that holds it");
        return !value.isEmpty() && env ? tr("give the username or its variable, not both")
                                       : QString();
    };
    ConfigColumn userEnv = text(tr("Username variable"), u"auth.username_env"_s,
                                tr("NAME of an environment variable holding the user name"));
    userEnv.applies = basic;
    userEnv.check = [](const QJsonObject &, const QString &value) { return checkEnvName(value); };

    ConfigColumn secret =
        text(tr("Password/token variable NAME"), u"auth.password_env"_s,
             tr("The NAME of an environment variable holding the password or token, like "
                "REG_PASS. The secret itself never goes in the config file."));
    secret.keys.append(u"auth.token_env"_s);
    const auto secretKey = [](const QJsonObject &registry) {
        return authType(registry) == u"token" ? u"auth.token_env"_s : u"auth.password_env"_s;
    };
    secret.read = [secretKey](const QJsonObject &registry) {
        return jsonMember(registry, secretKey(registry)).toString();
    };
    secret.write = [secretKey](QJsonObject &registry, const QString &value) {
        setJsonMember(registry, secretKey(registry), value);
    };
    secret.applies = [](const QJsonObject &registry) { return authType(registry) != u"none"; };
    secret.check = [](const QJsonObject &, const QString &value) {
        return value.isEmpty() ? tr("enter the NAME of the environment variable that holds the "
                                    "secret")
                               : checkEnvName(value);
    };
    return {host, transport, caFile, auth, user, userEnv, secret};
}

QList<ConfigColumn> SettingsColumns::ciSources(const ConfigEditor *editor)
{
    ConfigColumn provider = text(tr("Provider"), u"provider"_s);
    provider.kind = ConfigColumn::Choice;
    provider.choices = {u"github"_s, u"gitlab"_s, u"files"_s};
    provider.write = [](QJsonObject &source, const QString &next) {
        const QString where =
            source.value(sourceKey(source.value(u"provider"_s).toString())).toString();
        for (const QString &key : {u"repo"_s, u"project"_s, u"path"_s})
            source.remove(key);
        // Members the new provider does not know would make the loader refuse the file.
        if (next != u"github")
            source.remove(u"workflow"_s);
        if (next == u"files") {
            for (const QString &key : {u"branch"_s, u"api_url"_s, u"token_env"_s})
                source.remove(key);
        }
        source.insert(u"provider"_s, next);
        setJsonMember(source, sourceKey(next), where);
    };

    ConfigColumn where = text(tr("Repository / project / path"), u"repo"_s,
                              tr("github: OWNER/REPO; gitlab: group/project or its id; files: a "
                                 "directory or file of logs"));
    where.keys.append({u"project"_s, u"path"_s});
    where.read = [](const QJsonObject &source) {
        return source.value(sourceKey(source.value(u"provider"_s).toString())).toString();
    };
    where.write = [](QJsonObject &source, const QString &value) {
        setJsonMember(source, sourceKey(source.value(u"provider"_s).toString()), value);
    };
    where.check = [](const QJsonObject &source, const QString &value) {
        if (!value.isEmpty())
            return QString();
        const QString provider = source.value(u"provider"_s).toString();
        if (provider == u"gitlab")
            return tr("enter the project path like group/app, or its id");
        return provider == u"files" ? tr("enter a directory or file of CI logs")
                                    : tr("enter OWNER/REPO like rook/rook");
    };

    const auto remote = [](const QJsonObject &source) {
        return source.value(u"provider"_s).toString() != u"files";
    };
    ConfigColumn api =
        text(tr("API URL"), u"api_url"_s, tr("Empty: the public API (api.github.com, gitlab.com)"));
    api.applies = remote;
    ConfigColumn token = text(tr("Token variable NAME"), u"token_env"_s,
                              tr("The NAME of an environment variable holding the API token; "
                                 "empty: GITHUB_TOKEN or GITLAB_TOKEN"));
    token.applies = remote;
    token.check = [](const QJsonObject &, const QString &value) { return checkEnvName(value); };
    return {provider, where, api, token, interval(editor, u"15m"_s)};
}

} // namespace pw
