#include "registry/TokenCache.h"

#include "TimeFormat.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QRegularExpression>
#include <QStringList>
#include <QtNumeric>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace pw {

namespace {

constexpr qint64 MsPerSecond = 1000;

// The token goes into an Authorization header: control characters there would let a hostile
// token server inject headers, and spaces or non-ASCII would break the header's syntax.
bool isHeaderSafe(QStringView token)
{
    return std::all_of(token.begin(), token.end(),
                       [](QChar c) { return c.unicode() > 0x20 && c.unicode() < 0x7f; });
}

// RFC 3339 date-time; timeformat::parseTime alone would also take "now", "-7d" or a bare date.
bool looksLikeRfc3339(const QString &text)
{
    static const QRegularExpression pattern(
        u"^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:[Zz]|[+-]\\d{2}:\\d{2})$"_s);
    return pattern.match(text).hasMatch();
}

Error responseError(const QString &what)
{
    return Error{u"token response: "_s + what};
}

// A JSON string member that is absent, null or "" counts as not given.
Result<QString> optionalString(const QJsonObject &object, const QString &name)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString())
        return responseError(u"\""_s + name + u"\" is not a string"_s);
    return value.toString();
}

} // namespace

size_t qHash(const TokenKey &key, size_t seed) noexcept
{
    return qHashMulti(seed, key.realm, key.service, key.scope);
}

Result<TokenResponse> parseTokenResponse(QByteArrayView json, qint64 receivedAtMs)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    // QJsonParseError names the problem and the offset only, never the text around it.
    if (parseError.error != QJsonParseError::NoError)
        return responseError(u"invalid JSON at offset %1: %2"_s.arg(parseError.offset)
                                 .arg(parseError.errorString()));
    if (!document.isObject())
        return responseError(u"expected a JSON object"_s);
    const QJsonObject object = document.object();

    TokenResponse response;
    // OAuth2 clients read access_token; the distribution spec says both are equal when present.
    for (const QString &name : {u"access_token"_s, u"token"_s}) {
        Result<QString> token = optionalString(object, name);
        if (!token)
            return Error{token.error()};
        if (!token->isEmpty()) {
            response.token = std::move(*token);
            break;
        }
    }
    if (response.token.isEmpty())
        return responseError(u"neither \"token\" nor \"access_token\" is given"_s);
    if (!isHeaderSafe(response.token))
        return responseError(u"the token contains spaces, control or non-ASCII characters"_s);

    const QJsonValue expiresIn = object.value(u"expires_in"_s);
    if (expiresIn.isDouble()) {
        // Clamped before the conversion: an out-of-range double to integer is undefined.
        const double seconds =
            std::clamp(expiresIn.toDouble(), 0.0, double(TokenCache::MaxLifetimeSeconds));
        response.expiresInSeconds = qint64(seconds);
    } else if (!expiresIn.isUndefined() && !expiresIn.isNull()) {
        return responseError(u"\"expires_in\" is not a number"_s);
    }

    const Result<QString> issuedAt = optionalString(object, u"issued_at"_s);
    if (!issuedAt)
        return Error{issuedAt.error()};
    response.issuedAtMs = receivedAtMs;
    if (!issuedAt->isEmpty()) {
        const Result<qint64> ms = looksLikeRfc3339(*issuedAt)
                                      ? timeformat::parseTime(*issuedAt, receivedAtMs)
                                      : Result<qint64>(Error{});
        if (!ms)
            return responseError(u"\"issued_at\" is not an RFC 3339 time: \""_s + *issuedAt + u'"');
        response.issuedAtMs = std::min(*ms, receivedAtMs);
    }
    return response;
}

void TokenCache::insert(const TokenKey &key, QString token, qint64 expiresInSeconds,
                        qint64 issuedAtMs)
{
    const qint64 lifetimeSeconds = expiresInSeconds <= 0
                                       ? DefaultLifetimeSeconds
                                       : std::min(expiresInSeconds, MaxLifetimeSeconds);
    const qint64 usableForMs = lifetimeSeconds * MsPerSecond - SafetyMarginMs;
    qint64 usableUntilMs = 0;
    // Saturate instead of wrapping, so an absurd issued_at cannot turn into "never expires".
    if (qAddOverflow(issuedAtMs, usableForMs, &usableUntilMs))
        usableUntilMs = usableForMs > 0 ? std::numeric_limits<qint64>::max()
                                        : std::numeric_limits<qint64>::min();
    m_entries.insert(normalized(key), Entry{std::move(token), usableUntilMs});
}

void TokenCache::insert(const TokenKey &key, const TokenResponse &response)
{
    insert(key, response.token, response.expiresInSeconds, response.issuedAtMs);
}

std::optional<QString> TokenCache::find(const TokenKey &key, qint64 nowMs) const
{
    const auto it = m_entries.constFind(normalized(key));
    if (it == m_entries.cend() || nowMs >= it->usableUntilMs)
        return std::nullopt;
    return it->token;
}

std::optional<qint64> TokenCache::usableUntilMs(const TokenKey &key) const
{
    const auto it = m_entries.constFind(normalized(key));
    if (it == m_entries.cend())
        return std::nullopt;
    return it->usableUntilMs;
}

void TokenCache::drop(const TokenKey &key)
{
    m_entries.remove(normalized(key));
}

void TokenCache::removeExpired(qint64 nowMs)
{
    m_entries.removeIf([nowMs](const std::pair<const TokenKey &, Entry &> &entry) {
        return nowMs >= entry.second.usableUntilMs;
    });
}

void TokenCache::clear()
{
    m_entries.clear();
}

TokenKey TokenCache::normalized(const TokenKey &key)
{
    if (!key.scope.contains(u' '))
        return key;
    QStringList scopes = key.scope.split(u' ', Qt::SkipEmptyParts);
    scopes.sort();
    scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
    return TokenKey{key.realm, key.service, scopes.join(u' ')};
}

} // namespace pw
