#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringView>

#include <optional>

namespace pw {

// The error a Bearer challenge reports (RFC 6750 §3.1). It decides what a 401 after sending a
// token means: invalid_token → drop the cached token and fetch a new one once;
// insufficient_scope → the token is fine but cannot see this repository (private or missing).
enum class BearerError
{
    None,              // no error param: the request simply carried no token
    InvalidRequest,    // "invalid_request"
    InvalidToken,      // "invalid_token": expired, revoked or malformed
    InsufficientScope, // "insufficient_scope"
    Other,             // an error code RFC 6750 does not define
};

// One challenge from a WWW-Authenticate header (RFC 7235 §2.1, §4.1).
struct AuthChallenge
{
    QString scheme;                // lower-case: "bearer", "basic", "negotiate"
    QMap<QString, QString> params; // lower-case names; values unquoted and unescaped
    QString token68;               // "Negotiate abc==" form; then params is empty

    // Looks a parameter up by name, ignoring case; empty when absent.
    QString param(QStringView name) const;
    bool hasParam(QStringView name) const;
    bool isScheme(QStringView name) const; // case-insensitive

    // Only Bearer challenges carry RFC 6750 error codes; others give None.
    BearerError bearerError() const;

    friend bool operator==(const AuthChallenge &, const AuthChallenge &) = default;
};

// Parses one header value, which may hold several comma-separated challenges
// (`Bearer realm="…",service="…", Basic realm="x"`). Parsing stops at the first syntax error:
// challenges completed before it are returned, the malformed one and everything after it are
// dropped, because after a broken quoted-string no comma can be trusted as a separator.
// Line breaks count as list separators, so values joined with "\n" parse like separate lines.
QList<AuthChallenge> parseAuthChallenges(QByteArrayView headerValue);

// Parses several WWW-Authenticate header lines of one response, in order; an error in one line
// does not affect the others.
QList<AuthChallenge> parseAuthChallenges(const QList<QByteArray> &headerValues);

// The first challenge with the given scheme (case-insensitive), e.g. u"bearer".
std::optional<AuthChallenge> findChallenge(const QList<AuthChallenge> &challenges,
                                           QStringView scheme);

} // namespace pw
