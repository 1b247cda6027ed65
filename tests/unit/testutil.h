#pragma once

#include "Category.h"

#include <QString>
#include <QTemporaryDir>
#include <QTest>

// A fresh temporary directory per test; removed when it goes out of scope.
struct TestDir
{
    QTemporaryDir dir;
    QString path(const QString &name) const { return dir.filePath(name); }
};

namespace pw {
// Failure messages name the category ("timeout"), not its number.
inline char *toString(Category category)
{
    const QString id = categoryId(category);
    return QTest::toString(id.isEmpty() ? QStringLiteral("none") : id);
}
} // namespace pw
