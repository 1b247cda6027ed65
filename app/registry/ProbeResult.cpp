#include "registry/ProbeResult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pw {

PullEvent ProbeResult::toEvent() const
{
    PullEvent event;
    event.ts = startedAtMs;
    event.source = Source::Probe;
    event.image = reference.canonical();
    event.registry = reference.registry;
    event.ok = ok;
    event.category = ok ? Category::None : category;
    event.httpStatus = httpStatus;
    event.latencyMs = latencyMs;
    event.bytes = bytes;
    event.digest = digest;
    event.message = truncateMessage(message);
    event.rule = step;
    event.cold = cold;
    return event;
}

namespace probe {

namespace {
QJsonArray errorArray(const QByteArray &body)
{
    // Nixery sends its JSON errors as text/plain: look at the body, not the Content-Type.
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return {};
    return document.object().value(u"errors"_s).toArray();
}

bool looksLikeText(const QByteArray &body)
{
    const QByteArray trimmed = body.trimmed();
    if (trimmed.startsWith('<'))
        return false; // an HTML error page says nothing a status line does not
    for (const char c : trimmed) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return QString::fromUtf8(trimmed).toUtf8() == trimmed; // valid UTF-8
}
} // namespace

QStringList registryErrorCodes(const QByteArray &body)
{
    QStringList codes;
    for (const QJsonValue &value : errorArray(body)) {
        const QString code = value.toObject().value(u"code"_s).toString();
        if (!code.isEmpty())
            codes.append(code.toUpper());
    }
    return codes;
}

QString registryErrors(const QByteArray &body)
{
    QStringList parts;
    for (const QJsonValue &value : errorArray(body)) {
        const QJsonObject object = value.toObject();
        const QString code = object.value(u"code"_s).toString();
        const QString message = object.value(u"message"_s).toString();
        if (code.isEmpty() && message.isEmpty())
            continue;
        parts.append(code.isEmpty()      ? message
                     : message.isEmpty() ? code
                                         : code + u": "_s + message);
    }
    if (!parts.isEmpty())
        return parts.join(u"; "_s);
    if (!looksLikeText(body))
        return {};
    QString text = QString::fromUtf8(body.trimmed()).section(u'\n', 0, 0).trimmed();
    if (text.size() > 200)
        text = text.left(200) + u"…"_s;
    return text;
}

Category categoryForStatus(int status, const QStringList &codes)
{
    if (status == 429 || codes.contains(u"TOOMANYREQUESTS"_s))
        return Category::RateLimit;
    if (status == 401 || status == 403 || codes.contains(u"UNAUTHORIZED"_s) ||
        codes.contains(u"DENIED"_s))
        return Category::Auth;
    if (status == 404 || status == 410 || codes.contains(u"MANIFEST_UNKNOWN"_s) ||
        codes.contains(u"NAME_UNKNOWN"_s) || codes.contains(u"BLOB_UNKNOWN"_s) ||
        codes.contains(u"NAME_INVALID"_s))
        return Category::NotFound;
    if (status >= 500)
        return Category::ServerError;
    return Category::Unknown;
}

std::optional<int> parseRateLimitCount(const QByteArray &value)
{
    bool ok = false;
    const int count = value.split(';').first().trimmed().toInt(&ok);
    if (!ok || count < 0)
        return std::nullopt;
    return count;
}

} // namespace probe

} // namespace pw
