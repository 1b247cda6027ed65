#pragma once

#include "history/HistoryStore.h"

#include <QHash>
#include <QSet>
#include <QList>

#include <array>
#include <optional>

namespace pw {

// Why a CI pull failed, seen from the probes around it (DESIGN.md "Verdicts"). The order is the
// order of the rules: the first that holds wins.
enum class Verdict : quint8
{
    RateLimited,
    ImageProblem,
    RegistryOutage,
    SlowPull,
    RunnerSide,
    NoEvidence,
};
inline constexpr int VerdictCount = 6;
inline constexpr std::array<Verdict, VerdictCount> AllVerdicts = {
    Verdict::RateLimited, Verdict::ImageProblem, Verdict::RegistryOutage,
    Verdict::SlowPull,    Verdict::RunnerSide,   Verdict::NoEvidence};

// The fixed identifier ("slow_pull").
QString verdictId(Verdict verdict);
// A short human name ("Slow pull") for charts and tables.
QString verdictTitle(Verdict verdict);
std::optional<Verdict> verdictFromId(QStringView id);
// True for the verdicts that put the fault on the registry's side (what self-hosting avoids).
bool isRegistrySide(Verdict verdict);

// What the probes in the window around one failed CI pull showed.
struct VerdictEvidence
{
    qint64 windowMs = 0;   // the probes looked at are within ± this of the failure
    bool sameImage = true; // false: no probe of the image, its registry's probes stood in
    qint64 probes = 0;
    qint64 probesOk = 0;
    qint64 p50Ms = -1; // latency of the successful probes; -1 when none
    qint64 maxMs = -1;
    bool cold = false;     // a successful probe among them was a cold pull that took a build
    bool onDemand = false; // the registry builds images on demand
    bool slow = false;    // a successful probe took longer than the job could wait
    bool neverOk = false; // the image was probed before and no probe ever succeeded
    std::array<qint64, CategoryCount> failures{}; // the failed probes by category
    // The incident of the image (or its registry) that the failure fell into, if any.
    std::optional<Incident> incident;

    qint64 probesFailed() const { return probes - probesOk; }
    qint64 registrySideFailures() const;
};

// One failed CI pull and what to make of it.
struct CiVerdict
{
    PullEvent event;
    Verdict verdict = Verdict::NoEvidence;
    VerdictEvidence evidence;
    QString advice;   // what to change, one line
    QString sentence; // to paste into an issue: time, job, image, figures, verdict, advice
};

// Where a failed CI pull falls and its verdict: what charts mark (no evidence, no text).
struct VerdictMark
{
    qint64 ts = 0;
    int imageId = 0;
    Verdict verdict = Verdict::NoEvidence;
};

// The verdicts of one image over a range, and how the rest of its group did meanwhile.
struct ImageVerdicts
{
    QString image;
    QString registry;
    QString group;
    QString label;
    qint64 ciFailures = 0;
    std::array<qint64, VerdictCount> verdicts{};
    qint64 slowP50Ms = -1; // median of the slowest probe around each slow pull
    qint64 avoidable = -1; // failures another side of the group pulled fine at the time; -1: none
    QString otherImage;    // that side (the one that would have avoided the most)
    QString sentence;
};

struct VerdictSettings
{
    // How often each image is probed (canonical reference -> ms), from the config.
    QHash<QString, qint64> probeIntervalMs;
    qint64 defaultIntervalMs = 5 * 60 * 1000;
    // Registries that build images on demand (the config's "on_demand"; nixery.dev by default):
    // their slow pulls are builds, and the sentence says so.
    QSet<QString> onDemandRegistries{QStringLiteral("nixery.dev")};
    // false: the dashboard's first, quick answer for a range leaves verdicts out (they read every
    // probe of the range and follow in a second answer).
    bool judge = true;
    // A successful probe slower than this is slow even when the job's wait is unknown.
    qint64 slowProbeMs = 30 * 1000;

    // ±max(2 × the image's probe interval, 10 min).
    qint64 windowMs(const QString &image) const;
};

// Gives every failed CI pull of a range its verdict from the probes of the same image (else of
// its registry) around it. Reads the range's failed CI pulls and the probes around them once,
// then answers each failure from sorted per-image arrays: a month of a 10 M-event history in
// well under a second.
class VerdictEngine
{
public:
    explicit VerdictEngine(const HistoryStore &store, VerdictSettings settings = {})
        : m_store(store), m_settings(std::move(settings))
    {}

    // One verdict per failed CI pull in the range, oldest first.
    Result<QList<CiVerdict>> explain(const EventFilter &filter, const TimeRange &range) const;
    // The verdict of every failed CI pull in the range, oldest first, without the sentences:
    // reads only numbers, for the dashboard's marks and counts. None when settings.judge is off.
    Result<QList<VerdictMark>> judge(const EventFilter &filter, const TimeRange &range) const;
    // Per image with events in the range (grouped images first, by group and label).
    Result<QList<ImageVerdicts>> summarize(const EventFilter &filter,
                                           const TimeRange &range) const;

private:
    const HistoryStore &m_store;
    VerdictSettings m_settings;
};

} // namespace pw
