#include "PullEvent.h"

namespace pw {

QString sourceId(Source source)
{
    return source == Source::Ci ? QStringLiteral("ci") : QStringLiteral("probe");
}

QString truncateMessage(const QString &message)
{
    if (message.size() * 3 <= PullEvent::MaxMessageBytes)
        return message; // fast path: cannot exceed the limit
    QByteArray utf8 = message.toUtf8();
    if (utf8.size() <= PullEvent::MaxMessageBytes)
        return message;
    qsizetype cut = PullEvent::MaxMessageBytes;
    while (cut > 0 && (static_cast<uchar>(utf8[cut]) & 0xC0) == 0x80)
        --cut; // back up to the start of a UTF-8 sequence
    return QString::fromUtf8(utf8.constData(), cut);
}

} // namespace pw
