#include "config/JsonPositions.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace pw {

using namespace Qt::Literals::StringLiterals;

namespace {

using json = nlohmann::json;
constexpr std::size_t NoOffset = std::string_view::npos;
constexpr std::string_view Bom = "\xEF\xBB\xBF";

QString fromStd(std::string_view text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

// Byte offsets at which lines start; the first line starts after a byte order mark.
std::vector<std::size_t> lineStarts(std::string_view text)
{
    std::vector<std::size_t> starts{text.starts_with(Bom) ? Bom.size() : 0};
    for (std::size_t i = starts.front(); i < text.size(); ++i) {
        if (text[i] == '\n')
            starts.push_back(i + 1);
    }
    return starts;
}

TextPosition positionOf(std::string_view text, const std::vector<std::size_t> &starts,
                        std::size_t offset)
{
    offset = std::min(offset, text.size());
    const auto next = std::upper_bound(starts.begin(), starts.end(), offset);
    if (next == starts.begin()) // inside the byte order mark
        return {};
    int column = 1;
    for (std::size_t i = *(next - 1); i < offset; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) // continuations extend a char
            ++column;
    }
    return {int(next - starts.begin()), column};
}

// Builds the document and keeps a syntax error as a value; nlohmann would otherwise throw.
class DomBuilder
{
public:
    using number_integer_t = json::number_integer_t;
    using number_unsigned_t = json::number_unsigned_t;
    using number_float_t = json::number_float_t;
    using string_t = json::string_t;
    using binary_t = json::binary_t;

    bool null() { return add(nullptr); }
    bool boolean(bool value) { return add(value); }
    bool number_integer(number_integer_t value) { return add(value); }
    bool number_unsigned(number_unsigned_t value) { return add(value); }
    bool number_float(number_float_t value, const string_t &) { return add(value); }
    bool string(string_t &value) { return add(std::move(value)); }
    bool binary(binary_t &value) { return add(json::binary(std::move(value))); }
    bool start_object(std::size_t) { return open(json::object()); }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(string_t &key)
    {
        m_key = std::move(key);
        return true;
    }
    bool parse_error(std::size_t position, const std::string &lastToken, const json::exception &e)
    {
        m_errorPosition = position;
        m_lastToken = lastToken;
        m_error = e.what();
        return false;
    }

    json m_root;
    std::string m_error; // empty on success
    std::string m_lastToken;
    std::size_t m_errorPosition = 0; // characters read, the offending one included

private:
    // Open containers stay put: only the innermost one grows while it is open.
    json *insert(json value)
    {
        if (m_open.empty()) {
            m_root = std::move(value);
            return &m_root;
        }
        json &parent = *m_open.back();
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        json &slot = parent[m_key];
        slot = std::move(value);
        return &slot;
    }
    bool add(json value)
    {
        insert(std::move(value));
        return true;
    }
    bool open(json value)
    {
        m_open.push_back(insert(std::move(value)));
        return true;
    }
    bool close()
    {
        m_open.pop_back();
        return true;
    }

    std::vector<json *> m_open;
    std::string m_key;
};

// Tokens print in an error message as readable ASCII, the tail kept (the error is at its end).
std::string printable(std::string_view token)
{
    std::string out;
    for (char ch : token) {
        const auto c = static_cast<unsigned char>(ch);
        static constexpr char Hex[] = "0123456789ABCDEF";
        if (c >= 0x20 && c < 0x7F)
            out += ch;
        else
            out += std::string{'\\', 'x', Hex[c >> 4], Hex[c & 15]};
    }
    return out.size() > 40 ? "..." + out.substr(out.size() - 37) : out;
}

// nlohmann counts the characters read up to the end of the offending token (the offending
// character itself for lexer errors); a message should point at the token's first character.
std::size_t syntaxErrorOffset(std::string_view text, std::size_t charsRead, bool lexerError)
{
    const std::size_t last = std::min(charsRead == 0 ? 0 : charsRead - 1, text.size());
    if (lexerError || last == text.size())
        return last;
    const auto isWord = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
    };
    std::size_t i = last;
    if (text[last] == '"') { // back to the opening quote: every inner quote is escaped
        while (i > 0) {
            --i;
            std::size_t slashes = 0;
            while (i > slashes && text[i - slashes - 1] == '\\')
                ++slashes;
            if (text[i] == '"' && slashes % 2 == 0)
                return i;
        }
    }
    while (isWord(text[last]) && i > 0 && isWord(text[i - 1]))
        --i;
    return i;
}

QString syntaxMessage(const DomBuilder &dom)
{
    // "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while
    // parsing object - unexpected '}'; expected string literal" -> "syntax error: unexpected …"
    std::string message = dom.m_error;
    if (const auto end = message.find("] "); end != std::string::npos)
        message.erase(0, end + 2);
    if (message.starts_with("parse error"))
        message.erase(0, message.find(": ") + 2);
    if (message.starts_with("syntax error"))
        message = "syntax error: " + message.substr(message.find(" - ") + 3);
    const std::string lastRead = "; last read: '" + dom.m_lastToken + '\'';
    if (const auto at = message.find(lastRead); at != std::string::npos)
        message.replace(at, lastRead.size(), "; last read: '" + printable(dom.m_lastToken) + '\'');
    return fromStd(message);
}

} // namespace

// SAX callbacks carry no positions, so this walks the text nlohmann has already accepted a second
// time, recording where every value and key starts. It also rejects duplicate keys (nlohmann
// silently keeps the last) and nesting deep enough to exhaust the stack.
class JsonDocument::PositionScanner
{
public:
    explicit PositionScanner(JsonDocument &document) : m_document(document), m_text(document.text())
    {}

    bool scan()
    {
        m_i = m_text.starts_with(Bom) ? Bom.size() : 0;
        return value({}, 0);
    }

    std::size_t m_errorOffset = 0;
    QString m_error;

private:
    char peek() const { return m_i < m_text.size() ? m_text[m_i] : '\0'; }
    void skipSpace()
    {
        while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')
            ++m_i;
    }
    std::string_view skipString()
    {
        const std::size_t start = m_i++;
        while (m_i < m_text.size() && m_text[m_i] != '"')
            m_i += m_text[m_i] == '\\' ? 2 : 1;
        ++m_i;
        return m_text.substr(start, m_i - start);
    }
    bool fail(std::size_t offset, QString message)
    {
        m_errorOffset = offset;
        m_error = std::move(message);
        return false;
    }
    bool value(const std::string &path, int depth)
    {
        skipSpace();
        m_document.m_places[path].value = m_i;
        if (depth > MaxDepth)
            return fail(m_i, u"nested deeper than %1 levels"_s.arg(MaxDepth));
        if (peek() == '{' || peek() == '[')
            return container(path, depth, peek() == '{');
        if (peek() == '"')
            skipString();
        while (m_i < m_text.size() && std::string_view(" \t\r\n,]}").find(m_text[m_i]) == NoOffset)
            ++m_i;
        return true;
    }
    bool container(const std::string &path, int depth, bool isObject)
    {
        const char closer = isObject ? '}' : ']';
        std::set<std::string> keys;
        ++m_i;
        skipSpace();
        for (std::size_t index = 0; peek() != closer; ++index) {
            std::string child = childPointer(path, std::to_string(index));
            if (isObject) {
                const std::size_t keyAt = m_i;
                const std::string_view raw = skipString();
                const json decoded = json::parse(raw, nullptr, false);
                const std::string key = decoded.is_string() ? decoded.get<std::string>() : "";
                if (!keys.insert(key).second)
                    return fail(keyAt, u"duplicate key "_s + quoted(key));
                child = childPointer(path, key);
                m_document.m_places[child].key = keyAt;
                m_document.m_members.push_back(child);
                skipSpace();
                ++m_i; // ':'
            }
            if (!value(child, depth + 1))
                return false;
            skipSpace();
            if (peek() == ',')
                ++m_i;
            else if (peek() != closer)
                return fail(m_i, u"syntax error"_s); // unreachable after nlohmann accepted it
            skipSpace();
        }
        ++m_i;
        return true;
    }

    JsonDocument &m_document;
    std::string_view m_text;
    std::size_t m_i = 0;
};

QString TextPosition::toString() const
{
    return QString::number(line) + u':' + QString::number(column);
}

Result<JsonDocument> JsonDocument::parse(const QByteArray &text, const QString &fileName)
{
    JsonDocument document;
    document.m_text = text;
    document.m_fileName = fileName;
    const std::string_view view = document.text();
    document.m_lineStarts = lineStarts(view);
    DomBuilder dom;
    if (!json::sax_parse(view.begin(), view.end(), &dom) || !dom.m_error.empty()) {
        const bool lexerError = dom.m_error.find("; last read: '") != std::string::npos;
        const std::size_t at = syntaxErrorOffset(view, dom.m_errorPosition, lexerError);
        return document.errorAt(positionOf(view, document.m_lineStarts, at), syntaxMessage(dom));
    }
    PositionScanner scanner(document);
    if (!scanner.scan())
        return document.errorAt(positionOf(view, document.m_lineStarts, scanner.m_errorOffset),
                                scanner.m_error);
    document.m_root = std::move(dom.m_root);
    return document;
}

std::optional<TextPosition> JsonDocument::valuePosition(const std::string &pointer) const
{
    const auto place = m_places.find(pointer);
    return place == m_places.end() ? std::nullopt : position(place->second.value);
}

std::optional<TextPosition> JsonDocument::keyPosition(const std::string &pointer) const
{
    const auto place = m_places.find(pointer);
    return place == m_places.end() ? std::nullopt : position(place->second.key);
}

Error JsonDocument::errorAt(const TextPosition &position, const QString &message) const
{
    return Error{m_fileName + u':' + position.toString() + u": "_s + message};
}

std::string JsonDocument::childPointer(const std::string &pointer, std::string_view key)
{
    std::string child = pointer + '/';
    for (char c : key)
        child += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return child;
}

QString JsonDocument::quoted(const std::string &text)
{
    return fromStd(json(text).dump());
}

std::optional<TextPosition> JsonDocument::position(std::size_t offset) const
{
    if (offset == NoOffset)
        return std::nullopt;
    return positionOf(text(), m_lineStarts, offset);
}

std::string_view JsonDocument::text() const
{
    return std::string_view(m_text.constData(), std::size_t(m_text.size()));
}

} // namespace pw
