#include "LatencyHistogram.h"

#include "Varint.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace pw {

namespace {
constexpr int SubBits = 7;                  // 128 bins per octave
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
    const auto index = quint32(binOf(latencyMs));
    if (m_bins.empty() || m_bins.back().index < index) {
        m_bins.push_back({index, count}); // the common case while decoding or for rising values
    } else {
        auto it = std::lower_bound(m_bins.begin(), m_bins.end(), index,
                                   [](const Bin &b, quint32 i) { return b.index < i; });
        if (it != m_bins.end() && it->index == index)
            it->count += count;
        else
            m_bins.insert(it, {index, count});
    }
    m_count += count;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_bins.empty())
        return;
    if (m_bins.empty()) {
        *this = other;
        return;
    }
    std::vector<Bin> merged;
    merged.reserve(m_bins.size() + other.m_bins.size());
    auto a = m_bins.cbegin(), b = other.m_bins.cbegin();
    while (a != m_bins.cend() || b != other.m_bins.cend()) {
        if (b == other.m_bins.cend() || (a != m_bins.cend() && a->index < b->index)) {
            merged.push_back(*a++);
        } else if (a == m_bins.cend() || b->index < a->index) {
            merged.push_back(*b++);
        } else {
            merged.push_back({a->index, a->count + b->count});
            ++a;
            ++b;
        }
    }
    m_bins = std::move(merged);
    m_count += other.m_count;
}

void LatencyHistogram::subtract(const LatencyHistogram &other)
{
    auto b = other.m_bins.cbegin();
    for (Bin &bin : m_bins) {
        while (b != other.m_bins.cend() && b->index < bin.index)
            ++b;
        if (b != other.m_bins.cend() && b->index == bin.index) {
            const quint32 n = std::min(bin.count, b->count);
            bin.count -= n;
            m_count -= n;
        }
    }
    std::erase_if(m_bins, [](const Bin &bin) { return bin.count == 0; });
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
    for (const Bin &bin : m_bins) {
        seen += bin.count;
        if (seen >= rank)
            return valueOf(int(bin.index));
    }
    return valueOf(int(m_bins.back().index));
}

QByteArray LatencyHistogram::encode() const
{
    QByteArray out;
    out.reserve(qsizetype(m_bins.size()) * 3);
    qint64 previous = -1;
    for (const Bin &bin : m_bins) {
        varint::put(out, quint64(qint64(bin.index) - previous)); // gap to the previous bin
        varint::put(out, bin.count);
        previous = bin.index;
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
    qint64 index = -1;
    quint64 gap = 0, count = 0;
    while (p < end && varint::get(p, end, gap) && varint::get(p, end, count)) {
        static const int MaxBin = binOf(std::numeric_limits<qint64>::max());
        if (gap == 0 || gap > quint64(MaxBin) || index + qint64(gap) > MaxBin || count == 0 ||
            count > 0xFFFFFFFFu)
            break; // corrupt blob: keep what was read
        index += qint64(gap);
        h.m_bins.push_back({quint32(index), quint32(count)});
        h.m_count += count;
    }
    return h;
}

bool operator==(const LatencyHistogram &a, const LatencyHistogram &b)
{
    return a.m_count == b.m_count &&
           std::equal(a.m_bins.begin(), a.m_bins.end(), b.m_bins.begin(), b.m_bins.end(),
                      [](const LatencyHistogram::Bin &x, const LatencyHistogram::Bin &y) {
                          return x.index == y.index && x.count == y.count;
                      });
}

} // namespace pw
