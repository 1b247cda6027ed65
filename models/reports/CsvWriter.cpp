#include "reports/CsvWriter.h"

#include "TimeFormat.h"

#include <QFileDevice>
#include <QIODevice>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

using namespace Qt::StringLiterals;

namespace pw {

namespace {

// Cells starting with one of these are formulas to a spreadsheet.
constexpr bool isGuardStart(unsigned c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

constexpr std::array<bool, 128> ForcesQuoting = [] {
    std::array<bool, 128> table{};
    table[','] = table['"'] = table['\r'] = table['\n'] = true;
    return table;
}();

// In a quoted field only '"' needs attention (it is doubled); unquoted, any of , " CR LF means
// the field has to be quoted after all.
template<bool Quoted> inline bool needsAttention(unsigned c)
{
    return Quoted ? c == '"' : ForcesQuoting[c];
}

#ifdef __SSE2__
// One bit per byte that needs attention (see needsAttention).
template<bool Quoted> inline int attentionMask(__m128i bytes)
{
    const __m128i quotes = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'));
    if constexpr (Quoted)
        return _mm_movemask_epi8(quotes);
    const __m128i commas = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(','));
    const __m128i crs = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\r'));
    const __m128i lfs = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n'));
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quotes, commas), _mm_or_si128(crs, lfs)));
}

// Loads up to sizeof(__m128i) bytes without reading past them; a short tail is zero-padded
// (zeros are plain ASCII, so the padding never stops a block).
inline __m128i loadBlock(const void *src, size_t bytes)
{
    if (bytes >= sizeof(__m128i))
        return _mm_loadu_si128(static_cast<const __m128i *>(src));
    alignas(16) char tail[sizeof(__m128i)] = {};
    std::memcpy(tail, src, bytes);
    return _mm_load_si128(reinterpret_cast<const __m128i *>(tail));
}
#endif

// Bytes the SIMD blocks may store beyond what they keep; reserved on top of the worst case.
constexpr qsizetype SimdSlack = 16;

// Each encoder writes the field body. Unquoted it returns nullptr as soon as the field turns out
// to need quotes (the caller starts over quoted); quoted it doubles '"'. The caller guarantees room
// for the worst case plus SimdSlack.
struct Utf16Encoder
{
    static constexpr qsizetype MaxBytesPerUnit = 3; // BMP char: 3; surrogate pair: 4 for 2 units

#ifdef __SSE2__
    // One bit per unit (8 lanes) that is not ASCII or needs attention; bytes = the units narrowed.
    template<bool Quoted> static int stopMask(__m128i units, __m128i &bytes)
    {
        const __m128i ascii = _mm_cmpeq_epi16(_mm_and_si128(units, _mm_set1_epi16(short(0xFF80))),
                                              _mm_setzero_si128());
        bytes = _mm_packus_epi16(units, units);
        const int nonAscii = ~_mm_movemask_epi8(_mm_packs_epi16(ascii, ascii));
        return (attentionMask<Quoted>(bytes) | nonAscii) & 0xFF;
    }

    // Copies up to 8 units of plain ASCII; returns how many, stopping before the first unit that
    // is not ASCII or needs attention.
    template<bool Quoted> static qsizetype copyAscii(char *dst, const char16_t *src, qsizetype left)
    {
        if (left >= 8) {
            __m128i bytes;
            const int stop =
                stopMask<Quoted>(_mm_loadu_si128(reinterpret_cast<const __m128i *>(src)), bytes);
            _mm_storel_epi64(reinterpret_cast<__m128i *>(dst), bytes);
            return stop ? __builtin_ctz(unsigned(stop)) : 8;
        }
        if (left >= 4)
            return copyAsciiTail<Quoted, 4>(dst, src, left);
        if (left >= 2)
            return copyAsciiTail<Quoted, 2>(dst, src, left);
        return copyAsciiTail<Quoted, 1>(dst, src, left);
    }

    // Fewer than 8 units left: looks at the first and the last Half units (they overlap, and
    // together cover all left <= 2 * Half units) so that nothing is read past the end.
    template<bool Quoted, int Half>
    static qsizetype copyAsciiTail(char *dst, const char16_t *src, qsizetype left)
    {
        using Chunk =
            std::conditional_t<Half == 4, quint64, std::conditional_t<Half == 2, quint32, quint16>>;
        Chunk head, tail;
        std::memcpy(&head, src, sizeof head);
        std::memcpy(&tail, src + left - Half, sizeof tail);
        __m128i units;
        if constexpr (Half == 4)
            units = _mm_set_epi64x(qint64(tail), qint64(head));
        else
            units = _mm_set_epi64x(0, qint64(quint64(head) | quint64(tail) << (16 * Half)));
        __m128i bytes;
        const int stop = stopMask<Quoted>(units, bytes);
        alignas(8) char narrowed[8];
        _mm_storel_epi64(reinterpret_cast<__m128i *>(narrowed), bytes);
        std::memcpy(dst, narrowed, Half);
        std::memcpy(dst + left - Half, narrowed + Half, Half);
        if (stop == 0)
            return left;
        const int lane = __builtin_ctz(unsigned(stop));
        return lane < Half ? lane : left - 2 * Half + lane; // map a tail lane back to its unit
    }
#endif

    template<bool Quoted> static char *encode(char *dst, const char16_t *src, const char16_t *end)
    {
        while (src != end) {
#ifdef __SSE2__
            for (;;) {
                const qsizetype left = end - src;
                const qsizetype copied = copyAscii<Quoted>(dst, src, left);
                dst += copied;
                src += copied;
                if (src == end)
                    return dst;
                if (copied < 8)
                    break; // *src needs the scalar path below
            }
#endif
            const char16_t c = *src++;
            if (c < 0x80) {
                if (needsAttention<Quoted>(c)) {
                    if constexpr (!Quoted)
                        return nullptr;
                    *dst++ = '"';
                }
                *dst++ = char(c);
            } else if (c < 0x800) {
                *dst++ = char(0xC0 | (c >> 6));
                *dst++ = char(0x80 | (c & 0x3F));
            } else if (c < 0xD800 || c > 0xDFFF) {
                *dst++ = char(0xE0 | (c >> 12));
                *dst++ = char(0x80 | ((c >> 6) & 0x3F));
                *dst++ = char(0x80 | (c & 0x3F));
            } else if (c <= 0xDBFF && src != end && *src >= 0xDC00 && *src <= 0xDFFF) {
                const char32_t cp = 0x10000 + ((char32_t(c) - 0xD800) << 10) + (*src++ - 0xDC00);
                *dst++ = char(0xF0 | (cp >> 18));
                *dst++ = char(0x80 | ((cp >> 12) & 0x3F));
                *dst++ = char(0x80 | ((cp >> 6) & 0x3F));
                *dst++ = char(0x80 | (cp & 0x3F));
            } else { // a lone surrogate has no UTF-8 form: U+FFFD
                *dst++ = char(0xEF);
                *dst++ = char(0xBF);
                *dst++ = char(0xBD);
            }
        }
        return dst;
    }
};

// Latin-1 (each byte is a code point) or UTF-8 (bytes pass through unchanged).
template<bool FromLatin1> struct ByteEncoder
{
    static constexpr qsizetype MaxBytesPerUnit = 2; // Latin-1 above 0x7F, or a doubled quote

#ifdef __SSE2__
    // Copies up to 16 bytes that need no attention (nor conversion from Latin-1); returns how many.
    template<bool Quoted> static qsizetype copyPlain(char *dst, const uchar *src, qsizetype left)
    {
        const __m128i bytes = loadBlock(src, size_t(std::min<qsizetype>(left, 16)));
        int stop = attentionMask<Quoted>(bytes);
        if constexpr (FromLatin1)
            stop |= _mm_movemask_epi8(bytes);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst), bytes);
        return stop ? __builtin_ctz(unsigned(stop)) : std::min<qsizetype>(left, 16);
    }
#endif

    template<bool Quoted> static char *encode(char *dst, const uchar *src, const uchar *end)
    {
        while (src != end) {
#ifdef __SSE2__
            for (;;) {
                const qsizetype copied = copyPlain<Quoted>(dst, src, end - src);
                dst += copied;
                src += copied;
                if (src == end)
                    return dst;
                if (copied < 16)
                    break;
            }
#endif
            const uchar c = *src++;
            if (c < 0x80) {
                if (needsAttention<Quoted>(c)) {
                    if constexpr (!Quoted)
                        return nullptr;
                    *dst++ = '"';
                }
                *dst++ = char(c);
            } else if constexpr (FromLatin1) {
                *dst++ = char(0xC0 | (c >> 6));
                *dst++ = char(0x80 | (c & 0x3F));
            } else {
                *dst++ = char(c);
            }
        }
        return dst;
    }
};

// A whole text cell: the formula guard, and quotes only when the content needs them.
template<class Encoder, class Unit>
char *writeTextCell(char *dst, const Unit *begin, const Unit *end)
{
    const bool guard = begin != end && isGuardStart(unsigned(*begin));
    char *const start = dst;
    if (guard)
        *dst++ = '\'';
    if (char *unquotedEnd = Encoder::template encode<false>(dst, begin, end))
        return unquotedEnd;
    dst = start;
    *dst++ = '"';
    if (guard)
        *dst++ = '\'';
    dst = Encoder::template encode<true>(dst, begin, end);
    *dst++ = '"';
    return dst;
}

// Two quotes and a guard character around the encoded content.
constexpr qsizetype CellOverhead = 3;

} // namespace

CsvWriter::CsvWriter(QIODevice *device, qsizetype bufferBytes)
    : m_device(device), m_capacity(std::max<qsizetype>(bufferBytes, 16)) // a row end always fits
{
    Q_ASSERT(device);
    m_buffer.reset(new char[size_t(m_capacity)]);
}

CsvWriter::~CsvWriter()
{
    flush();
}

template<class Format> void CsvWriter::addCell(qsizetype maxBytes, Format format)
{
    ++maxBytes; // the separating comma
    if (reserve(maxBytes)) [[likely]] {
        char *dst = m_buffer.get() + m_used;
        if (m_cellsInRow++ > 0)
            *dst++ = ',';
        m_used = format(dst) - m_buffer.get();
        return;
    }
    // A cell larger than the whole buffer: format it on the side, then pass it through.
    const std::unique_ptr<char[]> scratch(new char[size_t(maxBytes)]);
    char *dst = scratch.get();
    if (m_cellsInRow++ > 0)
        *dst++ = ',';
    dst = format(dst);
    writeThrough(scratch.get(), dst - scratch.get());
}

void CsvWriter::addText(QStringView text)
{
    const auto *begin = reinterpret_cast<const char16_t *>(text.utf16());
    const auto *end = begin + text.size();
    using Encoder = Utf16Encoder;
    addCell(text.size() * Encoder::MaxBytesPerUnit + CellOverhead + SimdSlack,
            [=](char *dst) { return writeTextCell<Encoder>(dst, begin, end); });
}

void CsvWriter::addText(QLatin1StringView text)
{
    const auto *begin = reinterpret_cast<const uchar *>(text.data());
    const auto *end = begin + text.size();
    using Encoder = ByteEncoder<true>;
    addCell(text.size() * Encoder::MaxBytesPerUnit + CellOverhead + SimdSlack,
            [=](char *dst) { return writeTextCell<Encoder>(dst, begin, end); });
}

void CsvWriter::addUtf8(QByteArrayView utf8)
{
    const auto *begin = reinterpret_cast<const uchar *>(utf8.data());
    const auto *end = begin + utf8.size();
    using Encoder = ByteEncoder<false>;
    addCell(utf8.size() * Encoder::MaxBytesPerUnit + CellOverhead + SimdSlack,
            [=](char *dst) { return writeTextCell<Encoder>(dst, begin, end); });
}

void CsvWriter::addInteger(qint64 value)
{
    constexpr qsizetype MaxDigits = 20; // "-9223372036854775808"
    addCell(MaxDigits,
            [value](char *dst) { return std::to_chars(dst, dst + MaxDigits, value).ptr; });
}

void CsvWriter::addDecimal(double value, int decimals)
{
    if (!std::isfinite(value)) { // not a number anyone could chart: treat as absent
        addEmpty();
        return;
    }
    decimals = std::clamp(decimals, 0, 32);
    // 1e308 in fixed notation has 309 integer digits.
    const qsizetype maxBytes = 1 + 309 + 1 + decimals;
    addCell(maxBytes, [=](char *dst) {
        char *end =
            std::to_chars(dst, dst + maxBytes, value, std::chars_format::fixed, decimals).ptr;
        // "-0.00" (from -0.0 or a tiny negative) would read as a negative number; write "0.00".
        if (*dst == '-' && std::all_of(dst + 1, end, [](char c) { return c == '0' || c == '.'; })) {
            std::memmove(dst, dst + 1, size_t(end - dst - 1));
            --end;
        }
        return end;
    });
}

void CsvWriter::addTimestamp(qint64 epochMs)
{
    addCell(timeformat::Iso8601Length,
            [epochMs](char *dst) { return timeformat::writeIso8601(dst, epochMs); });
}

void CsvWriter::addEmpty()
{
    addCell(0, [](char *dst) { return dst; });
}

void CsvWriter::endRow()
{
    reserve(2); // always succeeds: the buffer holds at least 16 bytes
    char *dst = m_buffer.get() + m_used;
    dst[0] = '\r';
    dst[1] = '\n';
    m_used += 2;
    m_cellsInRow = 0;
}

void CsvWriter::addHeader(std::initializer_list<const char *> names)
{
    for (const char *name : names)
        addUtf8(QByteArrayView(name, qsizetype(std::strlen(name))));
    endRow();
}

bool CsvWriter::flush()
{
    flushBuffer();
    // QFile buffers too; push through to the OS so that a full disk shows up here.
    if (m_ok) {
        if (auto *file = qobject_cast<QFileDevice *>(m_device);
            file && file->isWritable() && !file->flush())
            fail(file->errorString());
    }
    return m_ok;
}

void CsvWriter::writeThrough(const char *data, qsizetype size)
{
    while (size > 0) {
        if (m_used == m_capacity)
            flushBuffer();
        const qsizetype chunk = std::min(size, m_capacity - m_used);
        std::memcpy(m_buffer.get() + m_used, data, size_t(chunk));
        m_used += chunk;
        data += chunk;
        size -= chunk;
    }
}

void CsvWriter::flushBuffer()
{
    if (m_ok && m_used > 0) {
        if (!m_device->isWritable()) {
            // QIODevice::write() would only print a warning and leave errorString() empty.
            fail(u"device is not open for writing"_s);
        } else {
            const char *data = m_buffer.get();
            qsizetype left = m_used;
            while (left > 0) {
                const qint64 written = m_device->write(data, left);
                if (written <= 0) {
                    fail(m_device->errorString());
                    break;
                }
                data += written;
                left -= written;
            }
        }
    }
    m_used = 0; // after a failure output is discarded rather than buffered without bound
}

void CsvWriter::fail(const QString &message)
{
    if (!m_ok)
        return;
    m_ok = false;
    m_error = message;
}

} // namespace pw
