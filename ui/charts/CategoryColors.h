#pragma once

#include "Category.h"

#include <QColor>

namespace pw {

// One colour per failure category (CARTO "Bold", distinct in hue and lightness); charts also
// label every slice and series, so no category is told by colour alone.
inline QColor categoryColor(Category category)
{
    static const QColor colors[CategoryCount] = {
        QColor(0x00, 0x9E, 0x73), // none (ok)
        QColor(0x7F, 0x3C, 0x8D), // platform
        QColor(0x11, 0xA5, 0x79), // integrity
        QColor(0x39, 0x69, 0xAC), // disk
        QColor(0xF2, 0xB7, 0x01), // rate_limit
        QColor(0xE7, 0x3F, 0x74), // auth
        QColor(0x80, 0xBA, 0x5A), // not_found
        QColor(0xE6, 0x83, 0x10), // server_error
        QColor(0x00, 0x86, 0x95), // tls
        QColor(0xCF, 0x1C, 0x90), // dns
        QColor(0xF9, 0x7B, 0x72), // timeout
        QColor(0x4B, 0x4B, 0x8F), // connection
        QColor(0xA5, 0xAA, 0x99), // transport
        QColor(0x66, 0x66, 0x66), // canceled
        QColor(0x99, 0x99, 0x99), // backoff
        QColor(0xBB, 0xBB, 0xBB), // unknown
    };
    return colors[static_cast<int>(category)];
}

} // namespace pw
