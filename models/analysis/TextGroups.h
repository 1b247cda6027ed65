#pragma once

#include <QList>
#include <QString>
#include <QStringView>

namespace pw {

// Lines that say the same thing with different particulars, put together: what a user should
// write one rule for. As Kubernetes' triage clusters test failures, the text is compared with
// what varies between occurrences masked: URLs, hosts and addresses, digests and long hex ids,
// quoted strings, names mixing letters and digits, and numbers; runs of blanks are one space.
struct TextGroup
{
    QString text;    // the masked text the lines share
    QString example; // the first line of the group, as it was
    qint64 count = 0;
};

// "dial tcp 10.0.0.2:443: i/o timeout" -> "dial tcp <ip>:<n>: i/o timeout".
QString maskParticulars(QStringView line);

// Groups of lines by masked text, largest first (ties: first seen first).
QList<TextGroup> groupByText(const QList<QString> &lines);

} // namespace pw
