#pragma once

#include "Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace pw::nativepath {

// File names on Linux are bytes, not text. Qt reads them as UTF-8, which turns a name holding
// bytes that are not UTF-8 into U+FFFD and then cannot open it: `ingest` skipped such files in
// directories and called them missing when named. Here each such byte b travels in the QString
// as the lone surrogate U+DC00 + b (Python's "surrogateescape"), so a QString carries any file
// name and gives the same bytes back. Names that are UTF-8 read exactly as Qt reads them.
QString fromNative(QByteArrayView bytes);
QByteArray toNative(const QString &path);
// For messages, keys and URLs: the escaped bytes as \xHH; a UTF-8 name unchanged.
QString display(const QString &path);
bool isText(const QString &path); // no escaped bytes

struct Status
{
    bool exists = false;
    bool isDirectory = false;
    bool isFile = false; // regular (symbolic links followed)
    qint64 size = 0;
    qint64 modifiedMs = 0;
};
Status status(const QString &path);

QString absolute(const QString &path); // against the working directory, cleaned
QString fileName(const QString &path);
QString directory(const QString &path);
// Every regular file below a directory, following links to files, not to directories; in
// path order.
QStringList filesBelow(const QString &directory);
// The log files that paths name, in their order: a directory as every file below it, anything
// else that exists as itself, and "-" as it is where standard input is read. A path that does
// not exist is the error "PATH: no such file or directory". `classify`, `ingest`, the
// dashboard's imports and a "files" CI source all read their paths through this.
enum class Dash
{
    IsAPath,
    IsStandardInput,
};
Result<QStringList> expand(const QStringList &paths, Dash dash = Dash::IsAPath);
// open(2) for reading, close-on-exec: a descriptor for QFile::open(int) or gzdopen, or -1.
int openForReading(const QString &path);
// The program's arguments as fromNative reads them.
QStringList arguments(int argc, char **argv);

} // namespace pw::nativepath
