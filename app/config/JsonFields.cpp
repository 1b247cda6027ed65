#include "config/JsonFields.h"

#include "TimeFormat.h"

#include <QStringList>

#include <algorithm>

namespace pw {

using namespace Qt::Literals::StringLiterals;

void JsonFields::fail(const std::string &path, const QString &message, bool atKey)
{
    const auto position = atKey ? m_document.keyPosition(path) : m_document.valuePosition(path);
    if (!m_error)
        m_error = m_document.errorAt(position.value_or(TextPosition{}), message);
}

void JsonFields::failValue(const Node &object, const char *key, const QString &message)
{
    fail(JsonDocument::childPointer(object.path, key), message);
}

void JsonFields::reject(const Node &object, const char *key, const QString &requirement)
{
    if (const json *value = find(object, key))
        failValue(object, key, quoted(key) + u' ' + requirement + u", got "_s + describe(*value));
}

void JsonFields::allowKeys(const Node &object, std::initializer_list<const char *> allowed,
                           const QString &context)
{
    std::optional<TextPosition> first;
    QString firstKey;
    for (const auto &item : object.value->items()) {
        if (std::any_of(allowed.begin(), allowed.end(),
                        [&](const char *a) { return item.key() == a; }))
            continue;
        const auto at = m_document.keyPosition(JsonDocument::childPointer(object.path, item.key()));
        if (at && (!first || *at < *first)) {
            first = at;
            firstKey = JsonDocument::quoted(item.key());
        }
    }
    QStringList names;
    for (const char *a : allowed)
        names.append(QLatin1StringView(a));
    if (first && !failed())
        m_error = m_document.errorAt(*first, u"unknown key %1%2 (expected one of: %3)"_s.arg(
                                                 firstKey, context, names.join(u", "_s)));
}

const JsonFields::json *JsonFields::find(const Node &object, const char *key) const
{
    const auto it = object.value->find(key);
    return it == object.value->end() ? nullptr : &*it;
}

QString JsonFields::string(const Node &object, const char *key, Need need, QString fallback)
{
    const json *value = find(object, key);
    if (!value && need != Optional)
        fail(object.path, object.name + u" is missing "_s + quoted(key));
    else if (value && !value->is_string())
        reject(object, key, u"must be a string"_s);
    else if (value && need == NonEmpty && value->get_ref<const std::string &>().empty())
        failValue(object, key, quoted(key) + u" must not be empty"_s);
    else if (value)
        return fromStd(value->get_ref<const std::string &>());
    return fallback;
}

QString JsonFields::envName(const Node &object, const char *key, Need need, QString fallback)
{
    const QString name = string(object, key, need, fallback);
    if (!failed() && find(object, key) && !isEnvName(name))
        reject(object, key, u"must name an environment variable like \"REG_PASS\""_s);
    return name;
}

bool JsonFields::boolean(const Node &object, const char *key)
{
    const json *value = find(object, key);
    if (value && !value->is_boolean())
        reject(object, key, u"must be true or false"_s);
    return value && value->is_boolean() && value->get<bool>();
}

qint64 JsonFields::duration(const Node &object, const char *key, qint64 fallback)
{
    const json *value = find(object, key);
    if (!value)
        return fallback;
    const QString text =
        value->is_string() ? fromStd(value->get_ref<const std::string &>()) : QString();
    const Result<qint64> ms = timeformat::parseDuration(text);
    if (ms)
        return *ms;
    // "0s" is well-formed but useless; say so rather than show the format again.
    const bool zero =
        text.trimmed().startsWith(u'0') &&
        std::none_of(text.begin(), text.end(), [](QChar c) { return c >= u'1' && c <= u'9'; });
    reject(object, key, zero ? u"must be longer than zero"_s : u"must be a duration like \"5m\""_s);
    return fallback;
}

QString JsonFields::earlier(const Node &element, qsizetype index, const char *key) const
{
    const std::string list = element.path.substr(0, element.path.rfind('/'));
    const auto at = m_document.valuePosition(
        JsonDocument::childPointer(JsonDocument::childPointer(list, std::to_string(index)), key));
    return at ? at->toString() : QString();
}

QString JsonFields::fromStd(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

QString JsonFields::quoted(const char *key)
{
    return u'"' + QLatin1StringView(key) + u'"';
}

QString JsonFields::describe(const json &value)
{
    if (value.is_object() || value.is_array())
        return value.is_object() ? u"an object"_s : u"an array"_s;
    const QString text = fromStd(value.dump());
    return text.size() > 60 ? text.left(57) + u"..."_s : text;
}

bool JsonFields::isEnvName(QStringView name)
{
    const auto valid = [](QChar c) {
        return c == u'_' || (c.unicode() < 128 && c.isLetterOrNumber());
    };
    return !name.isEmpty() && !name.front().isDigit() &&
           std::all_of(name.begin(), name.end(), valid);
}

} // namespace pw
