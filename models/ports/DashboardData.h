#pragma once

#include "analysis/Comparison.h"
#include "analysis/Failures.h"
#include "analysis/Overview.h"
#include "analysis/Timeline.h"

#include <QObject>

namespace pw {

// What the dashboard's pages ask of the history, answered asynchronously and off the GUI thread
// (app/HistoryService implements it; tests may answer synchronously). Only the answer to the
// latest request of a kind is delivered: a page never shows stale figures after a newer ask.
class DashboardData : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void requestOverview(const EventFilter &filter) = 0;
    virtual void requestFailures(const EventFilter &filter, const TimeRange &range,
                                 qint64 bucketMs) = 0;
    virtual void requestEvents(const EventPageQuery &query) = 0;
    virtual void requestCompare(const EventFilter &filter, const TimeRange &range) = 0;
    virtual void requestTimeline(const EventFilter &filter, const TimeRange &range,
                                 qint64 bucketMs) = 0;
    // The verdict, evidence and sentence of one failed CI pull (the Events page's details).
    virtual void requestVerdict(const StoredEvent &event) = 0;

signals:
    void overviewReady(const QList<pw::OverviewRow> &rows, qint64 nowMs);
    void failuresReady(const pw::FailureSummary &summary);
    void eventsReady(const pw::EventPageQuery &query, const QList<pw::StoredEvent> &page);
    void compareReady(const pw::ComparisonData &comparison);
    void timelineReady(const pw::TimelineData &timeline);
    void verdictReady(qint64 eventId, const pw::CiVerdict &verdict);
    // The history grew or changed (this process or another one wrote to it): pages refresh.
    void historyChanged();
    // Every image's Overview row whatever the filter (the tray and its notifications), at
    // first, after the history changed, and at least once a minute.
    void statusNow(const QList<pw::OverviewRow> &rows, qint64 nowMs);
    // The history's images, at first and whenever one is added (the filter's choices).
    void imagesChanged(const QList<pw::ImageInfo> &images);
    // The history's size, for the status bar; sent after each answer.
    void historySize(qint64 events, qint64 images);
    void failed(const QString &message);
};

} // namespace pw

Q_DECLARE_METATYPE(pw::OverviewRow)
Q_DECLARE_METATYPE(pw::FailureSummary)
Q_DECLARE_METATYPE(pw::EventFilter)
Q_DECLARE_METATYPE(pw::EventPageQuery)
Q_DECLARE_METATYPE(pw::StoredEvent)
Q_DECLARE_METATYPE(pw::CompareRow)
Q_DECLARE_METATYPE(pw::ComparisonData)
Q_DECLARE_METATYPE(pw::CiVerdict)
Q_DECLARE_METATYPE(pw::TimeRange)
Q_DECLARE_METATYPE(pw::TimelineData)
Q_DECLARE_METATYPE(pw::ImageInfo)
