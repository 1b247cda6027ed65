#include "ci/LogScan.h"

#include "ci/LogText.h"
#include "ci/NativePath.h"

#include <QRegularExpression>
#include <QThreadPool>
#include <QtConcurrent>

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
// Marks "no timestamp in this chunk before the line: take the previous chunk's last one".
constexpr qint64 Inherit = -2;

qsizetype lineStartBefore(QByteArrayView data, qsizetype end)
{
    const auto *found =
        static_cast<const char *>(memrchr(data.data(), '\n', static_cast<size_t>(end)));
    return found ? found - data.data() + 1 : 0;
}

// The timestamp of the nearest line at or before the one starting at `start`, looked for as far
// back as the line holding the offset LogScan::TimestampLookback before it; Inherit when that
// search reaches the chunk's first line without finding one, -1 otherwise. Asked for ascending
// lines, it walks back only to the line asked about before and takes that answer from there on: the
// lines of a chunk are read once in all, instead of up to 64 KiB per match in logs without
// timestamps (kubelet, Jenkins, plain `docker pull` output).
class TimestampLookup
{
public:
    explicit TimestampLookup(QByteArrayView data) : m_data(data) {}

    // lineEnd: the offset of the line's '\n', or the end of the chunk.
    qint64 at(qsizetype start, qsizetype lineEnd)
    {
        const qsizetype limit = std::max<qsizetype>(0, start - LogScan::TimestampLookback);
        qsizetype line = start;
        qsizetype end = lineEnd;
        while (line != m_asked) {
            if (mayHaveTimestamp(line)) {
                if (const qint64 ts = logtext::leadingTimestamp(m_data.sliced(line)); ts >= 0)
                    return remember(start, end, ts);
            }
            if (line <= limit || line == 0)
                return remember(start, -1, line == 0 ? Inherit : -1);
            end = line - 1;
            line = lineStartBefore(m_data, line - 1);
        }
        // The answer for the line asked about before, if its timestamped line is in reach.
        if (m_found && m_foundEnd >= limit)
            return remember(start, m_foundEnd, m_ts);
        return remember(start, -1, firstLineEnd() >= limit ? Inherit : -1);
    }

private:
    // A timestamp starts with a digit, after a byte order mark at most.
    bool mayHaveTimestamp(qsizetype line) const
    {
        const char first = line < m_data.size() ? m_data[line] : '\n';
        return (first >= '0' && first <= '9') || first == '\xEF';
    }

    // foundEnd: the end of the timestamped line, -1 when none was found.
    qint64 remember(qsizetype asked, qsizetype foundEnd, qint64 ts)
    {
        m_asked = asked;
        m_found = foundEnd >= 0;
        m_foundEnd = foundEnd;
        m_ts = ts;
        return ts;
    }

    qsizetype firstLineEnd()
    {
        if (m_firstLineEnd < 0) {
            const void *newline = std::memchr(m_data.data(), '\n', size_t(m_data.size()));
            m_firstLineEnd =
                newline ? static_cast<const char *>(newline) - m_data.data() : m_data.size();
        }
        return m_firstLineEnd;
    }

    QByteArrayView m_data;
    qsizetype m_asked = -1;
    bool m_found = false;
    qsizetype m_foundEnd = -1;
    qint64 m_ts = -1;
    qsizetype m_firstLineEnd = -1;
};
} // namespace

struct LogScan::ChunkResult
{
    qint64 newlines = 0;
    qint64 candidates = 0;
    qint64 lastTs = Inherit;
    QList<LogLineMatch> matches; // line: 0-based within the chunk; tsMs may be Inherit
};

LogScan::LogScan(const LogClassifier &classifier) : m_classifier(classifier) {}

LogScan::ChunkResult LogScan::classifyChunk(QByteArrayView data) const
{
    ChunkResult result;
    LogClassifier::Scanner scanner(m_classifier);
    TimestampLookup timestamps(data);
    CandidateLines candidates;
    scanner.candidates(data, candidates);
    result.candidates = qint64(candidates.lines.size());

    qsizetype counted = 0; // newlines before `counted` are in `line`
    qint64 line = 0;
    for (const CandidateLines::Line &candidate : candidates.lines) {
        const qsizetype end = candidate.end;
        const qsizetype start = lineStartBefore(data, end);
        line += std::count(data.begin() + counted, data.begin() + start, '\n');
        counted = start;
        // An endless line is read around its start; pull messages are short.
        const QByteArrayView raw = data.sliced(start, std::min(end - start, MaxTextBytes));
        bool verbatim = false;
        const QString text = logtext::readableText(raw, &verbatim);
        // The rules the chunk's scan found on the line are all that can match a verbatim piece
        // of it: no second scan per line (a cut line's end is not the raw line's end).
        std::optional<LineMatch> match = verbatim && end - start <= MaxTextBytes
                                             ? scanner.classify(text, candidates.rulesOf(candidate))
                                             : scanner.classify(text);
        if (match) {
            result.matches.append(
                LogLineMatch{line, timestamps.at(start, end), text, std::move(*match)});
        }
    }
    result.newlines = line + std::count(data.begin() + counted, data.end(), '\n');
    if (!data.isEmpty()) {
        const qsizetype lastEnd = data.endsWith('\n') ? data.size() - 1 : data.size();
        result.lastTs = timestamps.at(lineStartBefore(data, lastEnd), lastEnd);
    }
    return result;
}

LogScanStats LogScan::scanBytes(QByteArrayView log, const MatchHandler &onMatch) const
{
    ChunkResult result = classifyChunk(log);
    LogScanStats stats;
    stats.bytes = log.size();
    stats.lines = result.newlines + (!log.isEmpty() && !log.endsWith('\n') ? 1 : 0);
    stats.candidates = result.candidates;
    stats.matches = result.matches.size();
    for (LogLineMatch &match : result.matches) {
        match.line += 1;
        if (match.tsMs == Inherit)
            match.tsMs = -1;
        onMatch(match);
    }
    return stats;
}

namespace {
// zlib names a gzdopen()ed file "<fd:N>" in its messages; the caller names the file.
const QRegularExpression &zlibFdPrefix()
{
    static const QRegularExpression prefix(u"^<fd:\\d+>: "_s);
    return prefix;
}
} // namespace

Result<LogScanStats> LogScan::scanFile(const QString &path, const MatchHandler &onMatch,
                                       const ProgressHandler &progress,
                                       const std::atomic_bool *cancel) const
{
    const bool standardInput = path == u"-"_s;
    const QString shown = nativepath::display(path);
    if (!standardInput && nativepath::status(path).isDirectory)
        return Error{shown + u": is a directory"_s};
    // zlib reads gzip and, transparently, plain files.
    const int fd = standardInput ? dup(STDIN_FILENO) : nativepath::openForReading(path);
    gzFile in = fd >= 0 ? gzdopen(fd, "rb") : nullptr;
    if (!in) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        return Error{shown + u": cannot read: "_s + QString::fromLocal8Bit(std::strerror(error))};
    }
    gzbuffer(in, 1 << 20);
    const auto closeInput = qScopeGuard([in] { gzclose(in); });

    LogScanStats stats;
    qint64 baseLine = 0;
    qint64 lastTs = -1;
    bool endsWithNewline = true;
    struct InFlight
    {
        QFuture<ChunkResult> result;
        QByteArray data; // what the worker reads
    };
    std::deque<InFlight> inflight;
    std::vector<QByteArray> spare; // drained chunks' buffers, their pages mapped already
    const auto drain = [&] {
        ChunkResult result = inflight.front().result.result();
        spare.push_back(std::move(inflight.front().data));
        inflight.pop_front();
        for (LogLineMatch &match : result.matches) {
            match.line += baseLine + 1;
            if (match.tsMs == Inherit)
                match.tsMs = lastTs;
            onMatch(match);
        }
        if (result.lastTs != Inherit)
            lastTs = result.lastTs;
        baseLine += result.newlines;
        stats.candidates += result.candidates;
        stats.matches += result.matches.size();
    };
    const int maxInflight = 2 * std::max(1, QThread::idealThreadCount());

    // Workers read this object and the classifier: never return while one still runs.
    const auto waitForWorkers = qScopeGuard([&inflight] {
        for (InFlight &chunk : inflight)
            chunk.result.waitForFinished();
    });

    QByteArray buffer;
    bool atEnd = false;
    while (!atEnd) {
        if (cancel && cancel->load())
            return Error{shown + u": canceled"_s};
        const qsizetype kept = buffer.size();
        buffer.resize(kept + ChunkBytes);
        const int read = gzread(in, buffer.data() + kept, static_cast<unsigned>(ChunkBytes));
        int code = Z_OK;
        const char *why = read <= 0 ? gzerror(in, &code) : nullptr;
        if (read < 0 && code == Z_ERRNO) // the file, not its content
            return Error{shown + u": cannot read: "_s +
                         QString::fromLocal8Bit(std::strerror(errno))};
        // Z_BUF_ERROR at the end: the gzip stream stops early; Z_DATA_ERROR: corrupt. Either
        // way, what came before is scanned and the caller hears what is wrong.
        if (read < 0 || code == Z_BUF_ERROR)
            stats.incomplete = code == Z_BUF_ERROR
                                   ? u"truncated gzip: the file ends inside the compressed data"_s
                                   : u"corrupt gzip: "_s + QString::fromLocal8Bit(why).remove(
                                                               zlibFdPrefix());
        buffer.resize(kept + std::max(read, 0));
        atEnd = read <= 0;
        stats.bytes += std::max(read, 0);
        if (progress)
            progress(stats.bytes);

        qsizetype cut = buffer.size();
        if (atEnd && m_completeLinesOnly && !buffer.isEmpty() && !buffer.endsWith('\n')) {
            cut = buffer.lastIndexOf('\n') + 1; // the unfinished line waits for its newline
            stats.bytes -= buffer.size() - cut;
            stats.partialLineLeft = true;
        } else if (!atEnd) {
            const qsizetype newline = buffer.lastIndexOf('\n');
            if (newline >= 0)
                cut = newline + 1;
            else if (buffer.size() < MaxLineBytes)
                continue; // a long line: read on
        }
        if (cut == 0)
            continue;
        // The chunk takes the buffer; the partial line after it starts the next one, in a
        // drained chunk's buffer when there is one (the kernel zeroes every fresh page first).
        QByteArray next;
        if (!spare.empty()) {
            next = std::move(spare.back());
            spare.pop_back();
        }
        next.resize(buffer.size() - cut);
        std::memcpy(next.data(), buffer.constData() + cut, size_t(buffer.size() - cut));
        buffer.truncate(cut);
        QByteArray data = std::exchange(buffer, std::move(next));
        endsWithNewline = data.endsWith('\n');
        const QByteArrayView lines(data);
        inflight.push_back({QtConcurrent::run(QThreadPool::globalInstance(),
                                              [this, lines] { return classifyChunk(lines); }),
                            std::move(data)});
        while (static_cast<int>(inflight.size()) >= maxInflight)
            drain();
    }
    while (!inflight.empty())
        drain();
    stats.lines = baseLine + (stats.bytes > 0 && !endsWithNewline ? 1 : 0);
    return stats;
}

} // namespace pw
