#pragma once

#include "ports/ConfigEditor.h"

#include <QByteArray>

namespace pw {

// ConfigEditor on a JSON file. Every check runs Config::parse on the document as it would be
// written, so the settings form and the loader cannot disagree. Saves are atomic (QSaveFile),
// create the directory, keep members the form does not know, and refuse literal secrets.
class ConfigFileEditor : public ConfigEditor
{
    Q_OBJECT
public:
    // path empty: Config::defaultPath(). A missing file starts from the built-in default.
    explicit ConfigFileEditor(const QString &path = {}, QObject *parent = nullptr);

    QString path() const override { return m_path; }
    bool isBuiltinDefault() const override { return m_builtin; }
    QString loadError() const override { return m_loadError; }
    QJsonObject config() const override { return m_config; }

    QString checkImageRef(const QString &ref) const override;
    QString checkInterval(const QString &interval) const override;
    ConfigIssue check(const QJsonObject &config) const override;
    Status save(const QJsonObject &config) override;

    // The text save() writes: two-space indents, known keys in the order DESIGN.md uses.
    static QByteArray serialize(const QJsonObject &config);

private:
    QString m_path;
    QJsonObject m_config;
    QString m_loadError;
    bool m_builtin = false;
};

} // namespace pw
