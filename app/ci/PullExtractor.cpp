#include "ci/PullExtractor.h"

#include "ImageReference.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pw {

QString canonicalImage(const QString &text, QString *registry)
{
    const Result<ImageReference> reference = ImageReference::parse(text);
    if (!reference)
        return text;
    if (registry)
        *registry = reference->registry;
    return reference->canonical();
}

namespace {
bool sameImage(const QString &a, const QString &b)
{
    return a.isEmpty() || b.isEmpty() || a == b;
}

// kubelet: `Successfully pulled image "nginx:1.25" in 2.104s (2.104s including waiting)`.
qint64 pullDurationMs(const QString &text)
{
    static const QRegularExpression duration(u"\\bin (\\d+(?:\\.\\d+)?)(ms|s)\\b"_s);
    const QRegularExpressionMatch m = duration.match(text);
    if (!m.hasMatch())
        return -1;
    const double value = m.captured(1).toDouble();
    const double ms = m.captured(2) == u"ms"_s ? value : value * 1000.0;
    // A number past qint64 is no duration, and converting it would be undefined behaviour.
    if (!(ms < 0x1p63))
        return -1;
    return static_cast<qint64>(ms);
}
} // namespace

PullExtractor::PullExtractor(CiContext context, qint64 fallbackTsMs)
    : m_context(std::move(context)), m_fallbackTsMs(fallbackTsMs)
{}

CiPull PullExtractor::pullFor(const LogLineMatch &line, const QString &image, bool ok,
                              Category category) const
{
    CiPull pull;
    PullEvent &event = pull.event;
    event.source = Source::Ci;
    pull.timestampFromLog = line.tsMs >= 0;
    event.ts = line.tsMs >= 0 ? line.tsMs : m_fallbackTsMs;
    event.image = image;
    canonicalImage(image, &event.registry);
    event.ok = ok;
    event.category = ok ? Category::None : category;
    event.httpStatus = line.match.status;
    event.latencyMs = ok ? pullDurationMs(line.text) : -1;
    event.message = truncateMessage(line.text.trimmed());
    event.rule = line.match.ruleId();
    event.ci = m_context;
    event.ciLine = static_cast<int>(std::min<qint64>(line.line, INT_MAX));
    return pull;
}

namespace {
QString causeKey(const QString &pod, const QString &image)
{
    return pod + u'\n' + image;
}
} // namespace

void PullExtractor::flush()
{
    if (!m_pending)
        return;
    CiPull &pull = m_pending->pull;
    if (pull.attempts > 1)
        pull.event.message =
            truncateMessage(pull.event.message + u" (%1 tries)"_s.arg(pull.attempts));
    if (!pull.event.ok && pull.event.category != Category::Unknown)
        m_causes.insert(causeKey(m_pending->unit, pull.event.image),
                        {pull.event.category, m_pending->lastLine});
    if (pull.event.image == m_currentImage && m_pending->lastLine >= m_currentImageLine)
        m_currentImageDone = true;
    if (!pull.event.ok && pull.event.category == Category::Unknown && pull.event.image.isEmpty() &&
        !m_pending->unit.isEmpty()) {
        // Only the last few can still get a cause: the list stays short on any log.
        m_causeless.removeIf([&](const Causeless &c) {
            return m_pending->lastLine - c.line > MergeDistance;
        });
        m_causeless.append({m_pulls.size(), m_pending->lastLine, m_pending->tool});
    }
    m_pulls.append(std::move(pull));
    m_pending.reset();
}

void PullExtractor::add(const LogLineMatch &line)
{
    addLine(line);
    // "Failed, retrying in 1s ... (1/3). Error: …": the failure, then the retry it announces.
    if (line.match.retry && line.match.kind == RuleKind::Fail && m_pending) {
        ++m_pending->pull.attempts;
        m_pending->awaitingRetry = true;
        m_pending->closed = false;
    }
}

bool PullExtractor::joinsPending(const LogLineMatch &line, const QString &image,
                                 const QString &tool) const
{
    if (!m_pending || m_pending->pull.event.ok || !sameImage(m_pending->pull.event.image, image))
        return false;
    if (!line.match.unit.isEmpty() && !m_pending->unit.isEmpty() &&
        line.match.unit != m_pending->unit)
        return false;
    const qint64 distance = line.line - m_pending->lastLine;
    const bool compatibleTools =
        tool.isEmpty() || m_pending->tool.isEmpty() || tool == m_pending->tool;
    // The next try of the same pull: soon after the notice, or, past a download's progress
    // lines, the same image again.
    if (m_pending->awaitingRetry)
        return compatibleTools &&
               (distance <= MergeDistance ||
                (distance <= SummaryDistance && !line.match.image.isEmpty() &&
                 image == m_pending->pull.event.image));
    // A build names its failed base image again in its summary, after the Dockerfile excerpt.
    const bool namedAgain = !line.match.image.isEmpty() && image == m_pending->pull.event.image &&
                            !tool.isEmpty() && tool == m_pending->tool;
    if (distance > (namedAgain ? SummaryDistance : MergeDistance))
        return false;
    // A CI runner's verdict on the pull before it, whatever printed that, or a notice that the
    // pull failed and is tried again.
    if ((line.match.context && line.match.context->verdict) || line.match.retry)
        return true;
    if (m_pending->closed)
        return false; // the tool has said its last about that pull
    if (!compatibleTools) // lines of no one tool (a registry URL, "failed to pull") go with any
        return false;
    const bool pendingCause = m_pending->pull.event.category != Category::Unknown;
    const bool lineCause = line.match.category != Category::Unknown;
    // Two failures each with its cause: one pull only if the second names it again, or says
    // the same thing again (a tool that prints its error twice).
    if (pendingCause && lineCause)
        return (!line.match.image.isEmpty() && image == m_pending->pull.event.image) ||
               truncateMessage(line.text.trimmed()) == m_pending->pull.event.message;
    return true; // one says why, the other that it failed: one pull
}

void PullExtractor::outcomeKnown(const QString &image)
{
    m_currentImageDone = m_currentImageDone || image == m_currentImage;
}

QString PullExtractor::ownImage(const LogLineMatch &line, const QString &image) const
{
    return line.match.image.isEmpty() && m_currentImageDone ? QString() : image;
}

bool PullExtractor::givesCauseOfCauseless(const LogLineMatch &line, const QString &image,
                                          const QString &tool)
{
    if (!line.match.unit.isEmpty() || line.match.category == Category::Unknown || tool.isEmpty())
        return false;
    m_causeless.removeIf([&](const Causeless &c) {
        return c.tool != tool || line.line - c.line > MergeDistance;
    });
    if (m_causeless.size() != 1)
        return false; // none, or not known whose
    PullEvent &event = m_pulls[m_causeless.first().index].event;
    event.category = line.match.category;
    event.image = line.match.image.isEmpty() ? QString() : image;
    canonicalImage(event.image, &event.registry);
    event.rule = line.match.ruleId();
    event.ciLine = static_cast<int>(std::min<qint64>(line.line, INT_MAX));
    event.message = truncateMessage(line.text.trimmed());
    event.httpStatus = line.match.status;
    outcomeKnown(event.image);
    m_causeless.clear();
    return true;
}

void PullExtractor::addFailure(const LogLineMatch &line, const QString &image, const QString &tool)
{
    const Category category = line.match.category;
    const bool closes = line.match.context && line.match.context->terminal;
    if (joinsPending(line, image, tool)) {
        m_pending->lastLine = line.line;
        PullEvent &event = m_pending->pull.event;
        if (event.image.isEmpty())
            event.image = image;
        if (m_pending->unit.isEmpty())
            m_pending->unit = line.match.unit;
        if (category < event.category) { // the more specific cause wins
            event.category = category;
            event.rule = line.match.ruleId();
            event.ciLine = static_cast<int>(std::min<qint64>(line.line, INT_MAX));
            event.message = truncateMessage(line.text.trimmed());
            event.httpStatus = line.match.status ? line.match.status : event.httpStatus;
        }
        m_pending->awaitingRetry = false;
        m_pending->closed = m_pending->closed || closes;
        return;
    }
    flush(); // (which may end the pull the image came from)
    if (givesCauseOfCauseless(line, image, tool))
        return;
    m_pending = Pending{pullFor(line, ownImage(line, image), false, category), false, line.line,
                        tool, line.match.unit, closes};
}

void PullExtractor::addLine(const LogLineMatch &line)
{
    const LineMatch &match = line.match;
    QString image = match.image.isEmpty() ? QString() : canonicalImage(match.image);
    if (!image.isEmpty() && match.kind != RuleKind::Backoff && match.kind != RuleKind::Cause) {
        m_currentImage = image;
        m_currentImageLine = line.line;
        m_currentImageDone = false;
        m_currentImageStarted = match.kind == RuleKind::Start;
    }
    if (image.isEmpty() && !m_currentImageDone)
        image = m_currentImage;
    const QString tool = match.tool();

    if (match.kind != RuleKind::Ok)
        m_lastOk = {};
    if (match.kind != RuleKind::Backoff)
        m_lastBackoff = {};

    switch (match.kind) {
    case RuleKind::Start:
        // A new try of a pull that announced a retry continues it, through all its start lines
        // ("docker pull X", "Using default tag", "Pulling from") until its outcome; anything
        // else is a new pull.
        if (m_pending && m_pending->awaitingRetry && sameImage(m_pending->pull.event.image, image))
            m_pending->lastLine = line.line; // the next try's lines follow from here
        else if (m_pending)
            flush();
        return;
    case RuleKind::Retry:
        if (m_pending && !joinsPending(line, image, tool))
            flush(); // a retry notice of another pull, or long after
        if (!m_pending) {
            // The failure itself is not in view: "pull failed, back off N seconds" is one; a
            // layer's "Retrying in 5 seconds" is progress of a pull that may yet succeed.
            if (!match.rule->failure)
                return;
            m_pending = Pending{pullFor(line, ownImage(line, image), false, Category::Backoff),
                                false, line.line, tool, match.unit, false};
        }
        ++m_pending->pull.attempts;
        m_pending->awaitingRetry = true;
        m_pending->closed = false;
        return;
    case RuleKind::Abandon:
        // The seed case: the job's wait for its pod timed out while kubelet was still pulling
        // the image nixery was building. Without a pull in progress it says nothing about pulls.
        if (!m_currentImage.isEmpty() && m_currentImageStarted && !m_currentImageDone &&
            line.line - m_currentImageLine <= AbandonDistance &&
            !(m_pending && sameImage(m_pending->pull.event.image, m_currentImage))) {
            flush();
            m_pulls.append(pullFor(line, m_currentImage, false, match.category));
            outcomeKnown(m_currentImage);
            return;
        }
        [[fallthrough]]; // else the cause it names may be that of a failure just reported
    case RuleKind::Cause:
        // No pull context on the line: it gives the cause of a failure just reported without one
        // ("Docker pull failed", then "toomanyrequests"); anything else (a node status error
        // between kubelet's pull lines, a test's timeout) is not about a pull.
        if (m_pending && !m_pending->pull.event.ok &&
            m_pending->pull.event.category == Category::Unknown && !m_pending->closed &&
            line.line - m_pending->lastLine <= CauseDistance)
            addFailure(line, image, m_pending->tool);
        return;
    case RuleKind::Fail:
    case RuleKind::Context: // (never a line's outcome)
    case RuleKind::Exclude:
        addFailure(line, image, tool);
        return;
    case RuleKind::Ok:
        // A later try succeeded: it names the image the retried pull named, or the same tool
        // says so. The pull is ok, after its retries.
        if (m_pending && (m_pending->awaitingRetry || m_pending->pull.attempts > 1) &&
            (image.isEmpty() || m_pending->pull.event.image.isEmpty()
                 ? tool == m_pending->tool
                 : image == m_pending->pull.event.image)) {
            const int attempts = m_pending->pull.attempts;
            m_pending->pull = pullFor(line, image, true, Category::None);
            m_pending->pull.attempts = attempts;
            flush();
            outcomeKnown(image);
            return;
        }
        // GitLab says "Using docker image sha256:… for X" again when the script starts: the
        // same image used, not pulled again (no pull started in between). A line that says how
        // long it took (kubelet's "Successfully pulled … in 16.2s") is a pull of its own.
        if (!image.isEmpty() && image == m_lastOk.image && match.rule->id == m_lastOk.rule &&
            pullDurationMs(line.text) < 0)
            return;
        flush();
        m_pulls.append(pullFor(line, image, true, Category::None));
        m_lastOk = {image, match.rule->id};
        outcomeKnown(image);
        return;
    case RuleKind::Backoff: {
        // kubectl describe: "Back-off pulling image X", then "Error: ImagePullBackOff".
        if (m_lastBackoff.line > 0 && sameImage(m_lastBackoff.image, image) &&
            line.line - m_lastBackoff.line <= MergeDistance) {
            m_lastBackoff.line = line.line;
            return;
        }
        m_lastBackoff = {image, line.line};
        if (m_pending && sameImage(m_pending->pull.event.image, image))
            flush();
        // The cause of the last failed pull of the same image in the same pod; failure lines
        // that name no pod (kubectl describe shows one; some kubelet lines leave it out) lend
        // theirs only to back-off notices soon after them.
        Category cause = Category::Backoff;
        if (const auto inPod = m_causes.constFind(causeKey(match.unit, image));
            !match.unit.isEmpty() && inPod != m_causes.cend())
            cause = inPod->category;
        else if (const auto any = m_causes.constFind(causeKey({}, image));
                 any != m_causes.cend() &&
                 line.line - any->line <= (match.image.isEmpty() ? MergeDistance : SummaryDistance))
            cause = any->category; // (a notice naming no image: only the failure just before)
        m_pulls.append(pullFor(line, image, false, cause));
        m_pulls.last().backoffNotice = cause == Category::Backoff;
        return;
    }
    }
}

QList<CiPull> PullExtractor::finish()
{
    flush();
    std::stable_sort(m_pulls.begin(), m_pulls.end(), [](const CiPull &a, const CiPull &b) {
        return a.event.ciLine < b.event.ciLine;
    });
    // kubectl describe lists events by reason, not time: "Error: ImagePullBackOff" can come
    // before the "Failed to pull image" it follows. A back-off notice whose cause was unknown,
    // just before a failed pull of the same image, is that pull's.
    for (qsizetype i = m_pulls.size() - 2; i >= 0; --i) {
        const CiPull &notice = m_pulls[i];
        if (!notice.backoffNotice)
            continue;
        for (qsizetype j = i + 1; j < m_pulls.size(); ++j) {
            const PullEvent &later = m_pulls[j].event;
            if (later.ciLine - notice.event.ciLine > MergeDistance)
                break;
            if (!later.ok && !m_pulls[j].backoffNotice && later.category != Category::Backoff &&
                sameImage(notice.event.image, later.image)) {
                m_pulls.removeAt(i);
                break;
            }
        }
    }
    m_currentImage.clear();
    m_currentImageDone = false;
    m_currentImageStarted = false;
    m_causeless.clear();
    m_lastOk = {};
    m_lastBackoff = {};
    m_causes.clear();
    return std::exchange(m_pulls, {});
}

} // namespace pw
