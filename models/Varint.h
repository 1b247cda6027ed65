#pragma once

#include <QByteArray>

#include <array>

namespace pw::varint {

// LEB128 unsigned varints: the compact form of a latency histogram and of the SQLite backend's
// BLOB columns (a value-level encoding, so any backend stores the same bytes).
inline void put(QByteArray &out, quint64 v)
{
    while (v >= 0x80) {
        out.append(char((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.append(char(v));
}

inline bool get(const char *&p, const char *end, quint64 &v)
{
    v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        const auto byte = static_cast<unsigned char>(*p++);
        v |= quint64(byte & 0x7F) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

// Sparse (index, count) pairs of a small count array, e.g. failures per category.
template<size_t N> QByteArray encodeCounts(const std::array<qint64, N> &counts)
{
    QByteArray out;
    for (size_t i = 0; i < N; ++i) {
        if (counts[i] > 0) {
            put(out, i);
            put(out, quint64(counts[i]));
        }
    }
    return out;
}

template<size_t N> void addCounts(const char *data, qsizetype size, std::array<qint64, N> &counts)
{
    const char *p = data;
    const char *end = data + size;
    quint64 index = 0, count = 0;
    while (p < end && get(p, end, index) && get(p, end, count)) {
        if (index < N)
            counts[index] += qint64(count);
    }
}

} // namespace pw::varint
