#pragma once

#include "Result.h"
#include "config/JsonPositions.h"

#include <QString>
#include <QStringView>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace pw {

// Typed reads of the members of a JSON document with positions, for the config: each read checks
// a member's type and form; the first problem is kept as the one error, naming the line and
// column of the value (or key) at fault, and later problems are not reported over it.
class JsonFields
{
public:
    using json = nlohmann::json;

    // An object being read: its value, JSON pointer and name for messages ("images[2]").
    struct Node
    {
        const json *value;
        std::string path;
        QString name;
    };
    enum Need
    {
        Optional,
        Required,
        NonEmpty,
    };

    explicit JsonFields(const JsonDocument &document) : m_document(document) {}

    bool failed() const { return m_error.has_value(); }
    const std::optional<Error> &error() const { return m_error; }

    // The first problem wins; it points at the value, or at the key when atKey.
    void fail(const std::string &path, const QString &message, bool atKey = false);
    void failValue(const Node &object, const char *key, const QString &message);
    // "\"key\" <requirement>, got <the value as written>", pointing at the value.
    void reject(const Node &object, const char *key, const QString &requirement);
    // Reports the first unknown key in document order (the parsed object sorts its keys).
    void allowKeys(const Node &object, std::initializer_list<const char *> allowed,
                   const QString &context = {});

    const json *find(const Node &object, const char *key) const;
    // read(element) for each object of the array at key; an element that is not an object fails.
    template<class Read> void eachObject(const Node &parent, const char *key, Read read);
    QString string(const Node &object, const char *key, Need need = Optional,
                   QString fallback = {});
    QString envName(const Node &object, const char *key, Need need = Optional,
                    QString fallback = {});
    bool boolean(const Node &object, const char *key);
    qint64 duration(const Node &object, const char *key, qint64 fallback);
    // The place of "key" in an earlier element of the same list, for "first listed at …".
    QString earlier(const Node &element, qsizetype index, const char *key) const;

    static QString fromStd(std::string_view text);
    static QString quoted(const char *key);
    // A value as the user wrote it, for "got …" in messages.
    static QString describe(const json &value);
    static bool isEnvName(QStringView name);

protected:
    const JsonDocument &m_document;
    std::optional<Error> m_error;
};

template<class Read> void JsonFields::eachObject(const Node &parent, const char *key, Read read)
{
    using namespace Qt::Literals::StringLiterals;
    const json *list = find(parent, key);
    const std::string path = JsonDocument::childPointer(parent.path, key);
    if (list && !list->is_array())
        fail(path, quoted(key) + u" must be an array of objects, got "_s + describe(*list));
    for (std::size_t i = 0; list && list->is_array() && i < list->size() && !failed(); ++i) {
        const Node element{&(*list)[i], JsonDocument::childPointer(path, std::to_string(i)),
                           QLatin1StringView(key) + u'[' + QString::number(i) + u']'};
        if (element.value->is_object())
            read(element);
        else
            fail(element.path,
                 element.name + u" must be an object, got "_s + describe(*element.value));
    }
}

} // namespace pw
