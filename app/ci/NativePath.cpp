#include "ci/NativePath.h"

#include <QDir>

#include <algorithm>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pw::nativepath {

namespace {
constexpr char16_t EscapeBase = 0xDC00; // U+DC80..U+DCFF: the bytes 0x80..0xFF

bool isEscape(QChar c)
{
    return c.unicode() >= EscapeBase + 0x80 && c.unicode() <= EscapeBase + 0xFF;
}

// Length of the well-formed UTF-8 sequence at `at`, or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
qsizetype sequenceLength(QByteArrayView s, qsizetype at)
{
    const auto byte = [&](qsizetype i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80)
        return 1;
    qsizetype length = 0;
    unsigned char low = 0x80, high = 0xBF; // the second byte's range
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0;
        if (lead == 0xED)
            high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90;
        if (lead == 0xF4)
            high = 0x8F;
    } else {
        return 0;
    }
    if (at + length > s.size() || byte(at + 1) < low || byte(at + 1) > high)
        return 0;
    for (qsizetype i = 2; i < length; ++i)
        if (byte(at + i) < 0x80 || byte(at + i) > 0xBF)
            return 0;
    return length;
}
} // namespace

QString fromNative(QByteArrayView bytes)
{
    QString out;
    out.reserve(bytes.size());
    qsizetype runStart = 0;
    for (qsizetype i = 0; i < bytes.size();) {
        const qsizetype length = sequenceLength(bytes, i);
        if (length > 0) {
            i += length;
            continue;
        }
        out += QString::fromUtf8(bytes.sliced(runStart, i - runStart));
        out += QChar(char16_t(EscapeBase + static_cast<unsigned char>(bytes[i])));
        runStart = ++i;
    }
    out += QString::fromUtf8(bytes.sliced(runStart));
    return out;
}

QByteArray toNative(const QString &path)
{
    QByteArray out;
    qsizetype runStart = 0;
    for (qsizetype i = 0; i < path.size(); ++i) {
        // A lone escape only: a real surrogate pair is never in U+DC80..U+DCFF's first half.
        if (!isEscape(path[i]) || (i > 0 && path[i - 1].isHighSurrogate()))
            continue;
        out += QStringView(path).sliced(runStart, i - runStart).toUtf8();
        out += static_cast<char>(path[i].unicode() - EscapeBase);
        runStart = i + 1;
    }
    out += QStringView(path).sliced(runStart).toUtf8();
    return out;
}

bool isText(const QString &path)
{
    return std::none_of(path.cbegin(), path.cend(), isEscape);
}

QString display(const QString &path)
{
    if (isText(path))
        return path;
    QString out;
    for (const QChar c : path)
        out += isEscape(c) ? u"\\x"_s + QString::number(c.unicode() - EscapeBase, 16).toUpper()
                           : QString(c);
    return out;
}

Status status(const QString &path)
{
    Status status;
    struct stat info = {};
    if (::stat(toNative(path).constData(), &info) != 0)
        return status;
    status.exists = true;
    status.isDirectory = S_ISDIR(info.st_mode);
    status.isFile = S_ISREG(info.st_mode);
    status.size = info.st_size;
    status.modifiedMs = qint64(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1'000'000;
    return status;
}

QString absolute(const QString &path)
{
    return QDir::cleanPath(path.startsWith(u'/') ? path : QDir::currentPath() + u'/' + path);
}

QString fileName(const QString &path)
{
    return path.mid(path.lastIndexOf(u'/') + 1);
}

QString directory(const QString &path)
{
    const qsizetype slash = path.lastIndexOf(u'/');
    return slash < 0 ? u"."_s : slash == 0 ? u"/"_s : path.left(slash);
}

namespace {
void collect(const QByteArray &directory, QStringList &files)
{
    DIR *dir = ::opendir(directory.constData());
    if (!dir)
        return;
    while (const dirent *entry = ::readdir(dir)) {
        const QByteArray name(entry->d_name);
        if (name == "." || name == "..")
            continue;
        const QByteArray path = directory + '/' + name;
        struct stat target = {}, link = {};
        if (::stat(path.constData(), &target) != 0)
            continue; // a dangling link
        if (S_ISREG(target.st_mode))
            files.append(fromNative(path));
        else if (S_ISDIR(target.st_mode) && ::lstat(path.constData(), &link) == 0 &&
                 !S_ISLNK(link.st_mode))
            collect(path, files);
    }
    ::closedir(dir);
}
} // namespace

QStringList filesBelow(const QString &directory)
{
    QStringList files;
    QByteArray root = toNative(directory);
    while (root.size() > 1 && root.endsWith('/'))
        root.chop(1);
    collect(root, files);
    files.sort();
    return files;
}

Result<QStringList> expand(const QStringList &paths, Dash dash)
{
    QStringList files;
    for (const QString &path : paths) {
        const Status info = status(path);
        if (info.isDirectory)
            files.append(filesBelow(path));
        else if (info.exists || (dash == Dash::IsStandardInput && path == u"-"_s))
            files.append(path);
        else
            return Error{display(path) + u": no such file or directory"_s};
    }
    return files;
}

int openForReading(const QString &path)
{
    return ::open(toNative(path).constData(), O_RDONLY | O_CLOEXEC);
}

QStringList arguments(int argc, char **argv)
{
    QStringList list;
    for (int i = 0; i < argc; ++i)
        list.append(fromNative(argv[i]));
    return list;
}

} // namespace pw::nativepath
