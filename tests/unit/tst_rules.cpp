// The built-in classifier rules (resources/rules/*.json), rule by rule: every "match" example is
// won by its own rule, every "nomatch" example is not matched by it, and lines that merely mention
// timeouts, 404s or DNS outside an image pull match no rule at all.
#include "Category.h"
#include "ci/LogClassifier.h"
#include "ci/LogClassifierPatterns.h"
#include "ci/LogRules.h"
#include "ci/LogScan.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

QString kindName(RuleKind kind)
{
    switch (kind) {
    case RuleKind::Fail: return u"fail"_s;
    case RuleKind::Ok: return u"ok"_s;
    case RuleKind::Backoff: return u"backoff"_s;
    case RuleKind::Retry: return u"retry"_s;
    case RuleKind::Start: return u"start"_s;
    case RuleKind::Abandon: return u"abandon"_s;
    case RuleKind::Context: return u"context"_s;
    case RuleKind::Cause: return u"cause"_s;
    case RuleKind::Exclude: return u"exclude"_s;
    }
    return u"?"_s;
}

QString describe(const Rule *rule)
{
    if (!rule)
        return u"(none)"_s;
    const QString category = categoryId(rule->category);
    return rule->id + u" ["_s + kindName(rule->kind) + (category.isEmpty() ? QString() : u" "_s + category) +
           u']';
}

QString describe(const QList<const Rule *> &rules)
{
    QStringList names;
    for (const Rule *rule : rules)
        names.append(describe(rule));
    return names.join(u", "_s);
}

// Longer digests and repository names than the examples have: the prefilter must not lose a line
// because an image reference is long (Vectorscan 5.4.9 misses "X[^X]+X" past about 70 bytes).
QString stretched(QString line)
{
    static const QRegularExpression hex(u"([0-9a-f]{32,})"_s);
    line.replace(hex, u"\\1\\1\\1"_s);
    line.replace(u"docker.io/library/"_s, u"docker.io/library/"_s + QString(100, u'x') + u'-');
    return line;
}

// Lines from test and build logs that use the words of a failure category outside an image pull.
const char *const NearMisses[] = {
    "    client_test.go:17: dial tcp 127.0.0.1:8080: connect: connection refused",
    "FAIL: TestDial (0.01s) dial tcp 127.0.0.1:8080: connect: connection refused",
    "npm ERR! 404 Not Found - GET https://registry.npmjs.org/x",
    "curl: (6) Could not resolve host: example.com",
    "fatal: unable to access 'https://github.com/org/repo.git/': Could not resolve host: github.com",
    "E       TimeoutError: timed out",
    "FAILED tests/test_api.py::test_fetch - TimeoutError: [Errno 110] Connection timed out",
    "Error: Process completed with exit code 1.",
    "ERROR: failed to solve: process \"/bin/sh -c npm ci\" did not complete successfully: exit code: 1",
    "Error response from daemon: No such container: web",
    "panic: dial tcp: lookup postgres on 127.0.0.11:53: no such host",
    "--- FAIL: TestFetch (30.00s): client_test.go:42: context deadline exceeded",
    "context deadline exceeded",
    "unexpected EOF",
    "read tcp 10.1.0.4:51234->10.1.0.5:5432: read: connection reset by peer",
    "Get \"https://api.github.com/repos/x/y\": net/http: TLS handshake timeout",
    "Get \"https://api.example.com/health\": x509: certificate signed by unknown authority",
    "urllib.error.HTTPError: HTTP Error 429: Too Many Requests",
    "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.com/v1/items",
    "go: writing go.sum: write /home/runner/go/pkg/mod/cache/download/x.zip: no space left on device",
    "fatal: Authentication failed for 'https://gitlab.com/group/project.git/'",
    "Error: The operation was canceled.",
    "Back-off restarting failed container app in pod web-0_default(1234)",
    "git pull origin main",
    "Successfully tagged myapp:latest",
    "fatal: repository 'https://github.com/org/missing.git/' not found",
    "sha256sum: WARNING: 1 computed checksum did NOT match",
};

} // namespace

class TestRules : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void rule_data();
    void rule();
    void matchExample_data();
    void matchExample();
    void nomatchExample_data();
    void nomatchExample();
    void stretchedExample_data();
    void stretchedExample();
    void nearMiss_data();
    void nearMiss();

    void everyCategoryHasItsVocabulary();
    void wrapperStatusIsNotTheCause_data();
    void wrapperStatusIsNotTheCause();
    void candidatesFindEveryExample();
    void prefilterPattern_data();
    void prefilterPattern();
    void prefilterFindsWhatTheRuleMatches_data();
    void prefilterFindsWhatTheRuleMatches();

private:
    const Rule *ruleById(const QString &id) const;

    std::optional<LogClassifier> m_classifier;
};

void TestRules::initTestCase()
{
    Result<RuleSet> rules = RuleSet::builtin();
    QVERIFY2(rules.ok(), qPrintable(rules ? QString() : rules.error()));
    QVERIFY(!rules->rules().isEmpty());
    Result<LogClassifier> classifier = LogClassifier::create(*rules);
    QVERIFY2(classifier.ok(), qPrintable(classifier ? QString() : classifier.error()));
    m_classifier.emplace(std::move(*classifier));
}

const Rule *TestRules::ruleById(const QString &id) const
{
    for (const Rule &rule : m_classifier->rules().rules()) {
        if (rule.id == id)
            return &rule;
    }
    return nullptr;
}

void TestRules::rule_data()
{
    QTest::addColumn<QString>("id");
    Result<RuleSet> rules = RuleSet::builtin();
    QVERIFY2(rules.ok(), qPrintable(rules ? QString() : rules.error()));
    for (const Rule &rule : rules->rules())
        QTest::newRow(qPrintable(rule.id)) << rule.id;
}

void TestRules::rule()
{
    QFETCH(QString, id);
    const Rule *rule = ruleById(id);
    QVERIFY(rule);
    QVERIFY2(rule->id.startsWith(rule->family + u'.'), qPrintable(rule->id));
    QVERIFY2(QRegularExpression(u"^[a-z0-9-]+\\.[a-z0-9-]+$"_s).match(rule->id).hasMatch(), qPrintable(rule->id));
    QVERIFY2(!rule->matchExamples.isEmpty(), "a rule needs at least one match example");
    QVERIFY2(!rule->nomatchExamples.isEmpty(), "a rule needs at least one nomatch example");
    QVERIFY(rule->regex.isValid());
    switch (rule->kind) {
    case RuleKind::Fail:
    case RuleKind::Cause:
    case RuleKind::Abandon:
        QVERIFY(rule->category != Category::None && rule->category != Category::Backoff);
        break;
    case RuleKind::Backoff:
        QCOMPARE(categoryId(rule->category), u"backoff"_s);
        break;
    default:
        QCOMPARE(categoryId(rule->category), QString());
    }
    // The regex subset of README.md, and no single-character negated class: Vectorscan 5.4.9
    // silently misses "X[^X]+X" once the run is longer than about 70 bytes (use [^"\s] etc.).
    static const QRegularExpression forbidden(
        uR"(\(\?[=!]|\(\?<[=!]|\(\?>|\\[1-9]|\\k<|[*+?}]\+|\[\^(?:\\.|[^\\\]])\])"_s);
    const QRegularExpressionMatch bad = forbidden.match(rule->pattern);
    QVERIFY2(!bad.hasMatch(), qPrintable(u"unsupported construct \""_s + bad.captured() + u'"'));
}

void TestRules::matchExample_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("line");
    Result<RuleSet> rules = RuleSet::builtin();
    QVERIFY2(rules.ok(), qPrintable(rules ? QString() : rules.error()));
    for (const Rule &rule : rules->rules()) {
        for (qsizetype i = 0; i < rule.matchExamples.size(); ++i)
            QTest::addRow("%s/match%lld", qPrintable(rule.id), qlonglong(i + 1)) << rule.id << rule.matchExamples[i];
    }
}

void TestRules::matchExample()
{
    QFETCH(QString, id);
    QFETCH(QString, line);
    const Rule *rule = ruleById(id);
    QVERIFY(rule);
    QVERIFY2(rule->regex.match(line).hasMatch(), "the rule's own pattern does not match");
    const QList<const Rule *> all = m_classifier->matchingRules(line);
    QVERIFY2(all.contains(rule), qPrintable(u"Vectorscan did not propose the rule; matching: "_s + describe(all)));
    const std::optional<LineMatch> match = m_classifier->classifyLine(line);
    if (rule->kind == RuleKind::Exclude) {
        QVERIFY2(!match, qPrintable(u"decided by "_s + describe(match ? match->rule : nullptr)));
        return;
    }
    QVERIFY(match);
    if (rule->kind == RuleKind::Context) {
        // A context's example is a pull failure that the context (or a stronger one) frames.
        QVERIFY2(match->kind == RuleKind::Fail && match->context,
                 qPrintable(u"decided by "_s + describe(match->rule) + u"; matching: "_s + describe(all)));
        return;
    }
    if (rule->kind == RuleKind::Retry && match->kind == RuleKind::Fail) {
        // "Failed, retrying … Error: <cause>": the failure it reports, and the retry.
        QVERIFY(match->retry);
        return;
    }
    QVERIFY2(match->rule == rule, qPrintable(u"won by "_s + describe(match->rule) + u"; matching: "_s + describe(all)));
    if (rule->kind == RuleKind::Cause)
        return; // causes of one category may overlap ("i/o timeout" within "dial tcp … i/o timeout")
    // Precedence never falls back on the order of the files: no other rule of the same rank matches.
    for (const Rule *other : all)
        QVERIFY2(other == rule || other->rank() != rule->rank() || other->kind == RuleKind::Context ||
                     other->kind == RuleKind::Cause,
                 qPrintable(u"tie with "_s + describe(other)));
}

void TestRules::nomatchExample_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("line");
    Result<RuleSet> rules = RuleSet::builtin();
    QVERIFY2(rules.ok(), qPrintable(rules ? QString() : rules.error()));
    for (const Rule &rule : rules->rules()) {
        for (qsizetype i = 0; i < rule.nomatchExamples.size(); ++i)
            QTest::addRow("%s/nomatch%lld", qPrintable(rule.id), qlonglong(i + 1)) << rule.id << rule.nomatchExamples[i];
    }
}

void TestRules::nomatchExample()
{
    QFETCH(QString, id);
    QFETCH(QString, line);
    const Rule *rule = ruleById(id);
    QVERIFY(rule);
    QVERIFY(!rule->regex.match(line).hasMatch());
    QVERIFY(!m_classifier->matchingRules(line).contains(rule));
}

void TestRules::stretchedExample_data()
{
    matchExample_data();
}

void TestRules::stretchedExample()
{
    QFETCH(QString, id);
    QFETCH(QString, line);
    const QString longer = stretched(line);
    if (longer == line)
        QSKIP("nothing to stretch");
    const std::optional<LineMatch> match = m_classifier->classifyLine(longer);
    if (ruleById(id)->kind == RuleKind::Exclude) {
        QVERIFY(!match);
        return;
    }
    QVERIFY2(match, qPrintable(u"no rule matches "_s + longer));
    if (ruleById(id)->kind == RuleKind::Context)
        QVERIFY(match->context);
    else
        QCOMPARE(match->rule->id, id);
}

void TestRules::nearMiss_data()
{
    QTest::addColumn<QString>("line");
    for (const char *line : NearMisses)
        QTest::newRow(line) << QString::fromUtf8(line);
}

void TestRules::nearMiss()
{
    QFETCH(QString, line);
    // A cause phrase or a wrapper that frames more than pulls may match, but together they make
    // no pull event: a cause outside any pull context counts only inside a pull in progress.
    const QList<const Rule *> all = m_classifier->matchingRules(line);
    const std::optional<LineMatch> match = m_classifier->classifyLine(line);
    QVERIFY2(!match || match->kind == RuleKind::Cause, qPrintable(u"matched by "_s + describe(all)));
}

void TestRules::wrapperStatusIsNotTheCause_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("category");
    QTest::addColumn<int>("status");
    // docker-py (Ansible, Home Assistant, compose v1) prints the Engine API's status first; the
    // registry's cause is the message inside.
    QTest::newRow("docker-py, dns inside")
        << u"Can't install ghcr.io/home-assistant/amd64-hassio-supervisor:2022.08.5: 500 Server Error for http+docker://localhost/v1.41/images/create?tag=2022.08.5&fromImage=ghcr.io%2Fhome-assistant%2Famd64-hassio-supervisor: Internal Server Error (\"Get \"https://ghcr.io/v2/\": dial tcp: lookup ghcr.io on 127.0.0.11:53: no such host\")"_s
        << u"dns"_s << 0;
    QTest::newRow("compose v1, timeout inside")
        << u"ERROR: for web  500 Server Error: Internal Server Error (\"Get https://registry-1.docker.io/v2/: net/http: TLS handshake timeout\")"_s
        << u"timeout"_s << 0;
    QTest::newRow("the registry's own 503 inside")
        << u"500 Server Error for http+docker://localhost/v1.41/images/create?fromImage=quay.io%2Facme%2Fapi&tag=1: Internal Server Error (\"received unexpected HTTP status: 503 Service Unavailable\")"_s
        << u"server_error"_s << 503;
}

void TestRules::wrapperStatusIsNotTheCause()
{
    QFETCH(QString, line);
    QFETCH(QString, category);
    QFETCH(int, status);
    const std::optional<LineMatch> match = m_classifier->classifyLine(line);
    QVERIFY(match);
    QCOMPARE(categoryId(match->category), category);
    QCOMPARE(match->status, status);
}

void TestRules::everyCategoryHasItsVocabulary()
{
    // DESIGN.md: causes are one vocabulary whatever the wrapper, wrappers are contexts, and no
    // built-in rule pairs a wrapper with a cause by hand (fail rules are the user's).
    QSet<Category> causes;
    QSet<RuleKind> kinds;
    for (const Rule &rule : m_classifier->rules().rules()) {
        kinds.insert(rule.kind);
        QVERIFY2(rule.kind != RuleKind::Fail, qPrintable(rule.id));
        if (rule.kind == RuleKind::Cause)
            causes.insert(rule.category);
    }
    for (const Category category : FailureCategories) {
        if (category != Category::Backoff && category != Category::Unknown)
            QVERIFY2(causes.contains(category), qPrintable(categoryId(category)));
    }
    for (const RuleKind kind : {RuleKind::Context, RuleKind::Cause, RuleKind::Ok, RuleKind::Backoff,
                                RuleKind::Retry, RuleKind::Start, RuleKind::Exclude})
        QVERIFY2(kinds.contains(kind), qPrintable(kindName(kind)));
}

void TestRules::candidatesFindEveryExample()
{
    // All match examples as one log: the one-pass prefilter must report every one of their lines.
    QByteArray text;
    QList<qsizetype> expected;
    for (const Rule &rule : m_classifier->rules().rules()) {
        for (const QString &line : rule.matchExamples) {
            text += line.toUtf8();
            expected.append(text.size());
            text += '\n';
            text += "unrelated build output between the examples\n";
        }
    }
    LogClassifier::Scanner scanner(*m_classifier);
    QList<qsizetype> found;
    scanner.candidates(text, found);
    const QSet<qsizetype> reported(found.cbegin(), found.cend());
    for (const qsizetype end : expected) {
        const qsizetype start = text.lastIndexOf('\n', end - 1) + 1;
        QVERIFY2(reported.contains(end), text.mid(start, end - start).constData());
    }
}

void TestRules::prefilterPattern_data()
{
    // What Vectorscan looks for: from the first literal every match holds to the last one that
    // is not followed by only classes, captures of classes and optional parts.
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QByteArray>("prefilter");
    QTest::newRow("docker.pulling-from") << u"^\\s*\\S+: Pulling from [a-z0-9][a-z0-9._/:-]*\\s*$"_s
                                         << QByteArray(": Pulling from ");
    QTest::newRow("docker.downloaded-newer")
        << u"^\\s*Status: Downloaded newer image for (?<image>\\S+)"_s
        << QByteArray("Status: Downloaded newer image for ");
    QTest::newRow("containerd.ctr-resolving")
        << uR"(^\s*(?<image>[a-z0-9][^\s:]*(?::\d+)?/[^\s:]+(?::[\w][\w.-]*)?(?:@sha256:[0-9a-f]+)?):\s+resolv(?:ing|ed)\s+\|)"_s
        << QByteArray(R"(:\s+resolv(?:ing|ed)\s+\|)");
    QTest::newRow("docker.command")
        << uR"(^\s*(?:\$ |\+ |Run )?(?:sudo )?docker (?:image )?pull (?:(?:-q|--quiet) )*(?<image>[a-z0-9][^\s;|&]*)\s*(?:$|;|&&|\|\|))"_s
        << QByteArray("docker (?:image )?pull ");
    QTest::newRow("causes stay")
        << u"^\\s*(?:docker: )?Error response from daemon: .*?(?:manifest unknown|name unknown)"_s
        << QByteArray("Error response from daemon: .*?(?:manifest unknown|name unknown)");
    QTest::newRow("no literal") << uR"(\s*(?:unauthorized: denied|denied: no)\s*$)"_s
                                << QByteArray("(?:unauthorized: denied|denied: no)");
    QTest::newRow("classes only") << uR"(\d+\s+\w+)"_s << QByteArray(R"(\d+\s+\w+)");
    QTest::newRow("alternation at the top") << u"^manifest unknown$|pull access denied"_s
                                            << QByteArray("manifest unknown|pull access denied");
    QTest::newRow("word boundaries")
        << uR"(^\s*\bpull\b denied)"_s << QByteArray(R"(\s*\bpull\b denied)");
    QTest::newRow("inline option") << u"(?i)^pull failed"_s << QByteArray("(?i)pull failed");
    QTest::newRow("literal brace")
        << u"{{.Image}} not pulled"_s << QByteArray("{{.Image}} not pulled");
}

void TestRules::prefilterPattern()
{
    QFETCH(QString, pattern);
    QFETCH(QByteArray, prefilter);
    QCOMPARE(prefilter::pattern(pattern), prefilter);
}

void TestRules::prefilterFindsWhatTheRuleMatches_data()
{
    // Vectorscan looks for a pattern from the first literal every match holds; whatever the
    // pattern's shape, a line the rule matches must still be found, in a job log as it is.
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<bool>("caseless");
    QTest::addColumn<QString>("line");
    QTest::newRow("optional wrapper, anchors")
        << u"^\\s*(?:docker: )?Error response from daemon: (?<image>\\S+) is gone$"_s << false
        << u"docker: Error response from daemon: busybox:1.36 is gone"_s;
    QTest::newRow("capture first")
        << u"^\\s*(?<image>[a-z0-9][^\\s:]*/[^\\s:]+(?::[\\w.-]+)?):\\s+resolving\\s+\\|"_s << false
        << u"docker.io/library/redis:7.2: resolving      |--------------------------------------|"_s;
    QTest::newRow("group first") << u"(?:quota|limit) exceeded for (?<image>\\S+)"_s << false
                                 << u"registry quota exceeded for nginx:1.25"_s;
    QTest::newRow("alternation at the top") << u"^manifest unknown$|pull access denied"_s << false
                                            << u"Error: pull access denied for acme/tools"_s;
    QTest::newRow("class first") << u"\\d+ layers? failed to (?:download|extract)"_s << false
                                 << u"3 layers failed to download"_s;
    QTest::newRow("only optional before a class")
        << u"(?:ERROR: )?(?:pull )?[a-z]+ image rejected"_s << false
        << u"ERROR: pull nginx image rejected"_s;
    QTest::newRow("counted repeats") << u"^\\s*[0-9a-f]{12}: Retrying in \\d{1,3} seconds?$"_s
                                     << false << u"a3ed95caeb02: Retrying in 5 seconds"_s;
    QTest::newRow("escaped literal first") << u"\\s*\\[\\d+/\\d+\\] pulling (?<image>\\S+)"_s
                                           << false << u"  [2/5] pulling alpine:3.20"_s;
    QTest::newRow("word boundaries")
        << u"\\bpull\\b.*\\bdenied\\b"_s << false << u"image pull was denied"_s;
    QTest::newRow("caseless") << u"^(?:error: )?PULL FAILED for (?<image>\\S+)"_s << true
                              << u"Error: pull failed for nginx"_s;
}

void TestRules::prefilterFindsWhatTheRuleMatches()
{
    QFETCH(QString, pattern);
    QFETCH(bool, caseless);
    QFETCH(QString, line);
    const QJsonObject rule{{u"id"_s, u"user.rule"_s},
                           {u"category"_s, u"unknown"_s},
                           {u"pattern"_s, pattern},
                           {u"caseless"_s, caseless}};
    const QJsonObject file{{u"family"_s, u"user"_s}, {u"rules"_s, QJsonArray{rule}}};
    Result<RuleSet> rules = RuleSet::fromJson(QJsonDocument(file).toJson(), u"user.json"_s);
    QVERIFY2(rules.ok(), qPrintable(rules ? QString() : rules.error()));
    QVERIFY(rules->rules().front().regex.match(line).hasMatch()); // the example is right
    Result<LogClassifier> classifier = LogClassifier::create(*rules);
    QVERIFY2(classifier.ok(), qPrintable(classifier ? QString() : classifier.error()));
    QVERIFY(classifier->classifyLine(line));

    // Timestamped as GitHub writes it, and coloured as a terminal shows it.
    const QByteArray text = line.toUtf8();
    for (const QByteArray &written : {QByteArray("2025-05-18T08:42:16.1234567Z " + text),
                                      QByteArray("\x1b[31m" + text + "\x1b[0m\r")}) {
        const QByteArray log = "2025-05-18T08:42:15.1234567Z compiling\n" + written +
                               "\n2025-05-18T08:42:17.1234567Z done\n";
        QList<qint64> found;
        LogScan(*classifier).scanBytes(log, [&](const LogLineMatch &match) {
            found.append(match.line);
        });
        QCOMPARE(found, QList<qint64>{2});
    }
}

QTEST_GUILESS_MAIN(TestRules)
#include "tst_rules.moc"
