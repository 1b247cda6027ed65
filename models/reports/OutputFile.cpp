#include "reports/OutputFile.h"

#include <QFileInfo>

namespace pw {

OutputFile::OutputFile(QString path) : m_path(std::move(path)) {}

bool OutputFile::open()
{
    const QFileInfo info(m_path);
    if (info.exists() && !info.isFile() && !info.isDir()) {
        m_inPlace = std::make_unique<QFile>(m_path);
        return m_inPlace->open(QIODevice::WriteOnly);
    }
    m_atomic = std::make_unique<QSaveFile>(m_path);
    return m_atomic->open(QIODevice::WriteOnly);
}

QIODevice *OutputFile::device() const
{
    return m_atomic ? static_cast<QIODevice *>(m_atomic.get()) : m_inPlace.get();
}

bool OutputFile::commit()
{
    if (m_atomic)
        return m_atomic->commit();
    return m_inPlace->flush() && m_inPlace->error() == QFileDevice::NoError;
}

void OutputFile::cancel()
{
    if (m_atomic)
        m_atomic->cancelWriting();
}

QString OutputFile::errorString() const
{
    return device() ? device()->errorString() : QString();
}

} // namespace pw
