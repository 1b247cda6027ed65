// A CI log end to end as ingest reads it: every line cleaned for reading (logtext), the built-in
// rules through the Vectorscan prefilter and the regular expressions (LogScan), the matches
// turned into pull attempts (PullExtractor). Checks what the history relies on: matches in log
// order within the log, events that are consistent (ok has no category, a failure has one),
// images canonical whenever they parse, messages within their byte limit.
#include "fuzzsupport.h"

#include "ci/LogScan.h"
#include "ci/LogText.h"
#include "ci/PullExtractor.h"
#include "ImageReference.h"

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

constexpr qint64 FallbackTsMs = 1'747'557'735'000;

const LogClassifier &classifier()
{
    static const LogClassifier instance = [] {
        Result<RuleSet> rules = RuleSet::builtin();
        if (!rules)
            fuzz::fail("the built-in rules load", rules.error());
        Result<LogClassifier> created = LogClassifier::create(std::move(*rules));
        if (!created)
            fuzz::fail("the built-in rules compile", created.error());
        return std::move(*created);
    }();
    return instance;
}

void checkReadable(const QString &text)
{
    fuzz::check(!text.contains(u'\n') && !text.contains(u'\r'), "no line breaks remain", text);
    fuzz::check(!text.contains(QChar(0)) && !text.contains(QChar(0x1b)),
                "no NUL or escape remains", text);
}

} // namespace

// Compiling the rules takes seconds under the sanitizers: before the first input, so that it
// does not count against the per-input timeout.
extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::ensureApplication();
    classifier();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView log(reinterpret_cast<const char *>(data), qsizetype(size));

    for (qsizetype start = 0; start < log.size();) {
        qsizetype end = log.indexOf('\n', start);
        if (end < 0)
            end = log.size();
        const QByteArrayView line = log.sliced(start, end - start);
        checkReadable(logtext::readableText(line));
        if (logtext::leadingTimestamp(line) >= 0) {
            const QByteArrayView text = line.startsWith("\xEF\xBB\xBF") ? line.sliced(3) : line;
            fuzz::check(text.size() >= 20 && text[4] == '-' && text[10] == 'T',
                        "a timestamp comes from a date-time prefix");
        }
        start = end + 1;
    }

    const CiContext context{u"files"_s, u"fuzz"_s, u"1"_s, u"2"_s, u"job"_s, {}};
    PullExtractor extractor(context, FallbackTsMs);
    qint64 previousLine = 0;
    const LogScanStats stats =
        LogScan(classifier()).scanBytes(log, [&](const LogLineMatch &match) {
            fuzz::check(match.line > previousLine, "matches come in log order, each line once");
            previousLine = match.line;
            fuzz::check(match.match.rule != nullptr, "a match names its rule");
            fuzz::check(match.tsMs >= -1, "a match's time is -1 or a time");
            checkReadable(match.text);
            extractor.add(match);
        });
    fuzz::check(stats.bytes == log.size(), "every byte is counted");
    fuzz::check(previousLine <= stats.lines, "matches lie within the log",
                QString::number(previousLine) + u" > "_s + QString::number(stats.lines));
    fuzz::check(stats.matches <= stats.candidates, "a match was a candidate first");

    const QList<CiPull> pulls = extractor.finish();
    int previousCiLine = 0;
    for (const CiPull &pull : pulls) {
        const PullEvent &event = pull.event;
        fuzz::check(event.source == Source::Ci, "an event from a log is a CI event");
        fuzz::check(event.ok == (event.category == Category::None),
                    "ok has no category and a failure has one", event.message);
        fuzz::check(event.ciLine >= 1 && event.ciLine <= stats.lines, "the event's line is in the log",
                    QString::number(event.ciLine));
        fuzz::check(event.ciLine >= previousCiLine, "events are in log order");
        previousCiLine = event.ciLine;
        fuzz::check(pull.attempts >= 1, "a pull has at least one attempt");
        fuzz::check(!event.rule.isEmpty(), "an event names its rule");
        fuzz::check(event.message.toUtf8().size() <= PullEvent::MaxMessageBytes,
                    "the message fits its limit");
        fuzz::check(event.ci == context, "the CI context is kept");
        fuzz::check(pull.timestampFromLog || event.ts == FallbackTsMs,
                    "without a time in the log the fallback is used");
        fuzz::check(event.latencyMs >= -1, "a latency is -1 or a duration",
                    QString::number(event.latencyMs));
        if (!event.registry.isEmpty()) {
            const Result<ImageReference> ref = ImageReference::parse(event.image);
            fuzz::check(ref.ok() && ref->canonical() == event.image && ref->registry == event.registry,
                        "an image with a registry is canonical", event.image);
        }
    }
    return 0;
}
