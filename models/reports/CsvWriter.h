#pragma once

#include <QByteArrayView>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>

#include <initializer_list>
#include <memory>

class QIODevice;

namespace pw {

// RFC 4180 CSV (DESIGN.md "CSV") into a QIODevice: comma separated, CRLF rows, UTF-8, fields
// quoted only when they contain a comma, quote, CR or LF, and text cells starting with = + - @
// TAB or CR prefixed with ' so spreadsheets never execute them.
// Cells are encoded straight into one reusable buffer: exporting a million rows must not
// allocate per cell.
class CsvWriter
{
public:
    explicit CsvWriter(QIODevice *device, qsizetype bufferBytes = 1 << 20);
    ~CsvWriter(); // flushes
    CsvWriter(const CsvWriter &) = delete;
    CsvWriter &operator=(const CsvWriter &) = delete;

    // Cells go left to right; the writer inserts the commas.
    void addText(QStringView text);
    void addText(QLatin1StringView text);
    void addUtf8(QByteArrayView utf8); // bytes already UTF-8; same quoting and guard rules
    void addInteger(qint64 value);
    void addDecimal(double value, int decimals); // fixed, '.' separator; NaN/inf → empty cell
    void addTimestamp(qint64 epochMs);           // 2025-05-18T08:42:15.123Z
    void addEmpty();
    void endRow();

    // One header row; the names are UTF-8.
    void addHeader(std::initializer_list<const char *> names);

    // Writes the buffer to the device. After the first failure the writer discards output and
    // ok()/errorString() describe that failure.
    bool flush();
    bool ok() const { return m_ok; }
    QString errorString() const { return m_error; }

private:
    // Room for `bytes` more bytes at m_buffer + m_used, flushing first if needed; false if a single
    // cell is larger than the whole buffer.
    bool reserve(qsizetype bytes)
    {
        if (m_capacity - m_used >= bytes) [[likely]]
            return true;
        flushBuffer();
        return m_capacity >= bytes;
    }
    // Writes one cell with format(char *dst) -> char *end, given the most bytes it may write.
    template<class Format> void addCell(qsizetype maxBytes, Format format);
    void writeThrough(const char *data, qsizetype size);
    void flushBuffer();
    void fail(const QString &message);

    QIODevice *m_device = nullptr;
    std::unique_ptr<char[]> m_buffer;
    qsizetype m_capacity = 0;
    qsizetype m_used = 0;
    int m_cellsInRow = 0;
    bool m_ok = true;
    QString m_error;
};

} // namespace pw
