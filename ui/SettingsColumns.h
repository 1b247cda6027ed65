#pragma once

#include "ConfigListModel.h"

#include <QCoreApplication>

namespace pw {

class ConfigEditor;

// The columns of the settings dialog's three tables and what each cell accepts on its own; the
// editor answers what needs the loader (references, intervals). Checks that span cells or rows
// (duplicates, URL syntax) come from ConfigEditor::check on the whole document.
class SettingsColumns
{
    Q_DECLARE_TR_FUNCTIONS(pw::SettingsDialog)

public:
    static QList<ConfigColumn> images(const ConfigEditor *editor);
    static QList<ConfigColumn> registries();
    static QList<ConfigColumn> ciSources(const ConfigEditor *editor);

    // Like "REG_PASS": [A-Za-z_][A-Za-z0-9_]*.
    static bool isEnvName(const QString &name);

private:
    static QString checkEnvName(const QString &name);
    static ConfigColumn interval(const ConfigEditor *editor, const QString &fallback);
};

} // namespace pw
