#pragma once

#include <QByteArray>

#include <QtGlobal>
#include <vector>

namespace pw {

// Log-linear latency histogram (HdrHistogram-style): exact below 256 ms, then 128 bins per
// octave, so a reported percentile is within 0.4 % of the true one. Histograms merge by adding
// counts, which is what lets hourly and daily rollups answer percentile queries exactly as the
// raw rows would.
class LatencyHistogram
{
public:
    void add(qint64 latencyMs, quint32 count = 1);
    void merge(const LatencyHistogram &other);
    void subtract(const LatencyHistogram &other); // removes counts merged in before
    void clear();

    quint64 count() const { return m_count; }
    bool isEmpty() const { return m_count == 0; }
    // Nearest-rank percentile (p in (0, 100]); -1 when empty.
    qint64 percentile(double p) const;

    QByteArray encode() const; // compact sparse varint form, for BLOB columns
    static LatencyHistogram decode(const QByteArray &blob);
    static LatencyHistogram decode(const char *data, qsizetype size);

    static int binOf(qint64 latencyMs);
    static qint64 valueOf(int bin); // the bin's representative (middle) value

    friend bool operator==(const LatencyHistogram &a, const LatencyHistogram &b);

private:
    struct Bin
    {
        quint32 index;
        quint32 count;
    };
    std::vector<Bin> m_bins; // sparse, sorted by index: a bucket holds few distinct latencies
    quint64 m_count = 0;
};

} // namespace pw
