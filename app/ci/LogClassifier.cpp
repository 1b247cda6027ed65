#include "LogClassifier.h"

#include <hs/hs.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <cstdlib>
#include <cstring>

using namespace Qt::StringLiterals;

namespace pw {

struct LogClassifier::Database
{
    RuleSet rules;
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

namespace {
// The prefilter sees raw lines, which may start with a timestamp or an escape sequence and end
// in a carriage return: anchors come off there (outside classes), making the prefilter match a
// superset. The rule's own regex then applies them to the readable line.
QByteArray prefilterPattern(const QString &pattern)
{
    const QByteArray in = pattern.toUtf8();
    QByteArray out;
    out.reserve(in.size());
    bool inClass = false;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\\' && i + 1 < in.size()) {
            out.append(c).append(in[++i]);
            continue;
        }
        if (inClass) {
            if (c == ']' && !(out.endsWith('[') || out.endsWith("[^")))
                inClass = false;
        } else if (c == '[') {
            inClass = true;
        } else if (c == '^' || c == '$') {
            continue;
        }
        out.append(c);
    }
    return out;
}
} // namespace

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
        patterns.push_back(prefilterPattern(list[i].pattern));
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
struct CandidateContext
{
    const char *text;
    qsizetype size;
    qsizetype lastLineEnd = -1;
    QList<qsizetype> *lineEnds;
};

int onCandidate(unsigned, unsigned long long, unsigned long long to, unsigned, void *context)
{
    auto *c = static_cast<CandidateContext *>(context);
    const auto end = static_cast<qsizetype>(to);
    if (end <= c->lastLineEnd)
        return 0; // this line is already a candidate
    const void *newline = std::memchr(c->text + end, '\n', static_cast<size_t>(c->size - end));
    c->lastLineEnd = newline ? static_cast<const char *>(newline) - c->text : c->size;
    c->lineEnds->append(c->lastLineEnd);
    return 0;
}

int onRule(unsigned id, unsigned long long, unsigned long long, unsigned, void *context)
{
    auto *ids = static_cast<QList<unsigned> *>(context);
    if (!ids->contains(id))
        ids->append(id);
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
    if (!m_scratch || text.isEmpty())
        return;
    CandidateContext context{text.data(), text.size(), -1, &lineEnds};
    hs_scan(m_classifier.m_database->database, text.data(), static_cast<unsigned>(text.size()), 0,
            m_scratch, onCandidate, &context);
}

QList<const Rule *> LogClassifier::Scanner::matching(QStringView line)
{
    QList<const Rule *> found;
    if (!m_scratch)
        return found;
    const QByteArray utf8 = line.toUtf8();
    QList<unsigned> ids;
    hs_scan(m_classifier.m_database->database, utf8.constData(), static_cast<unsigned>(utf8.size()),
            0, m_scratch, onRule, &ids);
    const QList<Rule> &rules = m_classifier.m_database->rules.rules();
    for (const unsigned id : ids) {
        const Rule &rule = rules[id];
        if (rule.regex.match(line).hasMatch()) // Vectorscan proposes, the regex decides
            found.append(&rule);
    }
    std::stable_sort(found.begin(), found.end(), [&](const Rule *a, const Rule *b) {
        return a->rank() != b->rank() ? a->rank() < b->rank() : a < b;
    });
    return found;
}

std::optional<LineMatch> LogClassifier::Scanner::classify(QStringView line)
{
    const QList<const Rule *> found = matching(line);
    if (found.isEmpty())
        return std::nullopt;
    LineMatch match;
    match.rule = found.first();
    const QRegularExpressionMatch m = match.rule->regex.match(line);
    match.image = cleanImage(m.captured(u"image"));
    match.host = m.captured(u"host");
    match.status = m.captured(u"status").toInt();
    match.retry = std::any_of(found.cbegin(), found.cend(),
                              [](const Rule *rule) { return rule->kind == RuleKind::Retry; });
    // A start or ok line of one rule may name the image another matching rule does not.
    for (qsizetype i = 1; match.image.isEmpty() && i < found.size(); ++i)
        match.image = cleanImage(found[i]->regex.match(line).captured(u"image"));
    return match;
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
