#pragma once

#include "ci/LogClassifier.h"

#include <QString>

#include <atomic>
#include <functional>

namespace pw {

// A line a rule won, in log order.
struct LogLineMatch
{
    qint64 line = 0;  // 1-based
    qint64 tsMs = -1; // the line's timestamp, or the nearest earlier one in the log; -1 if none
    QString text;     // readable (logtext::readableText), at most MaxTextBytes around the match
    LineMatch match;
};

struct LogScanStats
{
    qint64 bytes = 0; // read and scanned (a partial last line left out is not)
    qint64 lines = 0;
    qint64 candidates = 0; // lines Vectorscan proposed
    qint64 matches = 0;    // lines a rule won
    // A gzip file that ends early or is corrupt: what was read is scanned and delivered, and
    // this says what is wrong ("truncated gzip: …"). Empty when the input was whole.
    QString incomplete;
    bool partialLineLeft = false; // setCompleteLinesOnly() left a last line out
};

// Reads a log (a file, gzip-compressed or not, or "-" for stdin) in chunks of whole lines and
// classifies them on a pool of threads, delivering matches in log order. Memory stays bounded:
// a few chunks in flight; a line longer than MaxLineBytes is cut there.
class LogScan
{
public:
    static constexpr qsizetype ChunkBytes = 4 << 20;
    static constexpr qsizetype MaxLineBytes = 64 << 20;
    static constexpr qsizetype MaxTextBytes = 16 << 10;
    // A line without a timestamp of its own takes the nearest earlier one at most this far back.
    static constexpr qsizetype TimestampLookback = 64 << 10;

    explicit LogScan(const LogClassifier &classifier);

    using MatchHandler = std::function<void(const LogLineMatch &)>;
    using ProgressHandler = std::function<void(qint64 bytesRead)>;

    // A last line without its newline is left out (not scanned, counted or in bytes): the
    // writer of a growing log has not finished it.
    void setCompleteLinesOnly(bool only) { m_completeLinesOnly = only; }

    // Errors name the input ("FILE: cannot read: reason"). Paths are NativePath strings.
    Result<LogScanStats> scanFile(const QString &path, const MatchHandler &onMatch,
                                  const ProgressHandler &progress = {},
                                  const std::atomic_bool *cancel = nullptr) const;
    // The same for bytes already in memory (a downloaded job log).
    LogScanStats scanBytes(QByteArrayView log, const MatchHandler &onMatch) const;

private:
    struct ChunkResult;
    // data: whole lines, the last one without '\n' only at the end of the input.
    ChunkResult classifyChunk(QByteArrayView data) const;

    const LogClassifier &m_classifier;
    bool m_completeLinesOnly = false;
};

} // namespace pw
