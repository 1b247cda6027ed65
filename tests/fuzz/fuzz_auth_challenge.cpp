// WWW-Authenticate parsing on arbitrary header values: whatever parses, written back as a header
// (quoted values, escaped quotes and backslashes), parses to the same challenges.
#include "fuzzsupport.h"

#include "registry/AuthChallenge.h"

#include <QStringList>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

QByteArray quotedValue(const QString &value)
{
    QByteArray out = "\"";
    for (const char c : value.toUtf8()) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

QByteArray header(const QList<AuthChallenge> &challenges)
{
    QList<QByteArray> parts;
    for (const AuthChallenge &challenge : challenges) {
        QByteArray part = challenge.scheme.toLatin1();
        if (!challenge.token68.isEmpty()) {
            part += ' ' + challenge.token68.toLatin1();
        } else {
            QList<QByteArray> params;
            for (auto it = challenge.params.cbegin(); it != challenge.params.cend(); ++it)
                params.append(it.key().toLatin1() + '=' + quotedValue(it.value()));
            if (!params.isEmpty())
                part += ' ' + params.join(", ");
        }
        parts.append(part);
    }
    return parts.join(", ");
}

QString describe(const QList<AuthChallenge> &challenges)
{
    return QString::fromUtf8(header(challenges));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    const QList<AuthChallenge> challenges = parseAuthChallenges(QByteArrayView(input));
    for (const AuthChallenge &challenge : challenges) {
        fuzz::check(!challenge.scheme.isEmpty(), "a challenge has a scheme", describe(challenges));
        fuzz::check(challenge.scheme == challenge.scheme.toLower(), "the scheme is lower-case",
                    challenge.scheme);
        fuzz::check(challenge.token68.isEmpty() || challenge.params.isEmpty(),
                    "token68 and parameters exclude each other", describe(challenges));
        for (auto it = challenge.params.cbegin(); it != challenge.params.cend(); ++it) {
            fuzz::check(!it.key().isEmpty() && it.key() == it.key().toLower(),
                        "parameter names are lower-case", it.key());
            fuzz::check(challenge.param(it.key().toUpper()) == it.value(),
                        "param() ignores case", it.key());
        }
        if (!challenge.isScheme(u"bearer"))
            fuzz::check(challenge.bearerError() == BearerError::None,
                        "only Bearer challenges carry errors", challenge.scheme);
    }

    const QByteArray written = header(challenges);
    const QList<AuthChallenge> again = parseAuthChallenges(QByteArrayView(written));
    fuzz::check(again == challenges, "the written header parses to the same challenges",
                QString::fromUtf8(written) + u"\n -> "_s + describe(again));

    // One header per line: the list overload reads each line on its own.
    const QList<AuthChallenge> perLine = parseAuthChallenges(input.split('\n'));
    if (!input.contains('\r') && !input.contains('\n'))
        fuzz::check(perLine == challenges, "a single line parses alike either way",
                    describe(perLine));
    if (const auto bearer = findChallenge(challenges, u"BEARER"))
        fuzz::check(bearer->isScheme(u"bearer"), "findChallenge finds the scheme asked for");
    return 0;
}
