#include "items/EventsModel.h"

#include "items/OverviewModel.h"
#include "TimeFormat.h"

namespace pw {

EventsModel::EventsModel(QObject *parent) : QAbstractTableModel(parent) {}

void EventsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_complete = false;
    m_waiting = false;
    endResetModel();
}

void EventsModel::appendPage(const QList<StoredEvent> &page, int pageSize)
{
    m_complete = page.size() < pageSize;
    if (!page.isEmpty()) {
        // Still "waiting" while rows go in: a view that fetches on rowsInserted must not ask
        // for the page after a cursor that has not moved yet.
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(page.size()) - 1);
        m_rows.append(page);
        endInsertRows();
    }
    m_waiting = false;
}

void EventsModel::prependNewer(const QList<StoredEvent> &newer)
{
    if (newer.isEmpty())
        return;
    beginInsertRows({}, 0, static_cast<int>(newer.size()) - 1);
    m_rows = newer + m_rows;
    endInsertRows();
}

qint64 EventsModel::eventId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].id : 0;
}

const PullEvent *EventsModel::event(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row].event : nullptr;
}

int EventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int EventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool EventsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_complete && !m_waiting;
}

void EventsModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_waiting = true;
    emit moreWanted(m_rows.isEmpty() ? 0 : m_rows.last().id);
}

QVariant EventsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StoredEvent &stored = m_rows[index.row()];
    const PullEvent &e = stored.event;
    if (role == EventIdRole)
        return stored.id;
    if (role == RawRole) {
        switch (index.column()) {
        case TimeColumn:
            return e.ts;
        case SourceColumn:
            return static_cast<int>(e.source);
        case ImageColumn:
            return e.image;
        case OutcomeColumn:
            return e.ok;
        case CategoryColumn:
            return static_cast<int>(e.category);
        case HttpStatusColumn:
            return e.httpStatus;
        case LatencyColumn:
            return e.latencyMs;
        case RuleColumn:
            return e.rule;
        case JobColumn:
            return e.ci.jobUrl;
        case MessageColumn:
            return e.message;
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return timeformat::toIso8601(e.ts);
    case SourceColumn:
        return sourceId(e.source);
    case ImageColumn:
        return e.image;
    case OutcomeColumn:
        return e.ok ? tr("ok") : tr("failed");
    case CategoryColumn:
        return e.ok ? QString() : categoryTitle(e.category);
    case HttpStatusColumn:
        return e.httpStatus ? QString::number(e.httpStatus) : QString();
    case LatencyColumn:
        return e.latencyMs >= 0 ? formatLatency(e.latencyMs) : QString();
    case RuleColumn:
        return e.rule;
    case JobColumn:
        return e.ci.jobName.isEmpty() ? e.ci.repo : e.ci.jobName;
    case MessageColumn:
        // The first line; the details pane shows it all, as plain text.
        return e.message.section(u'\n', 0, 0);
    }
    return {};
}

QVariant EventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section == TimeColumn)
        return tr("Click to show the oldest or the newest events first");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time (UTC)");
    case SourceColumn:
        return tr("Source");
    case ImageColumn:
        return tr("Image");
    case OutcomeColumn:
        return tr("Outcome");
    case CategoryColumn:
        return tr("Category");
    case HttpStatusColumn:
        return tr("HTTP");
    case LatencyColumn:
        return tr("Latency");
    case RuleColumn:
        return tr("Rule / step");
    case JobColumn:
        return tr("CI job");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace pw
