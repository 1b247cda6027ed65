#pragma once

#include "ci/LogRules.h"

#include <QByteArrayView>
#include <QList>

#include <memory>
#include <optional>

struct hs_database;
struct hs_scratch;

namespace pw {

// The rule that won a line, with what it captured.
struct LineMatch
{
    const Rule *rule = nullptr;
    QString image; // as written in the log; empty when the rule captures none
    QString host;
    int status = 0;
    bool retry = false; // a retry rule matched too: the line reports a failed try and a retry
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
        // The rules matching one readable line (see logtext::readableText), best rank first.
        QList<const Rule *> matching(QStringView line);
        std::optional<LineMatch> classify(QStringView line);

    private:
        const LogClassifier &m_classifier;
        hs_scratch *m_scratch = nullptr;
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
