#pragma once

#include "Category.h"
#include "config/Config.h"
#include "Result.h"

#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace pw {

// What a matching line says about a pull (resources/rules/README.md).
enum class RuleKind
{
    Fail,    // a pull failed; the rule's category says why (wrapper and cause in one: user rules)
    Ok,      // a pull succeeded
    Backoff, // only a back-off notice; the cause may be known from an earlier line
    Retry,   // the tool retries the current pull
    Start,   // a pull starts; names the image for later lines
    Abandon, // the job stopped waiting (kubectl wait timed out, the job was canceled): a pull
             // started and still without an outcome failed that way
    Context, // the line is about an image pull: a tool's wrapper, a registry URL
    Cause,   // why something failed, in the vocabulary every tool shares (Go net, x509, OCI codes)
    Exclude, // the line is about something else (a login, a push, a probe): weak contexts and
             // causes on it are no pull
};

struct Rule
{
    QString id;
    QString family; // the rules file ("docker"), or "config"
    RuleKind kind = RuleKind::Fail;
    Category category = Category::None; // Fail, Cause, Abandon: why; Backoff: Backoff; else None
    // Context: the wrapper itself says the pull failed (without a cause on the line, a failure
    // of unknown cause); the tool prints nothing more about a pull after it (a later failure line
    // is another pull); a CI runner's verdict on the pull just before it (it joins that pull
    // whatever tool printed the lines before). Retry: the notice itself says a try failed
    // ("Docker pull failed …, back off"), unlike a layer's "Retrying in 5 seconds".
    // weak: the wrapper frames more than pulls (docker's `Error response from daemon:`, a
    // registry's /v2/ ping): it needs a cause, and an Exclude rule on the line overrules it.
    bool failure = false;
    bool terminal = false;
    bool verdict = false;
    bool weak = false;
    // Context: the wrapper has a status of its own (docker-py's `500 Server Error for
    // http+docker://…` is the Engine API's): a cause inside its match is not the pull's.
    bool masks = false;
    // Exclude: the line is never about a pull, whatever it holds (a test's or a document's line).
    bool always = false;
    bool namesTool = true; // the family is a tool (not "registry", "pull", "cause")
    // Cause: the phrase alone says a pull failed ("pull access denied"), no context needed.
    bool standalone = false;
    QString pattern;
    bool caseless = false;
    // The compiled pattern, with the named groups image, host, status, pod, service.
    QRegularExpression regex;
    QStringList matchExamples;
    QStringList nomatchExamples;

    // Lower wins when several rules of a kind match one line: failures, causes and back-offs in
    // category order, then ok, retry, start, context.
    int rank() const;
};

// The classifier's rules: the built-in files in resources/rules/ plus the config's.
class RuleSet
{
public:
    // Every :/rules/*.json, in file-name order.
    static Result<RuleSet> builtin();
    // One rules file; errors name the file and the rule.
    static Result<RuleSet> fromJson(const QByteArray &json, const QString &fileName);

    Status append(const RuleSet &other);
    // The config's rules are Fail rules of their category.
    Status append(const QList<RuleConfig> &rules);

    const QList<Rule> &rules() const { return m_rules; }

private:
    Status add(Rule rule, const QString &where);

    QList<Rule> m_rules;
};

} // namespace pw
