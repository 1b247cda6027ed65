#include "LatencyHistogram.h"

#include "Varint.h"

#include <bit>
#include <cmath>

namespace pw {

namespace {
constexpr int SubBits = 7;               // 128 bins per octave
constexpr qint64 ExactLimit = 2 << SubBits; // values below 256 have their own bin
constexpr int Sub = 1 << SubBits;

} // namespace

int LatencyHistogram::binOf(qint64 latencyMs)
{
    if (latencyMs < ExactLimit)
        return latencyMs < 0 ? 0 : int(latencyMs);
    const int exponent = std::bit_width(quint64(latencyMs)) - (SubBits + 1);
    const int mantissa = int(latencyMs >> exponent); // in [Sub, 2 * Sub)
    return int(ExactLimit) + (exponent - 1) * Sub + (mantissa - Sub);
}

qint64 LatencyHistogram::valueOf(int bin)
{
    if (bin < ExactLimit)
        return bin;
    const int exponent = (bin - int(ExactLimit)) / Sub + 1;
    const qint64 mantissa = (bin - int(ExactLimit)) % Sub + Sub;
    const qint64 low = mantissa << exponent;
    return low + ((qint64(1) << exponent) - 1) / 2;
}

void LatencyHistogram::add(qint64 latencyMs, quint32 count)
{
    const auto bin = size_t(binOf(latencyMs));
    if (bin >= m_bins.size())
        m_bins.resize(bin + 1);
    m_bins[bin] += count;
    m_count += count;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_bins.size() > m_bins.size())
        m_bins.resize(other.m_bins.size());
    for (size_t i = 0; i < other.m_bins.size(); ++i)
        m_bins[i] += other.m_bins[i];
    m_count += other.m_count;
}

void LatencyHistogram::clear()
{
    m_bins.clear();
    m_count = 0;
}

qint64 LatencyHistogram::percentile(double p) const
{
    if (m_count == 0)
        return -1;
    // Nearest rank: the smallest value with at least ceil(p/100 * n) values at or below it.
    auto rank = quint64(std::ceil(p / 100.0 * double(m_count) - 1e-9));
    rank = std::clamp<quint64>(rank, 1, m_count);
    quint64 seen = 0;
    for (size_t i = 0; i < m_bins.size(); ++i) {
        seen += m_bins[i];
        if (seen >= rank)
            return valueOf(int(i));
    }
    return valueOf(int(m_bins.size()) - 1);
}

QByteArray LatencyHistogram::encode() const
{
    QByteArray out;
    int previous = -1;
    for (size_t i = 0; i < m_bins.size(); ++i) {
        if (!m_bins[i])
            continue;
        varint::put(out, quint64(int(i) - previous)); // gap to the previous used bin
        varint::put(out, m_bins[i]);
        previous = int(i);
    }
    return out;
}

LatencyHistogram LatencyHistogram::decode(const QByteArray &blob)
{
    return decode(blob.constData(), blob.size());
}

LatencyHistogram LatencyHistogram::decode(const char *data, qsizetype size)
{
    LatencyHistogram h;
    const char *p = data;
    const char *end = data + size;
    qint64 bin = -1;
    quint64 gap = 0, count = 0;
    while (p < end && varint::get(p, end, gap) && varint::get(p, end, count)) {
        bin += qint64(gap);
        if (bin < 0 || bin > 1 << 16)
            break; // corrupt blob: keep what was read
        h.add(valueOf(int(bin)), quint32(count));
    }
    return h;
}

void LatencyHistogram::subtract(const LatencyHistogram &other)
{
    for (size_t i = 0; i < other.m_bins.size() && i < m_bins.size(); ++i) {
        const quint32 n = std::min(m_bins[i], other.m_bins[i]);
        m_bins[i] -= n;
        m_count -= n;
    }
}

bool operator==(const LatencyHistogram &a, const LatencyHistogram &b)
{
    if (a.m_count != b.m_count)
        return false;
    const size_t n = std::max(a.m_bins.size(), b.m_bins.size());
    for (size_t i = 0; i < n; ++i) {
        const quint32 x = i < a.m_bins.size() ? a.m_bins[i] : 0;
        const quint32 y = i < b.m_bins.size() ? b.m_bins[i] : 0;
        if (x != y)
            return false;
    }
    return true;
}

} // namespace pw
