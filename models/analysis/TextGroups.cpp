#include "analysis/TextGroups.h"

#include <QHash>
#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pw {

QString maskParticulars(QStringView line)
{
    // In this order: a URL holds hosts and numbers, a digest holds hex that reads as numbers.
    static const struct
    {
        QRegularExpression pattern;
        QString mask;
    } masks[] = {
        {QRegularExpression(u"[a-z][a-z0-9+.-]*://[^\\s\"'<>]+"_s), u"<url>"_s},
        {QRegularExpression(u"\\b(?:sha256|sha384|sha512):[0-9a-fA-F]+"_s), u"<digest>"_s},
        {QRegularExpression(u"\\b[0-9a-f]{12,}\\b"_s), u"<hex>"_s},
        {QRegularExpression(u"\\[[0-9a-fA-F:]*:[0-9a-fA-F:]+\\]|\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b"_s),
         u"<ip>"_s},
        {QRegularExpression(u"\\b[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*\\.[a-zA-Z]{2,}(?::\\d+)?"
                            u"(?:/[a-z0-9._/-]*)?(?::[\\w.-]+)?"_s),
         u"<name>"_s},
        {QRegularExpression(u"\\\\?\"[^\"\\\\]*\\\\?\"|'[^'\\s]*'"_s), u"\"<…>\""_s},
        // Names made of letters and digits (pods, temporary files, versions): one particular.
        {QRegularExpression(u"\\b[\\w-]*(?:[a-zA-Z][\\w-]*\\d|\\d[\\w-]*[a-zA-Z])[\\w-]*"_s),
         u"<id>"_s},
        {QRegularExpression(u"\\d+(?:\\.\\d+)?"_s), u"<n>"_s},
    };
    static const QRegularExpression space(u"\\s+"_s); // columns padded for a terminal
    QString text = line.trimmed().toString();
    for (const auto &[pattern, mask] : masks)
        text.replace(pattern, mask);
    return text.replace(space, u" "_s);
}

QList<TextGroup> groupByText(const QList<QString> &lines)
{
    QList<TextGroup> groups;
    QHash<QString, qsizetype> index;
    for (const QString &line : lines) {
        const QString masked = maskParticulars(line);
        const auto found = index.constFind(masked);
        if (found != index.cend()) {
            ++groups[*found].count;
            continue;
        }
        index.insert(masked, groups.size());
        groups.append({masked, line.trimmed(), 1});
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const TextGroup &a, const TextGroup &b) { return a.count > b.count; });
    return groups;
}

} // namespace pw
