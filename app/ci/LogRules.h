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
    Fail,    // a pull failed; the rule's category says why
    Ok,      // a pull succeeded
    Backoff, // only a back-off notice; the cause may be known from an earlier line
    Retry,   // the tool retries the current pull
    Start,   // a pull starts; names the image for later lines
};

struct Rule
{
    QString id;
    QString family; // the rules file ("docker"), or "config"
    RuleKind kind = RuleKind::Fail;
    Category category = Category::None; // Fail: why; Backoff: Backoff; else None
    QString pattern;
    bool caseless = false;
    QRegularExpression regex; // compiled pattern with the named groups image, host, status
    QStringList matchExamples;
    QStringList nomatchExamples;

    // Lower wins when several rules match one line: failures and back-offs in category order,
    // then ok, retry, start.
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
