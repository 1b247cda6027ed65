#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// What LogClassifier's Vectorscan prefilter looks for, derived from each rule's pattern.
namespace pw::prefilter {

// The part of a rule's pattern the prefilter scans raw log text for. Anchors come off (raw lines
// may start with a timestamp or an escape sequence and end in a carriage return), and a pattern
// of the plain syntax is cut to what makes it selective: from its first literal that every match
// holds to its last one, without the classes, captures and optional parts around them. Any line
// the rule can match holds a match of that part, so no line is lost (a few more are proposed,
// which the rule's regex rejects); but Vectorscan need not follow a leading \s*, class or capture
// group through every byte of a log, nor report a match for every byte of a trailing one.
QByteArray pattern(const QString &rulePattern);

// Whether a prefilter pattern's matches depend only on the bytes they span: no word boundaries,
// text anchors or look-arounds. Then whatever matches in a piece of a raw line matched in the
// raw text around it too.
bool matchesOnlyItsBytes(QByteArrayView pattern);

} // namespace pw::prefilter
