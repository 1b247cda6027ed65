// CsvWriter round trip: cells written from arbitrary text (UTF-16 with lone surrogates, Latin-1,
// UTF-8) and numbers read back with the strict RFC 4180 reader of the unit tests give the same
// table: text unchanged except for the formula guard ' and U+FFFD for lone surrogates, numbers
// and times equal to what was written. Small buffers exercise the flushes and oversize cells.
//
// Input: one byte choosing the buffer size, then cells separated by 0x1F and rows by 0x1E. A
// cell's first byte says what it is: t text (UTF-8), w raw UTF-16 units, l Latin-1, u UTF-8
// bytes, i integer, d decimal (first byte: decimals), m timestamp (numbers are raw little-endian
// bytes), e empty; any other first byte makes the whole cell text.
#include "fuzzsupport.h"

#include "TimeFormat.h"
#include "csvparse.h"
#include "reports/CsvWriter.h"

#include <QBuffer>
#include <QStringDecoder>

#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

bool isGuardStart(char16_t c)
{
    return c == u'=' || c == u'+' || c == u'-' || c == u'@' || c == u'\t' || c == u'\r';
}

QString guarded(const QString &text)
{
    return !text.isEmpty() && isGuardStart(text.front().unicode()) ? u'\'' + text : text;
}

// The text a UTF-16 sequence stands for in UTF-8: lone surrogates have none and become U+FFFD.
QString utf8Meaning(QStringView units)
{
    QString out;
    for (qsizetype i = 0; i < units.size(); ++i) {
        const QChar c = units[i];
        if (c.isHighSurrogate() && i + 1 < units.size() && units[i + 1].isLowSurrogate()) {
            out += c;
            out += units[++i];
        } else if (c.isSurrogate()) {
            out += QChar::ReplacementCharacter;
        } else {
            out += c;
        }
    }
    return out;
}

template<class T> T raw(QByteArrayView bytes)
{
    T value{};
    std::memcpy(&value, bytes.data(), std::min<size_t>(sizeof value, size_t(bytes.size())));
    return value;
}

// UTF-8 decoded with a leading U+FEFF kept as content (QString::fromUtf8 drops it as a byte
// order mark, which would make the text of a cell starting with one differ from what is written).
QString decodeUtf8(QByteArrayView bytes, bool *valid = nullptr)
{
    using enum QStringDecoder::Flag;
    QStringDecoder decoder(QStringDecoder::Utf8, Stateless | ConvertInitialBom);
    QString text = decoder.decode(bytes);
    if (valid)
        *valid = !decoder.hasError();
    return text;
}

// Invalid UTF-8 (also a sequence cut at the end) does not survive the trip through UTF-16.
bool isValidUtf8(QByteArrayView bytes)
{
    bool valid = false;
    decodeUtf8(bytes, &valid);
    return valid;
}

// How a written cell has to read back.
struct Expected
{
    enum class Kind
    {
        Exact,
        Decimal,
        Timestamp
    };
    Kind kind = Kind::Exact;
    QString text;
    double decimal = 0;
    int decimals = 0;
    qint64 epochMs = 0;
};

Expected writeCell(CsvWriter &writer, QByteArrayView cell)
{
    const char kind = cell.isEmpty() ? 'e' : cell.front();
    const QByteArrayView content = cell.isEmpty() ? cell : cell.sliced(1);
    switch (kind) {
    case 'w': {
        QString units(content.size() / 2, Qt::Uninitialized); // copied: content is unaligned
        std::memcpy(units.data(), content.data(), size_t(units.size()) * sizeof(QChar));
        writer.addText(QStringView(units));
        return {Expected::Kind::Exact, guarded(utf8Meaning(units))};
    }
    case 'l':
        writer.addText(QLatin1StringView(content));
        return {Expected::Kind::Exact, guarded(QString::fromLatin1(content))};
    case 'u':
        if (isValidUtf8(content)) {
            writer.addUtf8(content);
            return {Expected::Kind::Exact, guarded(decodeUtf8(content))};
        }
        break;
    case 'i': {
        const auto value = raw<qint64>(content);
        writer.addInteger(value);
        return {Expected::Kind::Exact, QString::number(value)};
    }
    case 'd': {
        const int decimals = content.isEmpty() ? 0 : int(uchar(content.front())) % 40 - 4;
        const auto value = raw<double>(content.isEmpty() ? content : content.sliced(1));
        writer.addDecimal(value, decimals);
        if (!std::isfinite(value))
            return {Expected::Kind::Exact, QString()};
        return {Expected::Kind::Decimal, {}, value, std::clamp(decimals, 0, 32)};
    }
    case 'm': {
        const auto value = raw<qint64>(content);
        writer.addTimestamp(value);
        return {Expected::Kind::Timestamp,
                {},
                0,
                0,
                std::clamp(value, timeformat::MinIso8601Ms, timeformat::MaxIso8601Ms)};
    }
    case 'e':
        writer.addEmpty();
        return {Expected::Kind::Exact, QString()};
    case 't':
        writer.addText(decodeUtf8(content));
        return {Expected::Kind::Exact, guarded(decodeUtf8(content))};
    default:
        break;
    }
    const QString text = decodeUtf8(cell);
    writer.addText(text);
    return {Expected::Kind::Exact, guarded(text)};
}

void checkCell(const Expected &expected, const QString &read)
{
    switch (expected.kind) {
    case Expected::Kind::Exact:
        fuzz::check(read == expected.text, "a cell reads back as written",
                    u"wrote <"_s + expected.text + u"> read <"_s + read + u'>');
        return;
    case Expected::Kind::Decimal: {
        bool ok = false;
        const double value = read.toDouble(&ok);
        fuzz::check(ok, "a decimal reads as a number", read);
        const qsizetype dot = read.indexOf(u'.');
        fuzz::check(expected.decimals == 0 ? dot < 0 : read.size() - dot - 1 == expected.decimals,
                    "a decimal has the asked number of decimals", read);
        fuzz::check(!read.startsWith(u'-') || value != 0, "zero is never written negative", read);
        const double tolerance = 0.5 * std::pow(10.0, -expected.decimals) * (1 + 1e-9) +
                                 std::abs(expected.decimal) * 1e-15;
        fuzz::check(std::abs(value - expected.decimal) <= tolerance, "a decimal is rounded right",
                    read + u" for "_s + QString::number(expected.decimal, 'g', 17));
        return;
    }
    case Expected::Kind::Timestamp: {
        fuzz::check(read.size() == timeformat::Iso8601Length, "a timestamp has the fixed length",
                    read);
        const Result<qint64> parsed = timeformat::parseTime(read, 0);
        fuzz::check(parsed.ok() && *parsed == expected.epochMs, "a timestamp reads back", read);
        return;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype bufferBytes = data[0] < 128 ? 16 + data[0] : 1 << 20;
    const QByteArray input = fuzz::bytes(data + 1, size - 1);

    QByteArray output;
    QList<QList<Expected>> table;
    {
        QBuffer device(&output);
        device.open(QIODevice::WriteOnly);
        CsvWriter writer(&device, bufferBytes);
        for (const QByteArray &row : input.split('\x1e')) {
            QList<Expected> cells;
            for (const QByteArray &cell : row.split('\x1f'))
                cells.append(writeCell(writer, cell));
            writer.endRow();
            table.append(cells);
        }
        fuzz::check(writer.flush(), "writing to memory succeeds");
    }

    fuzz::check(isValidUtf8(output), "the output is UTF-8");
    QString error;
    const std::optional<QList<QStringList>> rows = parseCsv(output, &error);
    fuzz::check(rows.has_value(), "the output is RFC 4180 CSV", error);
    fuzz::check(rows->size() == table.size(), "one row per row written");
    for (qsizetype r = 0; r < table.size(); ++r) {
        const QStringList &read = rows->at(r);
        fuzz::check(read.size() == table[r].size(), "one cell per cell written",
                    u"row %1"_s.arg(r));
        for (qsizetype c = 0; c < read.size(); ++c)
            checkCell(table[r][c], read[c]);
    }
    return 0;
}
