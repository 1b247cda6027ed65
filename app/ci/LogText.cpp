#include "ci/LogText.h"

#include <QDateTime>
#include <QRegularExpression>

#include <cctype>

using namespace Qt::StringLiterals;

namespace pw::logtext {

namespace {
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` at the start of text; returns its length or 0.
qsizetype timestampAt(QByteArrayView text, qint64 *ms)
{
    constexpr char Shape[] = "dddd-dd-ddTdd:dd:dd";
    if (text.size() < 20)
        return 0;
    for (int i = 0; i < 19; ++i) {
        if (Shape[i] == 'd' ? !isDigit(text[i]) : text[i] != Shape[i])
            return 0;
    }
    qsizetype end = 19;
    int millis = 0;
    if (text[end] == '.') {
        ++end;
        int digits = 0;
        while (end < text.size() && isDigit(text[end])) {
            if (digits < 3)
                millis = millis * 10 + (text[end] - '0');
            ++digits;
            ++end;
        }
        if (digits == 0)
            return 0;
        for (; digits < 3; ++digits)
            millis *= 10;
    }
    if (end >= text.size() || text[end] != 'Z')
        return 0;
    const auto number = [&](int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; ++i)
            value = value * 10 + (text[i] - '0');
        return value;
    };
    const QDate date(number(0, 4), number(5, 2), number(8, 2));
    const QTime time(number(11, 2), number(14, 2), number(17, 2));
    if (!date.isValid() || !time.isValid())
        return 0;
    if (ms)
        *ms = QDateTime(date, time, Qt::UTC).toMSecsSinceEpoch() + millis;
    return end + 1;
}

// GitLab's per-line prefix after the timestamp: " 00O " / " 0aE+".
qsizetype gitlabStreamAt(QByteArrayView text)
{
    if (text.size() >= 5 && text[0] == ' ' && std::isxdigit(static_cast<unsigned char>(text[1])) &&
        std::isxdigit(static_cast<unsigned char>(text[2])) && (text[3] == 'O' || text[3] == 'E') &&
        (text[4] == ' ' || text[4] == '+'))
        return 5;
    return 0;
}

// The line from i on without ANSI escape sequences, NUL bytes and the GitLab timestamps that
// follow carriage returns inside it (the carriage returns stay).
QByteArray withoutControls(QByteArrayView line, qsizetype i)
{
    QByteArray out;
    out.reserve(line.size() - i);
    while (i < line.size()) {
        const char c = line[i];
        if (c == '\x1b') { // ESC [ params final, or ESC + one character
            ++i;
            if (i < line.size() && line[i] == '[') {
                ++i;
                while (i < line.size() && !(line[i] >= '@' && line[i] <= '~'))
                    ++i;
            }
            ++i;
            continue;
        }
        if (c == '\0') {
            ++i;
            continue;
        }
        if (c == '\r') {
            // GitLab's timestamp prefix may follow a carriage return inside one physical line.
            ++i;
            if (const qsizetype ts = timestampAt(line.sliced(i), nullptr); ts > 0) {
                if (const qsizetype stream = gitlabStreamAt(line.sliced(i + ts)); stream > 0)
                    i += ts + stream;
            }
            out.append('\r');
            continue;
        }
        out.append(c);
        ++i;
    }
    return out;
}
} // namespace

qint64 leadingTimestamp(QByteArrayView line)
{
    if (line.startsWith("\xEF\xBB\xBF"))
        line = line.sliced(3);
    qint64 ms = -1;
    return timestampAt(line, &ms) > 0 ? ms : -1;
}

QString readableText(QByteArrayView line, bool *verbatim)
{
    if (line.startsWith("\xEF\xBB\xBF"))
        line = line.sliced(3);
    while (!line.isEmpty() && (line.back() == '\n' || line.back() == '\r'))
        line.chop(1);

    qsizetype i = 0;
    // GitHub's prefix is followed by one space; GitLab's by a stream id.
    if (const qsizetype ts = timestampAt(line, nullptr); ts > 0) {
        if (const qsizetype stream = gitlabStreamAt(line.sliced(ts)); stream > 0)
            i = ts + stream;
        else if (ts < line.size() && line[ts] == ' ')
            i = ts + 1;
    }
    // Most lines hold nothing to take out: plain ASCII, read as it is.
    const QByteArrayView rest = line.sliced(i);
    const bool plain = std::none_of(rest.begin(), rest.end(), [](char c) {
        return c == '\x1b' || c == '\0' || c == '\r' || static_cast<unsigned char>(c) >= 0x80;
    });
    QString text = plain ? QString::fromLatin1(rest) : QString::fromUtf8(withoutControls(line, i));

    // GitLab section markers, then carriage-return overwrites.
    static const QRegularExpression section(
        u"section_(?:start|end):\\d+:[A-Za-z0-9_.-]+(?:\\[[^\\]]*\\])?\\r?"_s);
    const qsizetype length = text.size();
    if (text.contains(u"section_"_s))
        text.remove(section);
    if (verbatim)
        *verbatim = plain && text.size() == length;
    if (text.contains(u'\r')) {
        const QStringList parts = text.split(u'\r');
        text.clear();
        for (auto it = parts.crbegin(); it != parts.crend(); ++it) {
            if (!it->trimmed().isEmpty()) {
                text = *it;
                break;
            }
        }
    }
    // GitHub Actions' rendered workflow commands.
    static const QRegularExpression marker(
        u"^(?:##\\[(?:error|warning|notice|debug|command|group|endgroup|section)\\]|::(?:error|warning|notice|debug)[^:]*::)"_s);
    if (text.startsWith(u"##["_s) || text.startsWith(u"::"_s))
        text.remove(marker);
    return text;
}

} // namespace pw::logtext
