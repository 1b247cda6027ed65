#pragma once

#include <QString>
#include <QTemporaryDir>

// A fresh temporary directory per test; removed when it goes out of scope.
struct TestDir
{
    QTemporaryDir dir;
    QString path(const QString &name) const { return dir.filePath(name); }
};
