#pragma once

#include <QByteArray>
#include <QStringDecoder>
#include <QStringList>

#include <optional>

// A strict RFC 4180 reader: CRLF row ends only, quotes only around whole fields, no bare CR or
// LF outside quotes, valid UTF-8, every row ended by CRLF.
inline std::optional<QList<QStringList>> parseCsv(const QByteArray &data, QString *error)
{
    QList<QStringList> rows;
    QStringList row;
    qsizetype i = 0;
    const qsizetype n = data.size();
    const auto fail = [&](const char *what) {
        *error = QStringLiteral("byte %1 (row %2): %3")
                     .arg(i)
                     .arg(rows.size() + 1)
                     .arg(QLatin1StringView(what));
        return std::nullopt;
    };
    while (i < n) {
        QByteArray field;
        if (data[i] == '"') {
            for (++i;; ++i) {
                if (i == n)
                    return fail("unterminated quoted field");
                if (data[i] == '"') {
                    if (i + 1 < n && data[i + 1] == '"') {
                        field += '"';
                        ++i;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += data[i];
            }
        } else {
            while (i < n && data[i] != ',' && data[i] != '\r') {
                if (data[i] == '"' || data[i] == '\n')
                    return fail("quote or bare LF in an unquoted field");
                field += data[i++];
            }
        }
        // A U+FEFF at the start of a field is content, not a byte order mark.
        using enum QStringDecoder::Flag;
        QStringDecoder decoder(QStringDecoder::Utf8, Stateless | ConvertInitialBom);
        row.append(decoder.decode(field));
        if (decoder.hasError())
            return fail("invalid UTF-8");
        if (i < n && data[i] == ',') {
            ++i;
            if (i == n)
                return fail("comma at the end of the data");
            continue;
        }
        if (i + 1 < n && data[i] == '\r' && data[i + 1] == '\n') {
            i += 2;
            rows.append(row);
            row.clear();
            continue;
        }
        return fail("field not followed by a comma or CRLF");
    }
    if (!row.isEmpty())
        return fail("last row without CRLF");
    return rows;
}
