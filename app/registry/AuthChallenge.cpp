#include "registry/AuthChallenge.h"

using namespace Qt::StringLiterals;

namespace pw {

namespace {

bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// tchar (RFC 9110 §5.6.2): the characters of schemes, parameter names and unquoted values.
bool isTokenChar(char c)
{
    if (isAlpha(c) || isDigit(c))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

// token68 (RFC 7235 §2.1) before its trailing '=' padding.
bool isToken68Char(char c)
{
    return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
           c == '/';
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

// Commas separate list elements; CR and LF count too, because HTTP stacks join repeated
// header lines with either.
bool isSeparator(char c)
{
    return c == ',' || c == '\r' || c == '\n';
}

// Inside a quoted-string: HTAB, SP, visible ASCII and obs-text (bytes >= 0x80), no controls.
bool isQuotedTextChar(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return c == '\t' || (byte >= 0x20 && byte != 0x7f);
}

QString lowerAscii(QByteArrayView token)
{
    return QString::fromLatin1(token).toLower();
}

class ChallengeParser
{
public:
    explicit ChallengeParser(QByteArrayView text) : m_text(text) {}

    // Appends the challenges it completes to `out`, up to the first syntax error.
    void parseInto(QList<AuthChallenge> &out)
    {
        QList<AuthChallenge> parsed;
        skipSeparators();
        while (!atEnd()) {
            const QByteArrayView name = takeToken();
            if (name.isEmpty())
                break;
            const bool spaced = skipWhitespace();
            const bool continuesParams =
                !parsed.isEmpty() && parsed.last().token68.isEmpty() && peek() == '=';
            if (continuesParams) {
                // `, service="x"`: one more auth-param of the challenge before the comma.
                if (!parseParamValue(parsed.last(), name))
                    return finish(out, parsed, true);
            } else {
                AuthChallenge challenge;
                challenge.scheme = lowerAscii(name);
                // A scheme is followed by the end, a separator or 1*SP and its parameters.
                if (!atEnd() && !isSeparator(peek()) &&
                    (!spaced || !parseToken68OrFirstParam(challenge))) {
                    return finish(out, parsed, false);
                }
                parsed.append(std::move(challenge));
            }
            skipWhitespace();
            if (!atEnd() && !isSeparator(peek()))
                return finish(out, parsed, true);
            skipSeparators();
        }
        finish(out, parsed, false);
    }

private:
    // The last challenge is dropped when the error happened inside it.
    static void finish(QList<AuthChallenge> &out, QList<AuthChallenge> &parsed, bool lastBroken)
    {
        if (lastBroken && !parsed.isEmpty())
            parsed.removeLast();
        out.append(std::move(parsed));
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }

    bool skipWhitespace()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isWhitespace(peek()))
            ++m_pos;
        return m_pos != start;
    }

    // RFC 9110 §5.6.1: recipients accept empty list elements ("a, , b").
    void skipSeparators()
    {
        while (!atEnd() && (isWhitespace(peek()) || isSeparator(peek())))
            ++m_pos;
    }

    QByteArrayView takeToken()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isTokenChar(peek()))
            ++m_pos;
        return m_text.sliced(start, m_pos - start);
    }

    // `Negotiate abc==` or `Bearer realm="x"`: a token68 must fill the whole list element, so
    // anything else after it means the element is an auth-param and is read again as one.
    bool parseToken68OrFirstParam(AuthChallenge &challenge)
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isToken68Char(peek()))
            ++m_pos;
        if (m_pos != start) {
            while (!atEnd() && peek() == '=')
                ++m_pos;
            const qsizetype end = m_pos;
            skipWhitespace();
            if (atEnd() || isSeparator(peek())) {
                challenge.token68 = QString::fromLatin1(m_text.sliced(start, end - start));
                return true;
            }
        }
        m_pos = start;
        const QByteArrayView name = takeToken();
        if (name.isEmpty())
            return false;
        skipWhitespace();
        return parseParamValue(challenge, name);
    }

    // At '=' after a parameter name: reads `= value` (BWS allowed around '=').
    bool parseParamValue(AuthChallenge &challenge, QByteArrayView name)
    {
        if (peek() != '=')
            return false;
        ++m_pos;
        skipWhitespace();
        QByteArray value;
        if (peek() == '"') {
            if (!takeQuotedString(value))
                return false;
        } else {
            const QByteArrayView token = takeToken();
            if (token.isEmpty())
                return false;
            value = token.toByteArray();
        }
        // RFC 7235 allows each name once per challenge; the first one wins so that a value
        // appended later cannot replace the realm a client is about to send credentials to.
        const QString key = lowerAscii(name);
        if (!challenge.params.contains(key))
            challenge.params.insert(key, QString::fromUtf8(value));
        return true;
    }

    bool takeQuotedString(QByteArray &value)
    {
        ++m_pos; // opening quote
        while (!atEnd()) {
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (c == '\\') {
                if (atEnd() || !isQuotedTextChar(peek()))
                    return false;
                value.append(m_text[m_pos++]);
            } else if (isQuotedTextChar(c)) {
                value.append(c);
            } else {
                return false;
            }
        }
        return false; // unterminated
    }

    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

} // namespace

QString AuthChallenge::param(QStringView name) const
{
    return params.value(name.toString().toLower());
}

bool AuthChallenge::hasParam(QStringView name) const
{
    return params.contains(name.toString().toLower());
}

bool AuthChallenge::isScheme(QStringView name) const
{
    return scheme.compare(name, Qt::CaseInsensitive) == 0;
}

BearerError AuthChallenge::bearerError() const
{
    if (!isScheme(u"bearer"))
        return BearerError::None;
    const auto it = params.constFind(u"error"_s);
    if (it == params.cend())
        return BearerError::None;
    const QString &code = it.value();
    if (code.compare(u"invalid_token", Qt::CaseInsensitive) == 0)
        return BearerError::InvalidToken;
    if (code.compare(u"insufficient_scope", Qt::CaseInsensitive) == 0)
        return BearerError::InsufficientScope;
    if (code.compare(u"invalid_request", Qt::CaseInsensitive) == 0)
        return BearerError::InvalidRequest;
    return BearerError::Other;
}

QList<AuthChallenge> parseAuthChallenges(QByteArrayView headerValue)
{
    QList<AuthChallenge> challenges;
    ChallengeParser(headerValue).parseInto(challenges);
    return challenges;
}

QList<AuthChallenge> parseAuthChallenges(const QList<QByteArray> &headerValues)
{
    QList<AuthChallenge> challenges;
    for (const QByteArray &value : headerValues)
        ChallengeParser(value).parseInto(challenges);
    return challenges;
}

std::optional<AuthChallenge> findChallenge(const QList<AuthChallenge> &challenges,
                                           QStringView scheme)
{
    for (const AuthChallenge &challenge : challenges) {
        if (challenge.isScheme(scheme))
            return challenge;
    }
    return std::nullopt;
}

} // namespace pw
