#pragma once

#include "analysis/Verdicts.h"

namespace pw {

// What to change after a failed CI pull, one line ("wait at least 90 s for this image, …").
QString verdictAdvice(const CiVerdict &verdict);
// The sentence to paste into an issue: when, which job, what failed, the probes' figures, the
// verdict and the advice.
QString verdictSentence(const CiVerdict &verdict);
// One image over a range: its failed CI pulls by verdict, and how the rest of its group did.
QString summarySentence(const ImageVerdicts &row, const QList<ImageVerdicts> &rows);
// "71 s", "850 ms", "4 min 10 s": a latency as a person reads it.
QString readableDuration(qint64 ms);

} // namespace pw
