#pragma once

#include "ci/LogRules.h"

#include <QByteArrayView>
#include <QList>

#include <memory>
#include <optional>
#include <span>
#include <vector>

struct hs_database;
struct hs_scratch;

namespace pw {

// What a line says about a pull, and the rules that decided it (DESIGN.md "Why one rule per
// tool and cause does not generalize"): a failure is a pull context (a tool's wrapper, a
// registry URL) with a cause from the shared vocabulary, a failure wrapper alone (`unknown`), a
// standalone cause, or a fail rule; otherwise a back-off notice, a success, a retry, a start, or
// a cause outside any pull context (kind Cause), which counts only inside a pull in progress.
struct LineMatch
{
    RuleKind kind = RuleKind::Fail; // Fail, Ok, Backoff, Retry, Start or Cause
    Category category = Category::None; // Fail, Cause: why; Backoff: backoff
    const Rule *rule = nullptr;         // the rule that decided: the cause of a composed failure
    const Rule *context = nullptr;      // the pull context on the line, if any
    QString image; // as written in the log; empty when no rule captures one
    QString host;
    // What the tool reports on, when the line says: kubelet's pod ("namespace/name"), compose's
    // service ("service:name"). Lines about different units are different pulls.
    QString unit;
    int status = 0;
    bool retry = false; // a retry rule matched too: the line reports a failed try and a retry

    // "context+cause" for a composed failure, else the deciding rule's id.
    QString ruleId() const;
    // The tool that printed the line, as its pull context's family says; empty when the line has
    // no context (a fail rule's wrapper belongs to no one tool).
    QString tool() const;
};

// The lines of a text that some rule's pattern matches, with the rules whose patterns match there.
struct CandidateLines
{
    struct Line
    {
        qsizetype end = 0; // offset of the line's '\n', or the end of the text
        qsizetype firstRule = 0;
        qsizetype ruleCount = 0;
    };
    std::vector<Line> lines;     // ascending, each once
    std::vector<unsigned> rules; // indexes into the rule set; a line's are [firstRule, +ruleCount)

    std::span<const unsigned> rulesOf(const Line &line) const
    {
        return std::span(rules).subspan(size_t(line.firstRule), size_t(line.ruleCount));
    }
};

// Finds pull evidence in log text with all rules at once. Vectorscan scans raw text for lines any
// rule may match (one pass, every pattern together, no per-line work for the lines that match
// nothing); only those lines are then read with the matching rules' regular expressions, which
// decide and capture.
class LogClassifier
{
public:
    // Errors name the rule whose pattern Vectorscan cannot compile.
    static Result<LogClassifier> create(RuleSet rules);
    // The built-in rules and the config's own (`classify`, `ingest`, `serve` and the dashboard's
    // imports all read logs with this one). Errors name the config file.
    static Result<LogClassifier> forConfig(const Config &config);

    const RuleSet &rules() const;

    // One thread's scanning state (Vectorscan scratch space). A Scanner is used by one thread
    // at a time; make one per worker.
    class Scanner
    {
    public:
        explicit Scanner(const LogClassifier &classifier);
        ~Scanner();
        Scanner(const Scanner &) = delete;
        Scanner &operator=(const Scanner &) = delete;

        // Appends to lineEnds the offset of the end ('\n' or the end of text) of every line of
        // text that some rule's pattern matches, ascending, each once.
        void candidates(QByteArrayView text, QList<qsizetype> &lineEnds);
        // The same lines (replacing what `lines` held), each with the rules that matched there.
        void candidates(QByteArrayView text, CandidateLines &lines);
        // The rules matching one readable line (see logtext::readableText), best rank first.
        QList<const Rule *> matching(QStringView line);
        std::optional<LineMatch> classify(QStringView line);
        // classify() for a readable line that is a verbatim piece of a raw line candidates()
        // scanned (only a prefix and the line end cut): only the rules proposed there can match
        // it, so it is not scanned again. Falls back to classify(line) when the rules' patterns
        // look outside a line (\b, \A, ...), where that does not hold.
        std::optional<LineMatch> classify(QStringView line, std::span<const unsigned> proposed);

    private:
        struct Confirmed
        {
            const Rule *rule = nullptr;
            QRegularExpressionMatch match;
        };
        void propose(QStringView line); // m_proposed: the rules Vectorscan finds in line
        void confirm(QStringView line, std::span<const unsigned> proposed); // m_confirmed
        std::optional<LineMatch> decide() const; // the best of m_confirmed, with its captures

        const LogClassifier &m_classifier;
        hs_scratch *m_scratch = nullptr;
        std::vector<std::pair<unsigned long long, unsigned>> m_hits; // (match end, rule)
        std::vector<unsigned> m_proposed;
        std::vector<Confirmed> m_confirmed; // best rank first
    };

    // Convenience for single lines (tests, small inputs): a Scanner per call.
    QList<const Rule *> matchingRules(QStringView line) const;
    std::optional<LineMatch> classifyLine(QStringView line) const;

private:
    struct Database;
    explicit LogClassifier(std::shared_ptr<const Database> database);

    std::shared_ptr<const Database> m_database;
};

} // namespace pw
