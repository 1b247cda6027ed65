#pragma once

#include <QTemporaryDir>
#include <QString>

// A fresh temporary directory per test; removed when it goes out of scope.
struct TestDir
{
    QTemporaryDir dir;
    QString path(const QString &name) const { return dir.filePath(name); }
};
