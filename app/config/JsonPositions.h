#pragma once

// JSON text parsed with the place of every key and value kept, so that a loader can name
// "FILE:LINE:COLUMN" in its messages. Only app/*.cpp include this header: nlohmann stays out of
// the headers other folders see.

#include "Result.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pw {

// 1-based; columns count characters, not bytes (a tab or a UTF-8 sequence is one column).
struct TextPosition
{
    int line = 1;
    int column = 1;

    // "LINE:COLUMN"
    QString toString() const;

    friend auto operator<=>(const TextPosition &, const TextPosition &) = default;
};

// A parsed document that remembers where each key and value starts, addressed by RFC 6901 JSON
// pointer ("" is the root, "/images/2/ref" a member of an array element). Parsing fails on
// syntax errors, duplicate keys (nlohmann would keep the last silently) and nesting deeper than
// MaxDepth; those errors are one line, "FILE:LINE:COLUMN: what is wrong".
class JsonDocument
{
public:
    static constexpr int MaxDepth = 64;

    // A UTF-8 byte order mark is skipped. Whitespace-only text is a syntax error; loaders that
    // want a friendlier message check for it first.
    static Result<JsonDocument> parse(const QByteArray &text, const QString &fileName);

    const nlohmann::json &root() const { return m_root; }
    const QString &fileName() const { return m_fileName; }

    // Where the value at `pointer` starts; nullopt when the document has no such value.
    std::optional<TextPosition> valuePosition(const std::string &pointer) const;
    // Where the key of the object member at `pointer` starts (its opening quote); nullopt for
    // the root, array elements and pointers the document does not have.
    std::optional<TextPosition> keyPosition(const std::string &pointer) const;
    // The pointers of all object members, in the order their keys appear in the text (the parsed
    // objects sort their keys).
    const std::vector<std::string> &memberPointers() const { return m_members; }

    // "FILE:LINE:COLUMN: message", the form of every error about this document.
    Error errorAt(const TextPosition &position, const QString &message) const;

    // The pointer one level down: childPointer("/images", "2"), with "~" and "/" escaped.
    static std::string childPointer(const std::string &pointer, std::string_view key);
    // A key or string as JSON text, quoted and escaped, so that a message stays on one line.
    static QString quoted(const std::string &text);

private:
    class PositionScanner; // fills m_places and m_members

    struct Place
    {
        std::size_t value = std::string_view::npos; // byte offsets into m_text
        std::size_t key = std::string_view::npos;
    };

    std::optional<TextPosition> position(std::size_t offset) const;
    std::string_view text() const;

    QByteArray m_text;
    QString m_fileName;
    nlohmann::json m_root;
    std::unordered_map<std::string, Place> m_places;
    std::vector<std::string> m_members;
    std::vector<std::size_t> m_lineStarts; // byte offset of every line's first character
};

} // namespace pw
