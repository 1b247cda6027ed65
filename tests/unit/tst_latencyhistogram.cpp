#include "LatencyHistogram.h"
#include "referencehistory.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using pw::LatencyHistogram;
using reference::nearestRank;

namespace {

// The promise of the header: a reported percentile is within 0.4 % of the true one.
constexpr double Tolerance = 0.004;
constexpr qint64 MaxLatency = std::numeric_limits<qint64>::max();

LatencyHistogram histogramOf(const QList<qint64> &values)
{
    LatencyHistogram h;
    for (qint64 v : values)
        h.add(v);
    return h;
}

enum class Shape
{
    Uniform1s,
    LogUniform,
    Bimodal,
    Constant,
    SmallExact
};

QList<qint64> sample(Shape shape, int n, quint32 seed)
{
    QRandomGenerator rng(seed);
    QList<qint64> values;
    for (int i = 0; i < n; ++i) {
        switch (shape) {
        case Shape::Uniform1s:
            values.append(qint64(rng.bounded(1000)));
            break;
        case Shape::LogUniform: // 1 ms .. 10^8 ms
            values.append(qint64(std::pow(10.0, rng.bounded(8.0))));
            break;
        case Shape::Bimodal: // warm pulls around 80 ms, cold nixery builds around 40 s
            values.append(rng.bounded(10) < 8 ? 60 + qint64(rng.bounded(40))
                                              : 30000 + qint64(rng.bounded(20000)));
            break;
        case Shape::Constant:
            values.append(12345);
            break;
        case Shape::SmallExact:
            values.append(qint64(rng.bounded(256)));
            break;
        }
    }
    return values;
}

bool withinTolerance(qint64 got, qint64 exact)
{
    if (exact < 256)
        return got == exact;
    return std::abs(double(got - exact)) <= Tolerance * double(exact);
}

QByteArray varints(std::initializer_list<quint64> values)
{
    QByteArray out;
    for (quint64 v : values) {
        while (v >= 0x80) {
            out.append(char((v & 0x7F) | 0x80));
            v >>= 7;
        }
        out.append(char(v));
    }
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Shape)

class TstLatencyHistogram : public QObject
{
    Q_OBJECT

private slots:
    void exactBelow256()
    {
        for (qint64 v = 0; v < 256; ++v) {
            QCOMPARE(LatencyHistogram::binOf(v), int(v));
            QCOMPARE(LatencyHistogram::valueOf(int(v)), v);
            LatencyHistogram h;
            h.add(v);
            QCOMPARE(h.percentile(50), v);
            QCOMPARE(h.percentile(100), v);
        }
        // 255 and 256 are different latencies and must not share a bin.
        QVERIFY(LatencyHistogram::binOf(255) != LatencyHistogram::binOf(256));

        const QList<qint64> values = sample(Shape::SmallExact, 1001, 7);
        const LatencyHistogram h = histogramOf(values);
        for (double p : {0.1, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0})
            QCOMPARE(h.percentile(p), nearestRank(values, p));
    }

    void binRoundTrip_data()
    {
        QTest::addColumn<qint64>("low");
        QTest::addColumn<qint64>("high");
        QTest::newRow("0 .. 1 s") << qint64(0) << qint64(1000);
        QTest::newRow("256 .. 4 s") << qint64(256) << qint64(4096);
        QTest::newRow("1 s .. 100 s") << qint64(1000) << qint64(100000);
        QTest::newRow("100 s .. 10^8 ms") << qint64(100000) << qint64(100000000);
        QTest::newRow("0 .. 10^8 ms") << qint64(0) << qint64(100000000);
    }

    void binRoundTrip()
    {
        QFETCH(qint64, low);
        QFETCH(qint64, high);
        QRandomGenerator rng(quint32(low ^ high));
        QList<qint64> values = {low, high, high - 1};
        for (int i = 0; i < 20000; ++i)
            values.append(low + qint64(rng.bounded(quint64(high - low))));
        // Also every power of two and its neighbours, where octaves change.
        for (qint64 p = 1; p <= high; p *= 2) {
            for (qint64 v : {p - 1, p, p + 1}) {
                if (v >= low && v <= high)
                    values.append(v);
            }
        }
        std::sort(values.begin(), values.end());
        int previousBin = -1;
        for (qint64 v : values) {
            const int bin = LatencyHistogram::binOf(v);
            const qint64 representative = LatencyHistogram::valueOf(bin);
            QVERIFY2(withinTolerance(representative, v),
                     qPrintable(u"%1 ms is shown as %2 ms"_s.arg(v).arg(representative)));
            QCOMPARE(LatencyHistogram::binOf(representative), bin);
            QVERIFY2(bin >= previousBin, qPrintable(u"bins not monotonic at %1 ms"_s.arg(v)));
            previousBin = bin;
        }
    }

    void binsAreContiguous()
    {
        // Every bin up to the one of 10^8 ms is used by some latency, and representatives grow.
        const int last = LatencyHistogram::binOf(100000000);
        qint64 previous = -1;
        for (int bin = 0; bin <= last; ++bin) {
            const qint64 v = LatencyHistogram::valueOf(bin);
            QVERIFY2(v > previous, qPrintable(u"bin %1"_s.arg(bin)));
            QCOMPARE(LatencyHistogram::binOf(v), bin);
            previous = v;
        }
    }

    void percentileAccuracy_data()
    {
        QTest::addColumn<Shape>("shape");
        QTest::addColumn<int>("n");
        QTest::newRow("uniform 0-1 s, 1 value") << Shape::Uniform1s << 1;
        QTest::newRow("uniform 0-1 s, 3 values") << Shape::Uniform1s << 3;
        QTest::newRow("uniform 0-1 s, 20 values") << Shape::Uniform1s << 20;
        QTest::newRow("uniform 0-1 s, 10000 values") << Shape::Uniform1s << 10000;
        QTest::newRow("log-uniform 1 ms-10^8 ms, 7 values") << Shape::LogUniform << 7;
        QTest::newRow("log-uniform 1 ms-10^8 ms, 50000 values") << Shape::LogUniform << 50000;
        QTest::newRow("bimodal warm/cold, 999 values") << Shape::Bimodal << 999;
        QTest::newRow("constant 12345 ms") << Shape::Constant << 100;
    }

    void percentileAccuracy()
    {
        QFETCH(Shape, shape);
        QFETCH(int, n);
        for (quint32 seed = 1; seed <= 5; ++seed) {
            const QList<qint64> values = sample(shape, n, seed);
            const LatencyHistogram h = histogramOf(values);
            QCOMPARE(h.count(), quint64(n));
            for (double p : {0.1, 1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
                const qint64 exact = nearestRank(values, p);
                const qint64 got = h.percentile(p);
                QVERIFY2(
                    withinTolerance(got, exact),
                    qPrintable(
                        u"seed %1: p%2 is %3 ms, exactly %4 ms"_s.arg(seed).arg(p).arg(got).arg(
                            exact)));
            }
        }
    }

    void emptyPercentile_data()
    {
        QTest::addColumn<double>("p");
        QTest::newRow("p0.1") << 0.1;
        QTest::newRow("p50") << 50.0;
        QTest::newRow("p99") << 99.0;
        QTest::newRow("p100") << 100.0;
    }

    void emptyPercentile()
    {
        QFETCH(double, p);
        LatencyHistogram h;
        QVERIFY(h.isEmpty());
        QCOMPARE(h.count(), quint64(0));
        QCOMPARE(h.percentile(p), qint64(-1));
        h.add(42);
        h.clear();
        QCOMPARE(h.percentile(p), qint64(-1));
        QCOMPARE(LatencyHistogram::decode(h.encode()).percentile(p), qint64(-1));
    }

    void mergeEqualsAddingAll_data()
    {
        QTest::addColumn<QList<qint64>>("a");
        QTest::addColumn<QList<qint64>>("b");
        QTest::newRow("both filled")
            << sample(Shape::LogUniform, 500, 1) << sample(Shape::Bimodal, 700, 2);
        QTest::newRow("into an empty one") << QList<qint64>() << sample(Shape::LogUniform, 300, 3);
        QTest::newRow("an empty one in") << sample(Shape::Uniform1s, 300, 4) << QList<qint64>();
        QTest::newRow("small into large range")
            << sample(Shape::SmallExact, 100, 5) << QList<qint64>{100000000, 5000000};
        QTest::newRow("same values") << QList<qint64>{7, 7, 300} << QList<qint64>{7, 300, 300};
    }

    void mergeEqualsAddingAll()
    {
        QFETCH(QList<qint64>, a);
        QFETCH(QList<qint64>, b);
        LatencyHistogram merged = histogramOf(a);
        merged.merge(histogramOf(b));
        const LatencyHistogram all = histogramOf(a + b);
        QVERIFY(merged == all);
        QCOMPARE(merged.count(), quint64(a.size() + b.size()));
        for (double p : {1.0, 50.0, 95.0, 99.0, 100.0})
            QCOMPARE(merged.percentile(p), all.percentile(p));
    }

    void subtract_data()
    {
        QTest::addColumn<QList<qint64>>("a");
        QTest::addColumn<QList<qint64>>("b");
        QTest::newRow("cold out of all")
            << sample(Shape::Uniform1s, 400, 6) << sample(Shape::Bimodal, 100, 7);
        QTest::newRow("nothing out") << sample(Shape::LogUniform, 50, 8) << QList<qint64>();
        QTest::newRow("everything out") << QList<qint64>() << sample(Shape::LogUniform, 50, 9);
        QTest::newRow("same bins") << QList<qint64>{5, 5, 1000} << QList<qint64>{5, 1000};
    }

    void subtract()
    {
        QFETCH(QList<qint64>, a);
        QFETCH(QList<qint64>, b);
        LatencyHistogram h = histogramOf(a + b);
        h.subtract(histogramOf(b));
        QVERIFY(h == histogramOf(a));
        QCOMPARE(h.count(), quint64(a.size()));
        for (double p : {50.0, 95.0, 100.0})
            QCOMPARE(h.percentile(p), histogramOf(a).percentile(p));
        if (a.isEmpty())
            QCOMPARE(h.percentile(50), qint64(-1));
    }

    void encodeDecodeRoundTrip_data()
    {
        QTest::addColumn<QList<qint64>>("values");
        QTest::addColumn<quint32>("repeat");
        QTest::newRow("empty") << QList<qint64>() << 1u;
        QTest::newRow("one zero") << QList<qint64>{0} << 1u;
        QTest::newRow("every exact value") << [] {
            QList<qint64> all;
            for (qint64 v = 0; v < 256; ++v)
                all.append(v);
            return all;
        }() << 1u;
        QTest::newRow("log-uniform up to 10^8") << sample(Shape::LogUniform, 5000, 10) << 1u;
        QTest::newRow("large counts") << QList<qint64>{3, 80000} << 3000000000u;
        QTest::newRow("longest latency") << QList<qint64>{MaxLatency, 1} << 1u;
    }

    void encodeDecodeRoundTrip()
    {
        QFETCH(QList<qint64>, values);
        QFETCH(quint32, repeat);
        LatencyHistogram h;
        for (qint64 v : values)
            h.add(v, repeat);
        const QByteArray blob = h.encode();
        const LatencyHistogram back = LatencyHistogram::decode(blob);
        QVERIFY(back == h);
        QCOMPARE(back.count(), h.count());
        for (double p : {0.1, 50.0, 99.0, 100.0})
            QCOMPARE(back.percentile(p), h.percentile(p));
        QCOMPARE(back.encode(), blob);
    }

    void truncatedBlobKeepsCompleteBins()
    {
        // A blob cut anywhere yields exactly the bins stored completely before the cut.
        const QList<qint64> values = {1, 2, 2, 300, 5000, 5000, 5000, 1000000, 1000000};
        const QByteArray blob = histogramOf(values).encode();
        // Encodings of growing prefixes of the (sorted) values: where each bin's bytes end.
        QList<std::pair<qsizetype, LatencyHistogram>> prefixes = {{0, LatencyHistogram()}};
        for (qsizetype i = 1; i <= values.size(); ++i) {
            const LatencyHistogram h = histogramOf(values.first(i));
            if (i == values.size() ||
                LatencyHistogram::binOf(values[i]) != LatencyHistogram::binOf(values[i - 1]))
                prefixes.append({h.encode().size(), h});
        }
        QCOMPARE(prefixes.last().first, blob.size());
        for (qsizetype cut = 0; cut <= blob.size(); ++cut) {
            LatencyHistogram expected;
            for (const auto &[end, h] : prefixes) {
                if (end <= cut)
                    expected = h;
            }
            const LatencyHistogram part = LatencyHistogram::decode(blob.left(cut));
            QVERIFY2(part == expected,
                     qPrintable(u"cut after %1 bytes: %2 values, expected %3"_s.arg(cut)
                                    .arg(part.count())
                                    .arg(expected.count())));
        }
    }

    void corruptBlob_data()
    {
        QTest::addColumn<QByteArray>("blob");
        QTest::addColumn<QList<qint64>>("expected"); // what decoding may keep
        const QList<qint64> none;
        QTest::newRow("lone continuation byte") << QByteArray("\x80", 1) << none;
        QTest::newRow("overlong varint") << QByteArray(12, '\xFF') << none;
        QTest::newRow("gap without count") << varints({5}) << none;
        QTest::newRow("gap of 2^40") << varints({quint64(1) << 40, 1}) << none;
        QTest::newRow("gap of 2^63") << varints({quint64(1) << 63, 1}) << none;
        QTest::newRow("gap of 2^64-1") << varints({~quint64(0), 1}) << none;
        QTest::newRow("valid bin, then a truncated pair")
            << varints({11, 3}) + QByteArray("\x85", 1) << QList<qint64>{10, 10, 10};
        // The largest bin a real latency can have is binOf(INT64_MAX); a bin past it is
        // corruption and must not turn into some made-up latency.
        const int lastBin = LatencyHistogram::binOf(MaxLatency);
        QTest::newRow("bin just past the longest latency")
            << varints({11, 3, quint64(lastBin + 1 - 10), 1}) << QList<qint64>{10, 10, 10};
        QTest::newRow("bin far past the longest latency")
            << varints({11, 3, 9000, 1}) << QList<qint64>{10, 10, 10};
    }

    void corruptBlob()
    {
        QFETCH(QByteArray, blob);
        QFETCH(QList<qint64>, expected);
        const LatencyHistogram h = LatencyHistogram::decode(blob);
        const LatencyHistogram want = histogramOf(expected);
        QVERIFY2(h == want,
                 qPrintable(
                     u"decoded %1 values, p100 %2 ms; expected %3 values, p100 %4"_s.arg(h.count())
                         .arg(h.percentile(100))
                         .arg(want.count())
                         .arg(want.percentile(100))));
    }

    void randomBytesDecodeToSaneHistograms()
    {
        QRandomGenerator rng(99);
        const qint64 longest = LatencyHistogram::valueOf(LatencyHistogram::binOf(MaxLatency));
        for (int i = 0; i < 2000; ++i) {
            QByteArray blob(qsizetype(rng.bounded(64)), Qt::Uninitialized);
            for (char &c : blob)
                c = char(rng.bounded(256));
            const LatencyHistogram h = LatencyHistogram::decode(blob);
            const qint64 p100 = h.percentile(100);
            QVERIFY2(
                h.isEmpty() ? p100 == -1 : (p100 >= 0 && p100 <= longest),
                qPrintable(
                    u"blob %1 gives p100 %2"_s.arg(QString::fromLatin1(blob.toHex())).arg(p100)));
            // Whatever was kept is a proper histogram: it survives its own round trip.
            QVERIFY(LatencyHistogram::decode(h.encode()) == h);
        }
    }
};

QTEST_GUILESS_MAIN(TstLatencyHistogram)
#include "tst_latencyhistogram.moc"
