#include "EventsPage.h"

#include "analysis/VerdictText.h"

#include "ports/DashboardData.h"
#include "items/DashboardState.h"
#include "items/EventsModel.h"
#include "TimeFormat.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QClipboard>
#include <QGuiApplication>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace pw {

EventsPage::EventsPage(DashboardState *state, DashboardData *data, QWidget *parent)
    : QWidget(parent), m_state(state), m_data(data), m_model(new EventsModel(this)),
      m_search(new QLineEdit(this)), m_scope(new QLabel(this)),
      m_clearScope(new QPushButton(tr("Show all"), this)), m_table(new QTableView(this)),
      m_details(new QPlainTextEdit(this)), m_openJob(new QPushButton(tr("Open CI job"), this)),
      m_verdict(new QLabel(this)), m_copySentence(new QPushButton(tr("Copy sentence"), this)),
      m_searchDelay(new QTimer(this))
{
    m_search->setPlaceholderText(tr("Search image or message…"));
    m_search->setClearButtonEnabled(true);
    m_scope->setTextFormat(Qt::PlainText);
    m_clearScope->hide();
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Time is the order the history keeps (the sort runs in SQL); other columns do not sort.
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    m_table->horizontalHeader()->setSortIndicator(EventsModel::TimeColumn, Qt::DescendingOrder);
    connect(m_table->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int section) {
        if (section == EventsModel::TimeColumn) {
            m_oldestFirst = !m_oldestFirst;
            reload();
        }
        m_table->horizontalHeader()->setSortIndicator(
            EventsModel::TimeColumn, m_oldestFirst ? Qt::AscendingOrder : Qt::DescendingOrder);
    });
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setWordWrap(false);
    // Widths for what the columns hold; the message takes the rest.
    const int digit = fontMetrics().horizontalAdvance(u'0');
    const std::pair<int, int> widths[] = {
        {EventsModel::TimeColumn, 26},     {EventsModel::SourceColumn, 7},
        {EventsModel::ImageColumn, 44},    {EventsModel::OutcomeColumn, 8},
        {EventsModel::CategoryColumn, 13}, {EventsModel::HttpStatusColumn, 6},
        {EventsModel::LatencyColumn, 9},   {EventsModel::RuleColumn, 20},
        {EventsModel::JobColumn, 20}};
    for (const auto &[column, chars] : widths)
        m_table->setColumnWidth(column, chars * digit);
    m_details->setReadOnly(true); // plain text: a log line is never read as markup
    m_details->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_openJob->setEnabled(false);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 1);
    bar->addWidget(m_scope);
    bar->addWidget(m_clearScope);
    auto *detailsBox = new QWidget(this);
    auto *detailsLayout = new QVBoxLayout(detailsBox);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_details, 1);
    detailsLayout->addWidget(m_verdict);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_copySentence);
    buttons->addWidget(m_openJob);
    detailsLayout->addLayout(buttons);
    m_verdict->setTextFormat(Qt::PlainText);
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->hide();
    m_copySentence->setEnabled(false);
    connect(m_copySentence, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_sentence); });
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(detailsBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    m_searchDelay->setSingleShot(true);
    m_searchDelay->setInterval(300); // search as one types, not on every key
    connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
    connect(m_searchDelay, &QTimer::timeout, this, &EventsPage::reload);
    connect(m_clearScope, &QPushButton::clicked, this, [this] {
        m_narrowed.reset();
        reload();
    });
    connect(m_model, &EventsModel::moreWanted, this, &EventsPage::requestPage);
    if (m_data)
        connect(m_data, &DashboardData::verdictReady, this, &EventsPage::showVerdict);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventsPage::showDetails);
    connect(m_openJob, &QPushButton::clicked, this, [this] {
        if (const PullEvent *e = m_model->event(m_table->currentIndex().row()))
            QDesktopServices::openUrl(QUrl(e->ci.jobUrl));
    });
    if (m_state)
        connect(m_state, &DashboardState::changed, this, [this] {
            m_narrowed.reset(); // a new shared filter replaces a slice's
            reload();
        });
    if (m_data) {
        connect(m_data, &DashboardData::eventsReady, this,
                [this](const EventPageQuery &query, const QList<StoredEvent> &page) {
                    // Pages of an earlier query (range, filter or search since changed) are
                    // not this table's.
                    if (query.filter != m_query.filter || query.search != m_query.search)
                        return;
                    if (query.oldestFirst != m_query.oldestFirst)
                        return;
                    if ((query.afterId == 0 || query.oldestFirst) && query.range == m_query.range)
                        m_model->appendPage(page, query.limit);
                    else if (query.afterId > 0 && query.afterId == m_model->newestId())
                        showNewer(page, query.limit);
                });
        connect(m_data, &DashboardData::historyChanged, this, &EventsPage::requestNewer);
        QTimer::singleShot(0, this, &EventsPage::reload);
    }
}

void EventsPage::showFilter(const EventFilter &filter, const TimeRange &range)
{
    m_narrowed = filter;
    m_narrowedRange = range;
    reload();
}

void EventsPage::reload()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_query = EventPageQuery();
    m_query.filter = m_narrowed ? *m_narrowed : m_state ? m_state->filter() : EventFilter();
    m_query.range = m_narrowed && !m_narrowedRange.isEmpty() ? m_narrowedRange
                    : m_state                                ? m_state->range(now)
                                                             : TimeRange{0, now + 1};
    m_query.search = m_search->text().trimmed();
    m_query.limit = PageSize;
    m_query.oldestFirst = m_oldestFirst;
    m_scope->setVisible(m_narrowed.has_value());
    m_clearScope->setVisible(m_narrowed.has_value());
    if (m_narrowed) {
        QStringList parts;
        if (m_narrowed->category)
            parts << categoryTitle(*m_narrowed->category);
        parts << m_narrowed->registries << m_narrowed->images;
        if (!m_narrowedRange.isEmpty())
            parts << tr("%1 – %2 UTC")
                         .arg(timeformat::toMinute(m_narrowedRange.from),
                              timeformat::toMinute(m_narrowedRange.to));
        const QString what = parts.join(QStringLiteral(", "));
        m_scope->setText(m_narrowed->ok == false ? tr("Failed pulls: %1").arg(what)
                                                 : tr("Pulls: %1").arg(what));
    }
    m_details->clear();
    m_openJob->setEnabled(false);
    m_model->clear();
    if (m_model->canFetchMore({}))
        m_model->fetchMore({});
}

void EventsPage::requestNewer()
{
    // Rows newer than the top one; a preset range moves with the clock, a custom or bucket
    // range stays put.
    if (!m_data)
        return;
    if (m_model->newestId() == 0)
        return reload();
    if (m_oldestFirst) { // new events come at the end: the next fetch finds them
        if (m_model->isComplete()) {
            m_model->expectMore();
            if (m_model->canFetchMore({}))
                m_model->fetchMore({});
        }
        return;
    }
    EventPageQuery query = m_query;
    if (m_state && m_state->preset() != DashboardState::Preset::Custom && m_narrowedRange.isEmpty())
        query.range.to = std::max(query.range.to, QDateTime::currentMSecsSinceEpoch() + 1);
    query.afterId = m_model->newestId();
    m_data->requestEvents(query);
}

void EventsPage::showNewer(const QList<StoredEvent> &newer, int limit)
{
    if (newer.size() >= limit)
        return reload(); // more arrived than a page: start over at the newest
    // Rows appear above: someone reading further down keeps seeing the same rows, someone at
    // the top sees the new ones.
    QScrollBar *bar = m_table->verticalScrollBar();
    const bool atTop = bar->value() == bar->minimum();
    const int value = bar->value();
    m_model->prependNewer(newer);
    if (!atTop)
        bar->setValue(value + int(newer.size()) *
                                  (m_table->verticalScrollMode() == QAbstractItemView::ScrollPerItem
                                       ? 1
                                       : m_table->verticalHeader()->defaultSectionSize()));
}

void EventsPage::requestPage(qint64 cursor)
{
    if (!m_data)
        return;
    EventPageQuery query = m_query;
    (m_oldestFirst ? query.afterId : query.beforeId) = cursor;
    m_data->requestEvents(query);
}

void EventsPage::showDetails()
{
    const int row = m_table->currentIndex().row();
    const PullEvent *e = m_model->event(row);
    m_verdict->hide();
    m_sentence.clear();
    m_copySentence->setEnabled(false);
    if (!e) {
        m_details->clear();
        m_openJob->setEnabled(false);
        return;
    }
    if (e->source == Source::Ci && !e->ok && m_data) {
        m_verdict->setText(tr("Verdict: judging from the probes around it…"));
        m_verdict->show();
        m_data->requestVerdict({m_model->eventId(row), *e});
    }
    QStringList lines;
    lines << tr("%1  %2  %3").arg(timeformat::toIso8601(e->ts), sourceId(e->source), e->image);
    lines << (e->ok ? tr("ok") : tr("failed: %1").arg(categoryTitle(e->category)));
    if (e->httpStatus)
        lines << tr("HTTP %1").arg(e->httpStatus);
    if (!e->digest.isEmpty())
        lines << tr("digest %1").arg(e->digest);
    if (!e->rule.isEmpty())
        lines << tr("rule / step: %1").arg(e->rule);
    if (!e->ci.isEmpty())
        lines << tr("CI: %1 %2, run %3, job %4 (%5), line %6")
                     .arg(e->ci.provider, e->ci.repo, e->ci.runId, e->ci.jobId, e->ci.jobName)
                     .arg(e->ciLine);
    lines << QString() << e->message;
    m_details->setPlainText(lines.join(u'\n'));
    m_openJob->setEnabled(!e->ci.jobUrl.isEmpty());
}

void EventsPage::showVerdict(qint64 eventId, const CiVerdict &v)
{
    if (eventId == 0 || eventId != m_model->eventId(m_table->currentIndex().row()))
        return; // the answer for a row no longer selected
    const VerdictEvidence &e = v.evidence;
    QStringList lines;
    lines << tr("Verdict: %1 — %2").arg(verdictTitle(v.verdict), v.advice);
    QString evidence = tr("Evidence: %1 of %2 probes%3 within ±%4 min succeeded")
                           .arg(e.probesOk)
                           .arg(e.probes)
                           .arg(e.sameImage ? QString() : tr(" of its registry"))
                           .arg(e.windowMs / 60000);
    if (e.p50Ms >= 0)
        evidence += tr(", p50 %1, slowest %2").arg(readableDuration(e.p50Ms), readableDuration(e.maxMs));
    if (e.cold)
        evidence += tr(", a cold build among them");
    lines << evidence << v.sentence;
    m_verdict->setText(lines.join(u'\n'));
    m_verdict->show();
    m_sentence = v.sentence;
    m_copySentence->setEnabled(true);
}

} // namespace pw
