#include "config/ConfigFileEditor.h"

#include "config/Config.h"
#include "config/JsonPositions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <optional>
#include <string>

namespace pw {

using namespace Qt::Literals::StringLiterals;

namespace {

// Member order of DESIGN.md's example, so a saved file reads like the documentation; other keys
// follow alphabetically.
const QStringList KeyOrder = {
    u"registries"_s,   u"images"_s,       u"ci"_s,        u"rules"_s,    u"retention"_s,
    u"host"_s,         u"insecure"_s,     u"ca_file"_s,   u"auth"_s,      u"type"_s,     u"username"_s,
    u"username_env"_s, u"password_env"_s, u"token_env"_s, u"ref"_s,      u"group"_s,
    u"label"_s,        u"interval"_s,     u"deep"_s,      u"platform"_s, u"timeout"_s,
    u"provider"_s,     u"repo"_s,         u"project"_s,   u"path"_s,     u"workflow"_s,
    u"branch"_s,       u"api_url"_s,      u"id"_s,        u"category"_s, u"pattern"_s};

QStringList orderedKeys(const QJsonObject &object)
{
    QStringList keys = object.keys();
    std::stable_sort(keys.begin(), keys.end(), [](const QString &a, const QString &b) {
        const auto rank = [](const QString &key) {
            const qsizetype at = KeyOrder.indexOf(key);
            return at < 0 ? KeyOrder.size() : at;
        };
        return rank(a) < rank(b);
    });
    return keys;
}

QByteArray scalarText(const QJsonValue &value)
{
    // QJsonDocument only writes containers: write [value] and drop the brackets.
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

void write(QByteArray &out, const QJsonValue &value, int depth)
{
    const QByteArray indent(2 * (depth + 1), ' ');
    const QByteArray closing(2 * depth, ' ');
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        if (object.isEmpty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        const QStringList keys = orderedKeys(object);
        for (const QString &key : keys) {
            out += indent + scalarText(key) + ": ";
            write(out, object.value(key), depth + 1);
            out += key == keys.last() ? "\n" : ",\n";
        }
        out += closing + '}';
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        if (array.isEmpty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (qsizetype i = 0; i < array.size(); ++i) {
            out += indent;
            write(out, array.at(i), depth + 1);
            out += i + 1 == array.size() ? "\n" : ",\n";
        }
        out += closing + ']';
    } else {
        out += scalarText(value);
    }
}

// A member that would hold a secret itself rather than the name of a variable holding it.
bool isSecretKey(const QString &key)
{
    const QString lower = key.toLower();
    return !lower.endsWith(u"_env"_s) &&
           (lower.contains(u"password"_s) || lower.contains(u"token"_s) ||
            lower.contains(u"secret"_s));
}

QString fromStd(const std::string &text)
{
    return QString::fromStdString(text);
}

// "/registries/0/auth/password_env" → section "registries", index 0, key "auth.password_env".
void locate(ConfigIssue &issue, const std::string &pointer)
{
    QStringList parts = fromStd(pointer).split(u'/', Qt::SkipEmptyParts);
    for (QString &part : parts)
        part.replace(u"~1"_s, u"/"_s).replace(u"~0"_s, u"~"_s);
    if (parts.isEmpty())
        return;
    issue.section = parts.takeFirst();
    bool numeric = false;
    const int index = parts.isEmpty() ? -1 : parts.first().toInt(&numeric);
    if (numeric) {
        issue.index = index;
        parts.removeFirst();
    }
    issue.key = parts.join(u'.');
}

// The member whose key or value starts at "LINE:COLUMN", array elements included.
std::optional<std::string> pointerAt(const JsonDocument &document, const TextPosition &position)
{
    for (const std::string &member : document.memberPointers()) {
        if (document.keyPosition(member) == position || document.valuePosition(member) == position)
            return member;
        // An element of an array ("images[1] is missing …") is no member: try the member's parent.
        const std::string parent = member.substr(0, member.rfind('/'));
        if (document.valuePosition(parent) == position)
            return parent;
    }
    return std::nullopt;
}

ConfigIssue issueAt(const JsonDocument &document, const QString &message, const QString &fileName)
{
    ConfigIssue issue;
    issue.message = message;
    issue.detail = message;
    static const QRegularExpression place(u"^(\\d+):(\\d+): (.*)$"_s);
    const QString rest = message.mid(fileName.size() + 1);
    if (const auto match = place.match(rest); message.startsWith(fileName) && match.hasMatch()) {
        issue.detail = match.captured(3);
        const TextPosition position{match.captured(1).toInt(), match.captured(2).toInt()};
        if (const auto pointer = pointerAt(document, position))
            locate(issue, *pointer);
    }
    return issue;
}

} // namespace

ConfigFileEditor::ConfigFileEditor(const QString &path, QObject *parent)
    : ConfigEditor(parent), m_path(path.isEmpty() ? Config::defaultPath() : path)
{
    QString source = m_path;
    if (!QFileInfo::exists(m_path)) {
        source = u":/config/default.json"_s;
        m_builtin = true;
    }
    QFile file(source);
    if (!file.open(QIODevice::ReadOnly)) {
        m_loadError = source + u": cannot read: "_s + file.errorString();
        return;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        m_loadError =
            source + u": not JSON (at byte %1): %2"_s.arg(error.offset).arg(error.errorString());
    else if (!document.isObject())
        m_loadError = source + u": expected a JSON object at the top level"_s;
    m_config = document.object();
}

QString ConfigFileEditor::checkImageRef(const QString &ref) const
{
    return check(QJsonObject{{u"images"_s, QJsonArray{QJsonObject{{u"ref"_s, ref}}}}}).detail;
}

QString ConfigFileEditor::checkInterval(const QString &interval) const
{
    const QJsonObject image{{u"ref"_s, u"busybox"_s}, {u"interval"_s, interval}};
    return check(QJsonObject{{u"images"_s, QJsonArray{image}}}).detail;
}

ConfigIssue ConfigFileEditor::check(const QJsonObject &config) const
{
    const QByteArray text = serialize(config);
    const Result<JsonDocument> document = JsonDocument::parse(text, m_path);
    if (!document) // cannot happen for a serialized QJsonObject; say so rather than crash
        return {document.error(), document.error(), {}, -1, {}};
    // Config::parse refuses "password" and "token"; this also catches "secret", "api_token" …
    for (const std::string &member : document->memberPointers()) {
        const QString key = fromStd(member.substr(member.rfind('/') + 1));
        if (!isSecretKey(key))
            continue;
        const QString message =
            document
                ->errorAt(document->keyPosition(member).value_or(TextPosition{}),
                          u"key \"%1\" is not allowed: secrets never go in the config file, put "
                          "the name of an environment variable in \"%2_env\" instead"_s.arg(
                              key, key.toLower()))
                .message;
        return issueAt(*document, message, m_path);
    }
    if (const Result<Config> parsed = Config::parse(text, m_path); !parsed)
        return issueAt(*document, parsed.error(), m_path);
    return {};
}

Status ConfigFileEditor::save(const QJsonObject &config)
{
    if (const ConfigIssue issue = check(config); !issue.ok())
        return Error{issue.message};
    const QString directory = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(directory))
        return Error{m_path + u": cannot write: cannot create the directory "_s + directory};
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return Error{m_path + u": cannot write: "_s + file.errorString()};
    // QSaveFile commits a short write (file size limit, quota) as if it were whole; unbuffered,
    // write() tells.
    const QByteArray text = serialize(config);
    if (const qint64 written = file.write(text); written != text.size())
        return Error{m_path + u": cannot write: "_s +
                     (written < 0
                          ? file.errorString()
                          : u"only %1 of %2 bytes written"_s.arg(written).arg(text.size()))};
    if (!file.commit())
        return Error{m_path + u": cannot write: "_s + file.errorString()};
    m_config = config;
    m_builtin = false;
    m_loadError.clear();
    emit saved(m_path);
    return {};
}

QByteArray ConfigFileEditor::serialize(const QJsonObject &config)
{
    QByteArray out;
    write(out, config, 0);
    return out + '\n';
}

} // namespace pw
