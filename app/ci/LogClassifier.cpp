#include "ci/LogClassifier.h"

#include "ci/LogClassifierPatterns.h"

#include <hs/hs.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace Qt::StringLiterals;

namespace pw {

struct LogClassifier::Database
{
    RuleSet rules;
    bool lineLocal = true; // no pattern looks beyond the bytes it matches (see create())
    hs_database_t *database = nullptr;
    hs_scratch_t *prototype = nullptr; // cloned per Scanner

    ~Database()
    {
        hs_free_scratch(prototype);
        hs_free_database(database);
    }
};

LogClassifier::LogClassifier(std::shared_ptr<const Database> database)
    : m_database(std::move(database))
{}

Result<LogClassifier> LogClassifier::forConfig(const Config &config)
{
    Result<RuleSet> rules = RuleSet::builtin();
    if (!rules)
        return Error{rules.error()};
    if (Status added = rules->append(config.rules); !added)
        return Error{config.sourcePath + u": "_s + added.error()};
    return create(std::move(*rules));
}

Result<LogClassifier> LogClassifier::create(RuleSet rules)
{
    auto database = std::make_shared<Database>();
    database->rules = std::move(rules);
    const QList<Rule> &list = database->rules.rules();
    std::vector<QByteArray> patterns;
    std::vector<const char *> expressions;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    patterns.reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        patterns.push_back(prefilter::pattern(list[i].pattern));
        database->lineLocal =
            database->lineLocal && prefilter::matchesOnlyItsBytes(patterns.back());
        expressions.push_back(patterns.back().constData());
        // Multi-line: ^ and $ hold at line boundaries inside a chunk of many lines.
        flags.push_back(HS_FLAG_MULTILINE | (list[i].caseless ? HS_FLAG_CASELESS : 0u));
        ids.push_back(static_cast<unsigned>(i));
    }
    if (list.isEmpty())
        return LogClassifier(database);

    // Compiling ~130 rules takes Vectorscan a second or more; the compiled database is kept in
    // the user's cache, keyed by everything that goes into it, and loaded in milliseconds.
    QCryptographicHash key(QCryptographicHash::Sha256);
    key.addData(QByteArrayView(hs_version(), qstrlen(hs_version())));
    for (size_t i = 0; i < patterns.size(); ++i) {
        key.addData(patterns[i]);
        key.addData(QByteArray(QByteArray::number(flags[i]) + '\n'));
    }
    const QString cacheDir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    const QString cacheFile = cacheDir + u"/classifier-"_s +
                              QString::fromLatin1(key.result().toHex().left(32)) + u".hsdb"_s;
    if (QFile cached(cacheFile); cached.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = cached.readAll();
        if (hs_deserialize_database(bytes.constData(), static_cast<size_t>(bytes.size()),
                                    &database->database) == HS_SUCCESS &&
            hs_alloc_scratch(database->database, &database->prototype) == HS_SUCCESS)
            return LogClassifier(database);
        hs_free_database(std::exchange(database->database, nullptr)); // stale or damaged
    }

    hs_compile_error_t *error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                         &database->database, &error) != HS_SUCCESS) {
        const QString rule = error->expression >= 0 && error->expression < list.size()
                                 ? u"rule \""_s + list[error->expression].id + u"\": "_s
                                 : QString();
        const QString message = rule + QString::fromUtf8(error->message);
        hs_free_compile_error(error);
        return Error{u"cannot compile the classifier rules: "_s + message};
    }
    if (hs_alloc_scratch(database->database, &database->prototype) != HS_SUCCESS)
        return Error{u"cannot allocate the classifier's scratch space"_s};

    char *serialized = nullptr;
    size_t length = 0;
    if (QDir().mkpath(cacheDir) &&
        hs_serialize_database(database->database, &serialized, &length) == HS_SUCCESS) {
        QSaveFile file(cacheFile); // a cache only: failing to write it changes nothing
        if (file.open(QIODevice::WriteOnly) &&
            file.write(serialized, static_cast<qint64>(length)) == static_cast<qint64>(length))
            file.commit();
        std::free(serialized);
    }
    return LogClassifier(database);
}

const RuleSet &LogClassifier::rules() const
{
    return m_database->rules;
}

LogClassifier::Scanner::Scanner(const LogClassifier &classifier) : m_classifier(classifier)
{
    if (classifier.m_database->prototype)
        hs_clone_scratch(classifier.m_database->prototype, &m_scratch);
}

LogClassifier::Scanner::~Scanner()
{
    hs_free_scratch(m_scratch);
}

namespace {
using Hits = std::vector<std::pair<unsigned long long, unsigned>>;

int onHit(unsigned id, unsigned long long, unsigned long long to, unsigned, void *context)
{
    static_cast<Hits *>(context)->emplace_back(to, id);
    return 0;
}

int onRule(unsigned id, unsigned long long, unsigned long long, unsigned, void *context)
{
    auto *ids = static_cast<std::vector<unsigned> *>(context);
    if (std::find(ids->cbegin(), ids->cend(), id) == ids->cend())
        ids->push_back(id);
    return 0;
}

QString cleanImage(QString image)
{
    // Quotes, brackets and sentence punctuation around a reference are not part of it.
    while (!image.isEmpty() && QStringView(u"\"'`([<").contains(image.front()))
        image.remove(0, 1);
    while (!image.isEmpty() && QStringView(u"\"'`)]>,.;:").contains(image.back()))
        image.chop(1);
    return image;
}
} // namespace

void LogClassifier::Scanner::candidates(QByteArrayView text, QList<qsizetype> &lineEnds)
{
    CandidateLines lines;
    candidates(text, lines);
    for (const CandidateLines::Line &line : lines.lines)
        lineEnds.append(line.end);
}

void LogClassifier::Scanner::candidates(QByteArrayView text, CandidateLines &lines)
{
    lines.lines.clear();
    lines.rules.clear();
    if (!m_scratch || text.isEmpty())
        return;
    m_hits.clear();
    hs_scan(m_classifier.m_database->database, text.data(), static_cast<unsigned>(text.size()), 0,
            m_scratch, onHit, &m_hits);
    // Vectorscan reports matches by ascending end offset, except some of patterns with
    // assertions (unordered_matches in hs_expression_info).
    const auto byEnd = [](const auto &a, const auto &b) { return a.first < b.first; };
    if (!std::is_sorted(m_hits.cbegin(), m_hits.cend(), byEnd))
        std::stable_sort(m_hits.begin(), m_hits.end(), byEnd);
    qsizetype lineEnd = -1;
    for (const auto &[to, id] : m_hits) {
        const auto end = static_cast<qsizetype>(to);
        if (end > lineEnd) {
            const void *newline =
                std::memchr(text.data() + end, '\n', static_cast<size_t>(text.size() - end));
            lineEnd = newline ? static_cast<const char *>(newline) - text.data() : text.size();
            lines.lines.push_back({lineEnd, qsizetype(lines.rules.size()), 0});
        }
        CandidateLines::Line &line = lines.lines.back();
        const auto first = lines.rules.cbegin() + line.firstRule;
        if (std::find(first, lines.rules.cend(), id) == lines.rules.cend()) {
            lines.rules.push_back(id);
            ++line.ruleCount;
        }
    }
}

void LogClassifier::Scanner::propose(QStringView line)
{
    m_proposed.clear();
    if (!m_scratch)
        return;
    const QByteArray utf8 = line.toUtf8();
    hs_scan(m_classifier.m_database->database, utf8.constData(), static_cast<unsigned>(utf8.size()),
            0, m_scratch, onRule, &m_proposed);
}

void LogClassifier::Scanner::confirm(QStringView line, std::span<const unsigned> proposed)
{
    m_confirmed.clear();
    const QList<Rule> &rules = m_classifier.m_database->rules.rules();
    for (const unsigned id : proposed) {
        const Rule &rule = rules[id];
        QRegularExpressionMatch match = rule.regex.match(line);
        if (match.hasMatch()) // Vectorscan proposes, the regex decides
            m_confirmed.push_back({&rule, std::move(match)});
    }
    // A cause inside a wrapper's own status (masks) counts only if it recurs after it.
    for (const Confirmed &mask : m_confirmed) {
        if (!mask.rule->masks)
            continue;
        const qsizetype from = mask.match.capturedStart(0), to = mask.match.capturedEnd(0);
        for (Confirmed &c : m_confirmed)
            if (c.rule->kind == RuleKind::Cause && c.match.capturedStart(0) < to &&
                c.match.capturedEnd(0) > from)
                c.match = c.rule->regex.match(line, to);
    }
    std::erase_if(m_confirmed, [](const Confirmed &c) { return !c.match.hasMatch(); });
    std::stable_sort(m_confirmed.begin(), m_confirmed.end(),
                     [](const Confirmed &a, const Confirmed &b) {
                         return a.rule->rank() != b.rule->rank() ? a.rule->rank() < b.rule->rank()
                                                                 : a.rule < b.rule;
                     });
}

std::optional<LineMatch> LogClassifier::Scanner::decide() const
{
    // m_confirmed is sorted by rank: the first of a kind is its best (most specific category).
    const Confirmed *fail = nullptr, *cause = nullptr, *standalone = nullptr, *backoff = nullptr,
                    *ok = nullptr, *retry = nullptr, *start = nullptr, *abandon = nullptr,
                    *context = nullptr;
    bool failureContext = false;
    bool strongContext = false;
    bool excluded = false;
    for (const Confirmed &c : m_confirmed) {
        const Confirmed **first = nullptr;
        switch (c.rule->kind) {
        case RuleKind::Fail: first = &fail; break;
        case RuleKind::Cause:
            if (c.rule->standalone && !standalone)
                standalone = &c;
            first = &cause;
            break;
        case RuleKind::Backoff: first = &backoff; break;
        case RuleKind::Ok: first = &ok; break;
        case RuleKind::Retry: first = &retry; break;
        case RuleKind::Start: first = &start; break;
        case RuleKind::Abandon: first = &abandon; break;
        case RuleKind::Context: {
            failureContext = failureContext || c.rule->failure;
            strongContext = strongContext || !c.rule->weak;
            // The outermost wrapper is the tool that printed the line (the others are errors it
            // passes on); at one place, a failure wrapper says more than a registry URL.
            const qsizetype at = c.match.capturedStart(0);
            const qsizetype best = context ? context->match.capturedStart(0) : -1;
            if (!context || at < best || (at == best && c.rule->failure && !context->rule->failure))
                context = &c;
            break;
        }
        case RuleKind::Exclude:
            if (c.rule->always)
                return std::nullopt;
            excluded = true;
            break;
        }
        if (first && !*first)
            *first = &c;
    }

    // A login, a push or a probe framed only by wrappers that frame anything: no pull.
    if (excluded && !strongContext && !standalone && !fail)
        return std::nullopt;

    LineMatch match;
    const Confirmed *decider = nullptr;
    const auto consider = [&](const Confirmed *candidate, Category category) {
        if (candidate && (!decider || category < match.category)) {
            decider = candidate;
            match.category = category;
        }
    };
    consider(fail, fail ? fail->rule->category : Category::None);
    // A retry notice that says a try failed frames the cause it gives, like a wrapper (podman's
    // "Retrying operation after 1s due to <cause>").
    const bool framed = context || (retry && retry->rule->failure);
    const Confirmed *effectiveCause = framed ? cause : standalone;
    consider(effectiveCause, effectiveCause ? effectiveCause->rule->category : Category::None);
    consider(backoff, Category::Backoff);
    if (!decider && failureContext) // a failure wrapper alone: a failure of unknown cause
        consider(context, Category::Unknown);
    // A retry notice that says no more than "it failed" ("Docker pull failed …, back off 4.5
    // seconds before retry") is the retry: the try it reports failed for a reason not in view.
    if (decider && retry && match.category == Category::Unknown)
        decider = nullptr;
    if (decider) {
        match.kind = decider->rule->kind == RuleKind::Backoff ? RuleKind::Backoff : RuleKind::Fail;
    } else if (ok || retry || start) {
        decider = ok ? ok : retry ? retry : start;
        match.kind = decider->rule->kind;
        match.category = Category::None;
    } else if (abandon) { // only the extractor knows whether a pull was in progress
        decider = abandon;
        match.kind = RuleKind::Abandon;
        match.category = abandon->rule->category;
    } else if (cause) {
        decider = cause;
        match.kind = RuleKind::Cause;
        match.category = cause->rule->category;
    } else {
        return std::nullopt; // a registry URL alone, say: no pull outcome
    }
    match.rule = decider->rule;
    match.context = context ? context->rule : nullptr;
    match.retry = retry != nullptr;
    // Captures: the context's first (it names the image the tool pulled), then the decider's,
    // then any other rule's.
    const auto capture = [&](QString &field, QStringView group) {
        for (const Confirmed *c : {context, decider})
            if (c && field.isEmpty())
                field = c->match.captured(group);
        for (size_t i = 0; field.isEmpty() && i < m_confirmed.size(); ++i)
            field = m_confirmed[i].match.captured(group);
    };
    capture(match.image, u"image");
    capture(match.host, u"host");
    if (match.image.isEmpty()) {
        // A manifest URL names the image: https://HOST/v2/REPOSITORY/manifests/REFERENCE (a blob
        // URL names no tag: the image is the pull's in progress).
        QString repository, reference, mirrored;
        capture(repository, u"repository");
        capture(reference, u"reference");
        capture(mirrored, u"ns"); // a mirror's ?ns=REGISTRY names the registry pulled from
        if (!repository.isEmpty() && !reference.isEmpty() && !match.host.isEmpty()) {
            const QString registry = mirrored.isEmpty() ? match.host : mirrored;
            const bool hub = registry == u"registry-1.docker.io"_s ||
                             registry == u"index.docker.io"_s;
            match.image = (hub ? u"docker.io"_s : registry) + u'/' + repository +
                          (reference.startsWith(u"sha256:"_s) ? u'@' : u':') + reference;
        }
    }
    match.image = cleanImage(match.image);
    capture(match.unit, u"pod");
    QString service;
    capture(service, u"service");
    if (match.unit.isEmpty() && !service.isEmpty())
        match.unit = u"service:"_s + service;
    QString status;
    capture(status, u"status");
    match.status = status.toInt();
    return match;
}

QString LineMatch::ruleId() const
{
    if (context && rule && rule->kind == RuleKind::Cause && kind == RuleKind::Fail)
        return context->id + u'+' + rule->id;
    return rule ? rule->id : QString();
}

QString LineMatch::tool() const
{
    return context && context->namesTool ? context->family : QString();
}

QList<const Rule *> LogClassifier::Scanner::matching(QStringView line)
{
    propose(line);
    confirm(line, m_proposed);
    QList<const Rule *> found;
    for (const Confirmed &confirmed : m_confirmed)
        found.append(confirmed.rule);
    return found;
}

std::optional<LineMatch> LogClassifier::Scanner::classify(QStringView line)
{
    propose(line);
    confirm(line, m_proposed);
    return decide();
}

std::optional<LineMatch> LogClassifier::Scanner::classify(QStringView line,
                                                          std::span<const unsigned> proposed)
{
    if (!m_classifier.m_database->lineLocal)
        return classify(line);
    confirm(line, proposed);
    return decide();
}

QList<const Rule *> LogClassifier::matchingRules(QStringView line) const
{
    Scanner scanner(*this);
    return scanner.matching(line);
}

std::optional<LineMatch> LogClassifier::classifyLine(QStringView line) const
{
    Scanner scanner(*this);
    return scanner.classify(line);
}

} // namespace pw
