#include "ImageReference.h"

using namespace Qt::StringLiterals;

namespace pw {

namespace {

constexpr qsizetype MaxNameLength = 255; // RepositoryNameTotalLengthMax, of the path
constexpr qsizetype MaxTagLength = 128;
constexpr qsizetype ImageIdLength = 64;

constexpr QStringView DockerHub = u"docker.io";
constexpr QStringView LegacyDockerHub = u"index.docker.io";
constexpr QStringView Localhost = u"localhost";
constexpr QStringView OfficialPrefix = u"library/";
constexpr QStringView DefaultTag = u"latest";
constexpr QStringView Nixery = u"nixery.dev";

bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

bool isLowerAlnum(char16_t c)
{
    return isDigit(c) || (c >= u'a' && c <= u'z');
}

bool isUpper(char16_t c)
{
    return c >= u'A' && c <= u'Z';
}

bool isAlpha(char16_t c)
{
    return isUpper(c) || (c >= u'a' && c <= u'z');
}

bool isAlnum(char16_t c)
{
    return isDigit(c) || isAlpha(c);
}

bool isLowerHex(char16_t c)
{
    return isDigit(c) || (c >= u'a' && c <= u'f');
}

bool isHex(char16_t c)
{
    return isLowerHex(c) || (c >= u'A' && c <= u'F');
}

// \w in Go's RE2: ASCII letters, digits and '_'.
bool isWord(char16_t c)
{
    return isAlnum(c) || c == u'_';
}

template<class Predicate> bool all(QStringView text, Predicate predicate)
{
    for (const QChar c : text) {
        if (!predicate(c.unicode()))
            return false;
    }
    return true;
}

// A 64-hex string alone is an image ID; Docker refuses to read it as a name.
bool isImageId(QStringView text)
{
    return text.size() == ImageIdLength && all(text, isLowerHex);
}

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool isPathComponent(QStringView text)
{
    const qsizetype n = text.size();
    qsizetype i = 0;
    const auto alnumRun = [&] {
        const qsizetype start = i;
        while (i < n && isLowerAlnum(text[i].unicode()))
            ++i;
        return i > start;
    };
    if (!alnumRun())
        return false;
    while (i < n) {
        const char16_t c = text[i].unicode();
        if (c == u'.') {
            ++i;
        } else if (c == u'_') {
            ++i;
            if (i < n && text[i] == u'_')
                ++i;
        } else if (c == u'-') {
            while (i < n && text[i] == u'-')
                ++i;
        } else {
            return false;
        }
        if (!alnumRun())
            return false;
    }
    return true;
}

// Docker's rule: a name's first segment is a registry only if it looks like a host name.
// As today's distribution/reference (what docker, containerd and podman use) splits a name: a
// first component with a '.', a ':' or an uppercase letter, or "localhost", is the registry.
bool readsAsRegistry(QStringView firstSegment)
{
    return firstSegment == Localhost || firstSegment.contains(u'.') ||
           firstSegment.contains(u':') || std::any_of(firstSegment.begin(), firstSegment.end(),
                                                      [](QChar c) { return isUpper(c.unicode()); });
}

bool isPort(QStringView text)
{
    return !text.isEmpty() && all(text, isDigit);
}

// [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool isDomainComponent(QStringView text)
{
    return !text.isEmpty() && isAlnum(text.front().unicode()) && isAlnum(text.back().unicode()) &&
           all(text, [](char16_t c) { return isAlnum(c) || c == u'-'; });
}

// host[:port], host being a domain name, an IPv4 address or an IPv6 address in brackets
// (hex digits and colons only: no zone, no embedded IPv4, as in the current grammar).
bool isRegistry(QStringView text)
{
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 2)
            return false;
        if (!all(text.sliced(1, close - 1), [](char16_t c) { return isHex(c) || c == u':'; }))
            return false;
        const QStringView rest = text.sliced(close + 1);
        return rest.isEmpty() || (rest.front() == u':' && isPort(rest.sliced(1)));
    }
    QStringView host = text;
    if (const qsizetype colon = text.indexOf(u':'); colon >= 0) {
        if (!isPort(text.sliced(colon + 1)))
            return false;
        host = text.first(colon);
    }
    qsizetype start = 0;
    while (true) {
        const qsizetype dot = host.indexOf(u'.', start);
        const QStringView component =
            dot < 0 ? host.sliced(start) : host.sliced(start, dot - start);
        if (!isDomainComponent(component))
            return false;
        if (dot < 0)
            return true;
        start = dot + 1;
    }
}

// [\w][\w.-]{0,127}; the length is checked by the caller for a better message.
bool isTag(QStringView text)
{
    return !text.isEmpty() && isWord(text.front().unicode()) &&
           all(text, [](char16_t c) { return isWord(c) || c == u'.' || c == u'-'; });
}

// [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*
bool isDigestAlgorithm(QStringView text)
{
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (true) {
        if (i >= n || !isAlpha(text[i].unicode()))
            return false;
        while (i < n && isAlnum(text[i].unicode()))
            ++i;
        if (i == n)
            return true;
        const char16_t c = text[i].unicode();
        if (c != u'-' && c != u'_' && c != u'+' && c != u'.')
            return false;
        ++i;
    }
}

// The hex length of the algorithms go-digest registers; their encoding is lowercase.
qsizetype knownDigestLength(QStringView algorithm, Qt::CaseSensitivity cs = Qt::CaseSensitive)
{
    struct Known
    {
        QStringView name;
        qsizetype length;
    };
    static constexpr Known known[] = {{u"sha256", 64}, {u"sha384", 96}, {u"sha512", 128}};
    for (const Known &k : known) {
        if (algorithm.compare(k.name, cs) == 0)
            return k.length;
    }
    return 0;
}

// Empty when the digest is well-formed, else what is wrong with it.
QString digestProblem(QStringView digest)
{
    const qsizetype colon = digest.indexOf(u':');
    if (colon < 0)
        return u"digest \""_s + digest + u"\" has no ':' between algorithm and hex"_s;
    const QStringView algorithm = digest.first(colon);
    const QStringView hex = digest.sliced(colon + 1);
    if (!isDigestAlgorithm(algorithm)) {
        return u"digest algorithm \""_s + algorithm +
               u"\" is invalid (letter-led words joined by '-', '_', '+' or '.')"_s;
    }
    // go-digest knows its algorithms only by their lowercase names.
    if (knownDigestLength(algorithm) == 0 &&
        knownDigestLength(algorithm, Qt::CaseInsensitive) > 0) {
        return u"digest algorithm \""_s + algorithm + u"\" must be written \""_s +
               algorithm.toString().toLower() + u"\""_s;
    }
    // go-digest refuses an algorithm it has not registered (ErrDigestUnsupported).
    const qsizetype length = knownDigestLength(algorithm);
    if (length == 0) {
        return u"digest algorithm \""_s + algorithm +
               u"\" is not supported (sha256, sha384 or sha512)"_s;
    }
    if (hex.size() != length || !all(hex, isLowerHex))
        return algorithm + u" digest must be "_s + QString::number(length) +
               u" lowercase hex digits"_s;
    return {};
}

// The input in double quotes, escaped so that the message stays on one line.
QString quoted(QStringView text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += u'"';
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\') {
            out += u'\\';
            out += c;
        } else if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
            out += u"\\u"_s + QString::number(c.unicode(), 16).rightJustified(4, u'0');
        } else {
            out += c;
        }
    }
    out += u'"';
    return out;
}

} // namespace

NixeryPath nixeryPath(QStringView repository)
{
    NixeryPath path;
    bool leading = true; // nixery's builder only treats the leading segments as meta-packages
    for (const QStringView segment : repository.tokenize(u'/')) {
        if (leading && segment == u"shell")
            path.shell = true;
        else if (leading && segment == u"arm64")
            path.arm64 = true;
        else {
            leading = false;
            path.packages.append(segment.toString());
        }
    }
    return path;
}

QString ImageReference::canonical() const
{
    QString out = registry + u'/' + repository;
    if (!tag.isEmpty())
        out += u':' + tag;
    if (!digest.isEmpty())
        out += u'@' + digest;
    return out;
}

QString ImageReference::familiar() const
{
    QString out;
    if (registry != DockerHub) {
        out = registry + u'/' + repository;
    } else {
        const QStringView path(repository);
        // Only single-segment official images drop "library/" (library/foo/bar keeps it).
        const QStringView rest =
            path.sliced(path.startsWith(OfficialPrefix) ? OfficialPrefix.size() : 0);
        if (rest.size() < path.size() && !rest.contains(u'/'))
            out = rest.toString();
        else if (path.contains(u'/') && readsAsRegistry(path.first(path.indexOf(u'/'))))
            out = DockerHub + u'/' + repository; // docker.io/a.b/c: without it, a.b is the registry
        else
            out = repository;
    }
    if (!tag.isEmpty() && (tag != DefaultTag || !digest.isEmpty()))
        out += u':' + tag;
    if (!digest.isEmpty())
        out += u'@' + digest;
    return out;
}

QStringList ImageReference::nixeryPackages() const
{
    return registry == Nixery ? nixeryPath(repository).packages : QStringList();
}

bool ImageReference::nixeryShell() const
{
    return registry == Nixery && nixeryPath(repository).shell;
}

bool ImageReference::nixeryArm64() const
{
    return registry == Nixery && nixeryPath(repository).arm64;
}

Result<ImageReference> ImageReference::parse(QStringView text)
{
    const auto fail = [text](const QString &what) {
        return Error{u"invalid reference "_s + quoted(text) + u": "_s + what};
    };
    if (text.isEmpty())
        return fail(u"reference is empty"_s);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isSpace())
            return fail(u"contains whitespace at position "_s + QString::number(i + 1));
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f) {
            return fail(u"contains a character that is not printable ASCII at position "_s +
                        QString::number(i + 1));
        }
    }
    if (isImageId(text))
        return fail(u"a 64-character hexadecimal string is an image ID, not a repository name"_s);

    // Neither name nor tag may contain '@', so the first one starts the digest.
    QStringView name = text;
    QStringView digest;
    if (const qsizetype at = text.indexOf(u'@'); at >= 0) {
        name = text.first(at);
        digest = text.sliced(at + 1);
        if (digest.isEmpty())
            return fail(u"digest after '@' is empty"_s);
    }

    // "foo:5000" has no '/', so it is docker.io/library/foo with tag 5000.
    QStringView registry = DockerHub;
    QStringView remainder = name;
    if (const qsizetype slash = name.indexOf(u'/'); slash >= 0) {
        const QStringView first = name.first(slash);
        if (readsAsRegistry(first)) {
            registry = first;
            remainder = name.sliced(slash + 1);
        }
    }
    if (registry == LegacyDockerHub)
        registry = DockerHub;

    // The path has no ':', so the first one after the registry starts the tag.
    QStringView path = remainder;
    QStringView tag;
    const qsizetype colon = remainder.indexOf(u':');
    if (colon >= 0) {
        path = remainder.first(colon);
        tag = remainder.sliced(colon + 1);
    }

    // Docker would read e.g. "my_host.lan/foo" as a registry-less path; a host cannot have
    // '_', so we refuse it rather than probe a reference without a registry.
    if (!isRegistry(registry))
        return fail(u"registry \""_s + registry + u"\" is not a valid host[:port]"_s);
    if (!all(path, [](char16_t c) { return !isUpper(c); }))
        return fail(u"repository name must be lowercase"_s);
    if (path.isEmpty())
        return fail(u"repository name is empty"_s);
    for (const QStringView component : path.tokenize(u'/')) {
        if (component.isEmpty())
            return fail(
                u"repository name has an empty path component (\"//\" or a trailing \"/\")"_s);
        if (!isPathComponent(component)) {
            return fail(u"path component \""_s + component +
                        u"\" is invalid (lowercase letters and digits, joined by one '.', "
                        u"one or two '_', or dashes)"_s);
        }
    }
    if (colon >= 0) {
        if (tag.isEmpty())
            return fail(u"tag after ':' is empty"_s);
        if (tag.size() > MaxTagLength) {
            return fail(u"tag is "_s + QString::number(tag.size()) +
                        u" characters long; at most 128 are allowed"_s);
        }
        if (!isTag(tag)) {
            return fail(u"tag \""_s + tag +
                        u"\" is invalid (letters, digits, '_', '.' and '-', not starting "
                        u"with '.' or '-')"_s);
        }
    }
    if (!digest.isEmpty()) {
        if (const QString problem = digestProblem(digest); !problem.isEmpty())
            return fail(problem);
    }

    ImageReference ref;
    ref.registry = registry.toString();
    // Docker Hub's official images live under library/; other registries have no such rule.
    ref.repository = registry == DockerHub && !path.contains(u'/')
                         ? OfficialPrefix + path.toString()
                         : path.toString();
    if (const qsizetype length = ref.repository.size(); length > MaxNameLength) {
        return fail(u"repository path is "_s + QString::number(length) +
                    u" characters long; at most 255 are allowed"_s);
    }
    ref.tag = colon >= 0 ? tag.toString() : digest.isEmpty() ? DefaultTag.toString() : QString();
    ref.digest = digest.toString();
    return ref;
}

} // namespace pw
