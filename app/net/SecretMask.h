#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

namespace pw {

// Every secret pullwatch has sent, and how to blank it out of text a server sent back. A server
// may echo what it received in any error body, reason phrase, header or URL; what it echoes
// reaches messages, the history, CSV reports and logs only through apply().
//
// Each secret is kept in the forms it can come back in: as sent, base64 (of user:password),
// percent-encoded (a form body, a URL) and JSON-escaped. The oldest secrets are dropped beyond
// MaxSecrets (bearer tokens rotate every few minutes; old ones have expired).
class SecretMask
{
public:
    static constexpr qsizetype MaxSecrets = 512;
    static constexpr QStringView Replacement = u"***";

    // One secret: a password, a token. Empty is ignored.
    void addSecret(QByteArrayView secret);
    // An Authorization header value: "Basic <base64>" adds the base64, user:password and the
    // password; "Bearer <token>" (or any other scheme) adds the credentials after the scheme.
    void addAuthorization(QByteArrayView value);

    QString apply(QString text) const;
    QByteArray apply(QByteArray text) const;

    bool isEmpty() const { return m_secrets.isEmpty(); }

private:
    void addForms(const QByteArray &secret);

    QList<QByteArray> m_secrets; // as added, oldest first, no duplicates
    QList<QByteArray> m_forms;   // every form of every secret, longest first
    QStringList m_textForms;     // the same as text
};

} // namespace pw
