#include "ci/LogRules.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pw {

namespace {
std::optional<RuleKind> kindFromId(const QString &id)
{
    static constexpr std::pair<QStringView, RuleKind> kinds[] = {
        {u"fail", RuleKind::Fail},       {u"ok", RuleKind::Ok},
        {u"backoff", RuleKind::Backoff}, {u"retry", RuleKind::Retry},
        {u"start", RuleKind::Start},     {u"context", RuleKind::Context},
        {u"cause", RuleKind::Cause},     {u"exclude", RuleKind::Exclude},
        {u"abandon", RuleKind::Abandon},
    };
    for (const auto &[name, kind] : kinds) {
        if (id == name)
            return kind;
    }
    return std::nullopt;
}

QStringList strings(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &item : value.toArray())
        list.append(item.toString());
    return list;
}
} // namespace

int Rule::rank() const
{
    switch (kind) {
    case RuleKind::Fail:
    case RuleKind::Cause:
    case RuleKind::Backoff:
        return static_cast<int>(category);
    case RuleKind::Ok:
        return CategoryCount;
    case RuleKind::Retry:
        return CategoryCount + 1;
    case RuleKind::Start:
        return CategoryCount + 2;
    case RuleKind::Abandon:
        return CategoryCount + 3;
    case RuleKind::Context:
        return CategoryCount + 4;
    case RuleKind::Exclude:
        return CategoryCount + 5;
    }
    return CategoryCount + 6;
}

Status RuleSet::add(Rule rule, const QString &where)
{
    const QString at = where + u": rule \""_s + rule.id + u'"';
    if (rule.id.isEmpty())
        return Error{where + u": a rule has no \"id\""_s};
    for (const Rule &existing : m_rules) {
        if (existing.id == rule.id)
            return Error{at + u" is defined twice (also in "_s + existing.family + u')'};
    }
    if (rule.pattern.isEmpty())
        return Error{at + u" has no \"pattern\""_s};
    if ((rule.kind == RuleKind::Fail || rule.kind == RuleKind::Cause ||
         rule.kind == RuleKind::Abandon) &&
        (rule.category == Category::None || rule.category == Category::Backoff))
        return Error{at + u": a fail, cause or abandon rule needs a failure category"_s};
    QRegularExpression::PatternOptions options = QRegularExpression::NoPatternOption;
    if (rule.caseless)
        options |= QRegularExpression::CaseInsensitiveOption;
    // A rule from another set (builtin() appends each file's) keeps its compiled expression.
    const bool compiled = rule.regex.pattern() == rule.pattern &&
                          rule.regex.patternOptions() == options && rule.regex.isValid();
    if (!compiled)
        rule.regex = QRegularExpression(rule.pattern, options);
    if (!rule.regex.isValid())
        return Error{at + u": bad pattern at offset %1: %2"_s.arg(rule.regex.patternErrorOffset())
                              .arg(rule.regex.errorString())};
    for (const QString &group : rule.regex.namedCaptureGroups()) {
        static const QStringList known{u"image"_s, u"host"_s, u"status"_s, u"pod"_s,
                                       u"service"_s, u"repository"_s, u"reference"_s,
                                       u"ns"_s};
        if (!group.isEmpty() && !known.contains(group))
            return Error{at + u": unknown capture group \""_s + group + u"\" (use "_s +
                         known.join(u", "_s) + u')'};
    }
    rule.regex.optimize();
    m_rules.append(std::move(rule));
    return {};
}

Result<RuleSet> RuleSet::fromJson(const QByteArray &json, const QString &fileName)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{
            u"%1: offset %2: %3"_s.arg(fileName).arg(error.offset).arg(error.errorString())};
    const QJsonObject root = document.object();
    const QString family = root.value(u"family"_s).toString(QFileInfo(fileName).baseName());
    const bool namesTool = root.value(u"tool"_s).toBool(true);
    RuleSet set;
    for (const QJsonValue &value : root.value(u"rules"_s).toArray()) {
        const QJsonObject object = value.toObject();
        Rule rule;
        rule.id = object.value(u"id"_s).toString();
        rule.family = family;
        const auto kind = kindFromId(object.value(u"kind"_s).toString(u"fail"_s));
        if (!kind)
            return Error{u"%1: rule \"%2\": unknown kind \"%3\""_s.arg(
                fileName, rule.id, object.value(u"kind"_s).toString())};
        rule.kind = *kind;
        const QString category = object.value(u"category"_s).toString();
        if (rule.kind == RuleKind::Backoff) {
            rule.category = Category::Backoff;
        } else if (rule.kind == RuleKind::Fail || rule.kind == RuleKind::Cause ||
                   rule.kind == RuleKind::Abandon) {
            const auto parsed = categoryFromId(category);
            if (!parsed)
                return Error{
                    u"%1: rule \"%2\": unknown category \"%3\""_s.arg(fileName, rule.id, category)};
            rule.category = *parsed;
        }
        rule.pattern = object.value(u"pattern"_s).toString();
        rule.caseless = object.value(u"caseless"_s).toBool();
        rule.failure = object.value(u"failure"_s).toBool();
        rule.terminal = object.value(u"terminal"_s).toBool();
        rule.verdict = object.value(u"verdict"_s).toBool();
        rule.standalone = object.value(u"standalone"_s).toBool();
        rule.weak = object.value(u"weak"_s).toBool();
        rule.masks = object.value(u"masks"_s).toBool();
        rule.always = object.value(u"always"_s).toBool();
        rule.namesTool = namesTool;
        rule.matchExamples = strings(object.value(u"match"_s));
        rule.nomatchExamples = strings(object.value(u"nomatch"_s));
        if (Status added = set.add(std::move(rule), fileName); !added)
            return Error{added.error()};
    }
    return set;
}

Result<RuleSet> RuleSet::builtin()
{
    RuleSet all;
    const QDir dir(u":/rules"_s);
    for (const QString &name : dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name)) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            return Error{file.fileName() + u": cannot read"_s};
        Result<RuleSet> set = fromJson(file.readAll(), file.fileName());
        if (!set)
            return Error{set.error()};
        if (Status appended = all.append(*set); !appended)
            return Error{appended.error()};
    }
    return all;
}

Status RuleSet::append(const RuleSet &other)
{
    for (const Rule &rule : other.m_rules) {
        if (Status added = add(rule, rule.family); !added)
            return added;
    }
    return {};
}

Status RuleSet::append(const QList<RuleConfig> &rules)
{
    for (const RuleConfig &config : rules) {
        Rule rule;
        rule.id = config.id;
        rule.family = u"config"_s;
        rule.kind = RuleKind::Fail;
        rule.category = categoryFromId(config.category).value_or(Category::Unknown);
        rule.pattern = config.pattern;
        if (Status added = add(std::move(rule), u"config"_s); !added)
            return added;
    }
    return {};
}

} // namespace pw
