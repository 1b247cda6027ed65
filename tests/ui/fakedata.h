#pragma once

#include "ports/DashboardData.h"

// DashboardData for page tests: answers at once with what it holds, remembering what was asked.
class FakeData : public pw::DashboardData
{
    Q_OBJECT
public:
    QList<pw::OverviewRow> rows;
    pw::FailureSummary failures;
    QList<pw::EventFilter> asked;
    QList<pw::TimeRange> askedRanges;
    QList<pw::StoredEvent> events; // newest first, ids descending
    QList<pw::EventPageQuery> askedPages;
    pw::ComparisonData compare;
    QList<pw::CiVerdict> verdicts; // requestVerdict answers with the one of the same time
    pw::TimelineData timeline;

    void requestOverview(const pw::EventFilter &filter) override
    {
        asked.append(filter);
        emit overviewReady(rows, 1'747'526'400'000);
    }
    void requestFailures(const pw::EventFilter &filter, const pw::TimeRange &range, qint64) override
    {
        asked.append(filter);
        askedRanges.append(range);
        emit failuresReady(failures);
    }
    void requestCompare(const pw::EventFilter &filter, const pw::TimeRange &range) override
    {
        asked.append(filter);
        askedRanges.append(range);
        pw::ComparisonData answer = compare;
        answer.range = range;
        emit compareReady(answer);
    }
    void requestTimeline(const pw::EventFilter &filter, const pw::TimeRange &range,
                         qint64) override
    {
        asked.append(filter);
        askedRanges.append(range);
        emit timelineReady(timeline); // its own range: cells map to fixed times
    }
    void requestVerdict(const pw::StoredEvent &stored) override
    {
        for (const pw::CiVerdict &v : verdicts)
            if (v.event.ts == stored.event.ts)
                emit verdictReady(stored.id, v);
    }
    void requestEvents(const pw::EventPageQuery &query) override
    {
        askedPages.append(query);
        QList<pw::StoredEvent> ordered = events;
        if (query.oldestFirst)
            std::reverse(ordered.begin(), ordered.end());
        QList<pw::StoredEvent> page;
        for (const pw::StoredEvent &stored : ordered) {
            if ((query.beforeId == 0 || stored.id < query.beforeId) &&
                (query.afterId == 0 || stored.id > query.afterId) && page.size() < query.limit &&
                (query.search.isEmpty() ||
                 stored.event.message.contains(query.search, Qt::CaseInsensitive)))
                page.append(stored);
        }
        emit eventsReady(query, page);
    }
};
