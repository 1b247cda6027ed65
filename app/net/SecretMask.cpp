#include "net/SecretMask.h"

#include <QUrl>

#include <algorithm>

namespace pw {

namespace {
QByteArray jsonEscaped(const QByteArray &text)
{
    QByteArray escaped;
    for (const char c : text) {
        if (c == '"' || c == '\\' || c == '/')
            escaped += '\\';
        escaped += c;
    }
    return escaped;
}
} // namespace

void SecretMask::addSecret(QByteArrayView secret)
{
    if (secret.isEmpty())
        return;
    const QByteArray value = secret.toByteArray();
    if (m_secrets.contains(value))
        return;
    m_secrets.append(value);
    if (m_secrets.size() > MaxSecrets) {
        m_secrets.removeFirst();
        m_forms.clear();
        m_textForms.clear();
        for (const QByteArray &kept : std::as_const(m_secrets))
            addForms(kept);
    } else {
        addForms(value);
    }
    std::sort(m_forms.begin(), m_forms.end(),
              [](const QByteArray &a, const QByteArray &b) { return a.size() > b.size(); });
    m_textForms.clear();
    for (const QByteArray &form : std::as_const(m_forms))
        m_textForms.append(QString::fromUtf8(form));
}

void SecretMask::addAuthorization(QByteArrayView value)
{
    const qsizetype space = value.indexOf(' ');
    const QByteArrayView scheme = space < 0 ? QByteArrayView() : value.first(space);
    const QByteArrayView credentials = value.sliced(space + 1).trimmed();
    addSecret(credentials);
    if (scheme.compare("Basic", Qt::CaseInsensitive) != 0)
        return;
    const auto result = QByteArray::fromBase64Encoding(credentials.toByteArray());
    if (!result)
        return;
    const QByteArray &decoded = result.decoded;
    addSecret(decoded);
    const qsizetype colon = decoded.indexOf(':');
    if (colon >= 0)
        addSecret(decoded.sliced(colon + 1)); // the user name alone is no secret
}

void SecretMask::addForms(const QByteArray &secret)
{
    const QByteArray forms[] = {secret, secret.toBase64(),
                                secret.toBase64(QByteArray::OmitTrailingEquals),
                                secret.toBase64(QByteArray::Base64UrlEncoding |
                                                QByteArray::OmitTrailingEquals),
                                QUrl::toPercentEncoding(QString::fromUtf8(secret)),
                                jsonEscaped(secret)};
    for (const QByteArray &form : forms) {
        if (!form.isEmpty() && !m_forms.contains(form))
            m_forms.append(form);
    }
}

QString SecretMask::apply(QString text) const
{
    for (const QString &form : m_textForms)
        text.replace(form, Replacement.toString());
    return text;
}

QByteArray SecretMask::apply(QByteArray text) const
{
    const QByteArray replacement = Replacement.toUtf8();
    for (const QByteArray &form : m_forms)
        text.replace(form, replacement);
    return text;
}

} // namespace pw
