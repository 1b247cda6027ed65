#pragma once

#include "Result.h"

#include <QByteArrayView>
#include <QHash>
#include <QString>

#include <optional>

namespace pw {

// What a bearer token was issued for: the challenge's realm, service and scope. The scope is
// the space-separated list from the challenge; the cache ignores the order of its entries and
// repeats, since "a b" and "b a" ask the token server for the same grant.
struct TokenKey
{
    QString realm;   // token endpoint, e.g. https://auth.docker.io/token
    QString service; // e.g. registry.docker.io
    QString scope;   // e.g. repository:library/busybox:pull; may be empty (GET /v2/)

    friend bool operator==(const TokenKey &, const TokenKey &) = default;
};

size_t qHash(const TokenKey &key, size_t seed = 0) noexcept;

// A token endpoint's answer (distribution spec/auth/token.md).
struct TokenResponse
{
    QString token;               // secret: never log it or put it into a message
    qint64 expiresInSeconds = 0; // as sent; 0 when absent (the cache then assumes 60 s)
    qint64 issuedAtMs = 0;       // issued_at, or the receive time when absent (see below)
};

// Reads `{"token"|"access_token": …, "expires_in": …, "issued_at": RFC 3339}`. receivedAtMs is
// when the response arrived. An issued_at later than that (the server's clock runs ahead) is
// replaced by receivedAtMs: the server measures the lifetime by its own clock, so a skewed
// issued_at may shorten the time we reuse a token but never lengthen it.
// Errors name the problem, never the body, because the body contains the token.
Result<TokenResponse> parseTokenResponse(QByteArrayView json, qint64 receivedAtMs);

// Bearer tokens by (realm, service, scope) until shortly before they expire. The caller passes
// the time in, so behaviour at and around expiry is testable without waiting.
class TokenCache
{
public:
    // spec/auth/token.md: a missing expires_in means 60 s.
    static constexpr qint64 DefaultLifetimeSeconds = 60;
    // Longer lifetimes are cut to this; it also keeps the millisecond arithmetic in range.
    static constexpr qint64 MaxLifetimeSeconds = 24 * 60 * 60;
    // A token this close to expiry is not handed out: it could expire between the lookup and
    // the registry checking it, which would cost a 401 round trip.
    static constexpr qint64 SafetyMarginMs = 10'000;

    // expiresInSeconds <= 0 means "not given" and becomes DefaultLifetimeSeconds. Replaces any
    // token stored under the same key.
    void insert(const TokenKey &key, QString token, qint64 expiresInSeconds, qint64 issuedAtMs);
    void insert(const TokenKey &key, const TokenResponse &response);

    // The token, unless it is missing, expired, or within SafetyMarginMs of expiring.
    std::optional<QString> find(const TokenKey &key, qint64 nowMs) const;

    // When the stored token for key stops being handed out by find(); nothing if none is stored.
    std::optional<qint64> usableUntilMs(const TokenKey &key) const;

    // After the registry answers error="invalid_token" for this token.
    void drop(const TokenKey &key);
    // Forgets tokens find() would no longer return, so a long-running watch does not grow.
    void removeExpired(qint64 nowMs);
    void clear();
    qsizetype size() const { return m_entries.size(); }

private:
    struct Entry
    {
        QString token;
        qint64 usableUntilMs = 0; // expiry minus the safety margin
    };

    static TokenKey normalized(const TokenKey &key);

    QHash<TokenKey, Entry> m_entries;
};

} // namespace pw
