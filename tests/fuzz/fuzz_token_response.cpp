// parseTokenResponse on arbitrary token-endpoint bodies, then the cache with what it accepted:
// an accepted token is safe to put in a header, its lifetime is bounded and its issue time never
// lies in the future; the cache hands it out exactly until usableUntilMs.
#include "fuzzsupport.h"

#include "registry/TokenCache.h"

#include <limits>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
constexpr qint64 ReceivedAtMs = 1'747'557'735'000; // 2025-05-18T08:42:15Z
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    const Result<TokenResponse> response = parseTokenResponse(input, ReceivedAtMs);
    if (!response) {
        fuzz::check(response.error().startsWith(u"token response: "_s), "error names its origin",
                    response.error());
        return 0;
    }
    const QString &token = response->token;
    fuzz::check(!token.isEmpty(), "a token was read");
    for (const QChar c : token)
        fuzz::check(c.unicode() > 0x20 && c.unicode() < 0x7f, "the token is header-safe", token);
    fuzz::check(response->expiresInSeconds >= 0 &&
                    response->expiresInSeconds <= TokenCache::MaxLifetimeSeconds,
                "the lifetime is bounded", QString::number(response->expiresInSeconds));
    fuzz::check(response->issuedAtMs <= ReceivedAtMs, "issued_at is not in the future",
                QString::number(response->issuedAtMs));

    TokenCache cache;
    const TokenKey key{u"https://auth.example/token"_s, u"registry.example"_s,
                       u"repository:b:pull repository:a:pull repository:b:pull"_s};
    cache.insert(key, *response);
    const std::optional<qint64> until = cache.usableUntilMs(key);
    fuzz::check(until.has_value(), "an inserted token is stored");
    const TokenKey reordered{key.realm, key.service, u"repository:a:pull repository:b:pull"_s};
    fuzz::check(cache.usableUntilMs(reordered) == until, "scope order does not matter");
    if (*until > std::numeric_limits<qint64>::min()) {
        const std::optional<QString> found = cache.find(key, *until - 1);
        fuzz::check(found == token, "the token is handed out until usableUntilMs");
    }
    fuzz::check(!cache.find(key, *until).has_value(), "the token is not handed out after");
    cache.removeExpired(*until);
    fuzz::check(cache.size() == 0, "removeExpired forgets it");
    return 0;
}
