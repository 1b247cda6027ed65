#include "ci/LogClassifierPatterns.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pw::prefilter {

namespace {
// Anchors come off outside classes: the prefilter then matches a superset, and the rule's own
// regex applies them to the readable line.
QByteArray withoutAnchors(const QString &pattern)
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

// Whether the pattern keeps to literals, classes, \d \s \w and the like, (...), (?:...),
// (?<name>...) and greedy or lazy quantifiers: the syntax pattern() takes apart.
bool plainSyntax(QByteArrayView pattern)
{
    bool inClass = false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QByteArrayView rest = pattern.sliced(i);
        if (rest.front() == '\\') {
            if (rest.size() < 2)
                return false;
            if (std::isalnum(static_cast<unsigned char>(rest[1])) &&
                !QByteArrayView("dDsSwWnrtf").contains(rest[1]))
                return false; // back-references, \x.., \b, \A, \Q, \p{..}: left as they are
            ++i;
        } else if (inClass) {
            inClass = rest.front() != ']';
        } else if (rest.front() == '[') {
            inClass = true;
            i += rest.startsWith("[^]") ? 2 : rest.startsWith("[]") ? 1 : 0;
            if (rest.startsWith("[[:") || rest.startsWith("[^[:"))
                return false;
        } else if (rest.startsWith("(?") && !rest.startsWith("(?:") && !rest.startsWith("(?P<") &&
                   !(rest.startsWith("(?<") && rest.size() > 3 &&
                     (std::isalpha(static_cast<unsigned char>(rest[3])) || rest[3] == '_'))) {
            return false; // look-arounds, atomic groups, inline options
        } else if (QByteArrayView("*+?}").contains(rest.front()) && rest.size() > 1 &&
                   rest[1] == '+') {
            return false; // possessive
        }
    }
    return !inClass;
}

// The end of the top-level atom at i (a character, an escape, a class or a group), or -1 for a
// top-level alternation or a quantifier without an atom. literal: one character matched as it is.
qsizetype atomEnd(QByteArrayView pattern, qsizetype i, bool *literal)
{
    *literal = false;
    const char c = pattern[i];
    if (c == '\\') {
        *literal = !std::isalnum(static_cast<unsigned char>(pattern[i + 1])) ||
                   QByteArrayView("nrtf").contains(pattern[i + 1]);
        return i + 2;
    }
    if (c == '[') {
        qsizetype j = i + 1;
        if (j < pattern.size() && pattern[j] == '^')
            ++j;
        if (j < pattern.size() && pattern[j] == ']')
            ++j;
        while (j < pattern.size() && pattern[j] != ']')
            j += pattern[j] == '\\' ? 2 : 1;
        return j < pattern.size() ? j + 1 : -1;
    }
    if (c == '(') {
        int depth = 0;
        for (qsizetype j = i; j < pattern.size();) {
            if (pattern[j] == '\\' || pattern[j] == '[') {
                bool ignored = false;
                j = atomEnd(pattern, j, &ignored);
                if (j < 0)
                    return -1;
                continue;
            }
            if (pattern[j] == '(')
                ++depth;
            else if (pattern[j] == ')' && --depth == 0)
                return j + 1;
            ++j;
        }
        return -1;
    }
    if (QByteArrayView("|)*+?{").contains(c))
        return -1;
    *literal = c != '.';
    return i + 1;
}

// The end of the quantifier at i (i when there is none); required: the atom before it must occur.
qsizetype quantifierEnd(QByteArrayView pattern, qsizetype i, bool *required)
{
    *required = true;
    if (i >= pattern.size())
        return i;
    if (pattern[i] == '?' || pattern[i] == '*') {
        *required = false;
        ++i;
    } else if (pattern[i] == '+') {
        ++i;
    } else if (pattern[i] == '{') { // {n}, {n,} or {n,m}
        const qsizetype close = pattern.indexOf('}', i);
        if (close < 0)
            return -1;
        const QByteArrayView bounds = pattern.sliced(i + 1, close - i - 1);
        const qsizetype comma = bounds.indexOf(',');
        const QByteArrayView minimum = comma < 0 ? bounds : bounds.first(comma);
        const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
        if (minimum.isEmpty() || !std::all_of(minimum.begin(), minimum.end(), isDigit) ||
            !std::all_of(bounds.begin() + minimum.size() + (comma < 0 ? 0 : 1), bounds.end(),
                         isDigit))
            return -1; // a literal brace: left as it is
        *required = std::any_of(minimum.begin(), minimum.end(), [](char c) { return c != '0'; });
        i = close + 1;
    } else {
        return i;
    }
    return i < pattern.size() && pattern[i] == '?' ? i + 1 : i; // lazy
}

// One element of a pattern's top-level sequence: an atom and its quantifier.
struct Element
{
    qsizetype begin = 0;
    qsizetype atomEnd = 0;
    qsizetype end = 0;
    bool literal = false;  // one character matched as it is
    bool required = false; // every match holds it
};

// The top-level elements of a plain pattern; empty when it has an alternation at the top (each
// branch would need its own cut).
std::vector<Element> topLevel(QByteArrayView pattern)
{
    std::vector<Element> elements;
    for (qsizetype i = 0; i < pattern.size();) {
        Element element{i};
        element.atomEnd = atomEnd(pattern, i, &element.literal);
        element.end =
            element.atomEnd < 0 ? -1 : quantifierEnd(pattern, element.atomEnd, &element.required);
        if (element.end < 0)
            return {};
        elements.push_back(element);
        i = element.end;
    }
    return elements;
}

// A group's body, without the parentheses and the "?:" or "?<name>" after the first.
QByteArrayView groupBody(QByteArrayView group)
{
    const QByteArrayView body = group.sliced(1, group.size() - 2);
    if (body.startsWith("?:"))
        return body.sliced(2);
    if (body.startsWith("?<") || body.startsWith("?P<"))
        return body.sliced(body.indexOf('>') + 1);
    return body;
}

// Whether a group's body holds a literal character (say, the causes a failure rule lists).
bool holdsLiteral(QByteArrayView body)
{
    for (qsizetype i = 0; i < body.size();) {
        const char c = body[i];
        if (c == '\\' || c == '[') {
            bool literal = false;
            i = atomEnd(body, i, &literal);
            if (literal || i < 0)
                return true;
        } else if (c == '(') {
            const QByteArrayView rest = body.sliced(i);
            const bool named = rest.startsWith("(?<") || rest.startsWith("(?P<");
            const qsizetype name = named ? rest.indexOf('>') : 0;
            if (name < 0)
                return true;
            i += rest.startsWith("(?:") ? 3 : name + 1;
        } else if (c == '{') { // a counted repeat
            const qsizetype close = body.indexOf('}', i);
            if (close < 0)
                return true;
            i = close + 1;
        } else if (QByteArrayView(")|*+?.").contains(c)) {
            ++i;
        } else {
            return true;
        }
    }
    return false;
}

// Whether a group's body has an empty branch, as (?:$|;) has once the anchor is off.
bool hasEmptyBranch(QByteArrayView body)
{
    int depth = 0;
    bool empty = true; // nothing yet in the current top-level branch
    for (qsizetype i = 0; i < body.size();) {
        const char c = body[i];
        if (c == '|' && depth == 0) {
            if (empty)
                return true;
            ++i;
            continue;
        }
        empty = false;
        if (c == '\\' || c == '[') {
            bool literal = false;
            i = atomEnd(body, i, &literal);
            if (i < 0)
                return false;
            continue;
        }
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        ++i;
    }
    return empty;
}

// Whether an element at the end of a pattern can go without making it less selective: optional,
// a class or \S-like atom, or a group that may match nothing or holds no literal.
bool wideEnd(QByteArrayView pattern, const Element &element)
{
    if (!element.required)
        return true;
    if (element.literal)
        return false;
    if (pattern[element.begin] != '(')
        return true;
    const QByteArrayView body =
        groupBody(pattern.sliced(element.begin, element.atomEnd - element.begin));
    return hasEmptyBranch(body) || !holdsLiteral(body);
}
} // namespace

QByteArray pattern(const QString &rulePattern)
{
    const QByteArray pattern = withoutAnchors(rulePattern);
    if (!plainSyntax(pattern))
        return pattern;
    const std::vector<Element> elements = topLevel(pattern);
    // From the first literal every match holds, else without the leading optional elements.
    const auto literal = std::find_if(elements.cbegin(), elements.cend(),
                                      [](const Element &e) { return e.literal && e.required; });
    size_t first = size_t(literal - elements.cbegin());
    if (literal == elements.cend()) {
        first = 0;
        while (first < elements.size() && !elements[first].required)
            ++first;
    }
    if (first >= elements.size())
        return pattern;
    // Up to the last element that is not wide; a pattern of wide ones only keeps them all.
    size_t end = elements.size();
    while (end > first + 1 && wideEnd(pattern, elements[end - 1]))
        --end;
    if (end == first + 1 && wideEnd(pattern, elements[first]))
        end = elements.size();
    return pattern.sliced(elements[first].begin, elements[end - 1].end - elements[first].begin);
}

bool matchesOnlyItsBytes(QByteArrayView pattern)
{
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QByteArrayView rest = pattern.sliced(i);
        if (rest.startsWith('\\') && rest.size() > 1) {
            if (QByteArrayView("bBAzZG").contains(rest[1]))
                return false;
            ++i;
        } else if (rest.startsWith("(?=") || rest.startsWith("(?!") || rest.startsWith("(?<=") ||
                   rest.startsWith("(?<!")) {
            return false;
        }
    }
    return true;
}
} // namespace pw::prefilter
