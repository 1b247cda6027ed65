#pragma once

#include <QFile>
#include <QSaveFile>
#include <QString>

#include <memory>

namespace pw {

// A file a command writes its output to. A regular file (or a new one) is written atomically:
// to a temporary file renamed over it on commit(), so readers never see half a report. Anything
// else that exists at the path (/dev/null, a FIFO, a terminal) is written in place: renaming
// over a device would replace it with a regular file.
class OutputFile
{
public:
    explicit OutputFile(QString path);

    // Opens for writing; false with errorString() set.
    bool open();
    QIODevice *device() const;
    // Makes what was written the file's content; false with errorString() set.
    bool commit();
    // Drops what was written (a regular file keeps its old content).
    void cancel();

    QString fileName() const { return m_path; }
    QString errorString() const;

private:
    QString m_path;
    std::unique_ptr<QSaveFile> m_atomic;
    std::unique_ptr<QFile> m_inPlace;
};

} // namespace pw
