#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

#include <cstdio>
#include <cstdlib>

// What every fuzz target shares: one QCoreApplication for the process, the compiled-in resources,
// and invariant checks that abort (libFuzzer then saves the input as a crash).
namespace pw::fuzz {

inline void ensureApplication()
{
    static int argc = 1;
    static char name[] = "pullwatch-fuzz";
    static char *argv[] = {name, nullptr};
    static QCoreApplication *application =
        QCoreApplication::instance() ? nullptr : new QCoreApplication(argc, argv);
    Q_UNUSED(application);
}

[[noreturn]] inline void fail(const char *what, const QString &detail = {})
{
    std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.toUtf8().constData());
    std::abort();
}

inline void check(bool condition, const char *what, const QString &detail = {})
{
    if (!condition)
        fail(what, detail);
}

inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

// An error message is one line.
inline bool isOneLine(const QString &text)
{
    return !text.contains(u'\n') && !text.contains(u'\r');
}

} // namespace pw::fuzz

