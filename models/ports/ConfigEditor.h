#pragma once

#include "Result.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace pw {

// The first problem of a config document, located by the member at fault.
struct ConfigIssue
{
    QString message; // the one line Config::parse gives: "FILE:LINE:COLUMN: what is wrong"
    QString detail;  // the same without "FILE:LINE:COLUMN: "
    QString section; // "images", "registries", "ci" (or another top-level key); empty: the root
    int index = -1;  // the element of section, -1 when the problem is not inside one
    QString key;     // the member within the element, nested with dots ("auth.password_env")

    bool ok() const { return message.isEmpty(); }
};

// What the settings dialog asks of the config file (app/ConfigFileEditor implements it on JSON;
// ui tests use a fake). Validation lives behind this interface so that the form can never accept
// what the loader refuses. Secrets never go in the file: only names of environment variables.
class ConfigEditor : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // The file a save writes.
    virtual QString path() const = 0;
    // True while path() does not exist and config() is the built-in default.
    virtual bool isBuiltinDefault() const = 0;
    // Why the file could not be read as a JSON object, or empty. config() is then what could be
    // salvaged (possibly nothing), and a save replaces the file.
    virtual QString loadError() const = 0;
    // The document as last read or saved, every key kept.
    virtual QJsonObject config() const = 0;

    // Empty when fine, else what is wrong (without a place), as the loader would say it.
    virtual QString checkImageRef(const QString &ref) const = 0;
    virtual QString checkInterval(const QString &interval) const = 0;
    // The whole document as the loader checks it; ok() when it would load.
    virtual ConfigIssue check(const QJsonObject &config) const = 0;
    // Writes the document after check(); a refused or failed save leaves the file as it was.
    virtual Status save(const QJsonObject &config) = 0;

signals:
    void saved(const QString &path);
};

} // namespace pw
