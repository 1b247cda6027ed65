#include "TimelineGrid.h"

#include "StatusStyle.h"
#include "items/TimelineModel.h"

#include <QApplication>
#include <QHeaderView>
#include <QMouseEvent>
#include <QPainter>

namespace pw {

namespace {
void paintCell(QPainter *painter, const QRectF &area, BucketState state)
{
    QRectF r = area;
    if (state != BucketState::Down) // down stands out by height as well as colour
        r.adjust(0, area.height() * 0.2, 0, -area.height() * 0.2);
    if (state == BucketState::NoData) {
        const QColor grey = StatusStyle::color(state);
        painter->fillRect(r, QBrush(grey, Qt::BDiagPattern));
        return;
    }
    painter->fillRect(r, StatusStyle::color(state));
}
} // namespace

void TimelineCellDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const
{
    const auto state = static_cast<BucketState>(index.data(TimelineModel::StateRole).toInt());
    const QRectF area = QRectF(option.rect).adjusted(0, 2, option.rect.width() > 3 ? -1 : 0, -2);
    painter->save();
    // Over the style's selection panel: a selected cell keeps its colour, underlined.
    painter->fillRect(option.rect, option.palette.base());
    paintCell(painter, area, state);
    if (option.state & QStyle::State_Selected) // underlined: the fill keeps its meaning
        painter->fillRect(
            QRectF(option.rect.left(), option.rect.bottom() - 1, option.rect.width(), 2),
            option.palette.color(QPalette::Highlight));
    painter->restore();
}

TimelineGrid::TimelineGrid(QWidget *parent) : QTableView(parent)
{
    setItemDelegate(new TimelineCellDelegate(this));
    setShowGrid(false);
    setSelectionMode(QAbstractItemView::ContiguousSelection);
    setSelectionBehavior(QAbstractItemView::SelectItems);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setMouseTracking(true); // tooltips follow the cell under the pointer
    horizontalHeader()->hide();
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    horizontalHeader()->setMinimumSectionSize(1);
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(std::max(20, fontMetrics().height() + 4));
    setToolTip(QString()); // each cell says its numbers
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
}

QSize TimelineGrid::sizeHint() const
{
    const int rows = model() ? model()->rowCount() : 0;
    return {QTableView::sizeHint().width(),
            std::max(1, rows) * verticalHeader()->defaultSectionSize() + 2 * frameWidth()};
}

void TimelineGrid::setModel(QAbstractItemModel *model)
{
    QTableView::setModel(model);
    const auto resize = [this] { updateGeometry(); };
    connect(model, &QAbstractItemModel::modelReset, this, resize);
    connect(model, &QAbstractItemModel::rowsInserted, this, resize);
    connect(model, &QAbstractItemModel::rowsRemoved, this, resize);
}

void TimelineGrid::mousePressEvent(QMouseEvent *event)
{
    m_pressed = indexAt(event->position().toPoint());
    QTableView::mousePressEvent(event);
}

void TimelineGrid::mouseReleaseEvent(QMouseEvent *event)
{
    QTableView::mouseReleaseEvent(event);
    const QModelIndex released = indexAt(event->position().toPoint());
    if (event->button() != Qt::LeftButton || !m_pressed.isValid() || !released.isValid())
        return;
    if (released.column() == m_pressed.column())
        emit bucketActivated(released);
    else
        emit columnsDragged(std::min(released.column(), m_pressed.column()),
                            std::max(released.column(), m_pressed.column()));
}

TimelineLegend::TimelineLegend(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

QSize TimelineLegend::sizeHint() const
{
    return {600, fontMetrics().height() + 8};
}

void TimelineLegend::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const int h = fontMetrics().height();
    int x = 4;
    const std::pair<BucketState, QString> entries[] = {
        {BucketState::Up, bucketStateTitle(BucketState::Up)},
        {BucketState::Degraded, tr("Degraded (some pulls failed)")},
        {BucketState::Down, tr("Down (every pull failed)")},
        {BucketState::NoData, tr("No data (nothing recorded)")}};
    for (const auto &[state, title] : entries) {
        paintCell(&painter, QRectF(x, 4, 8, h), state);
        x += 12;
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(x, 4, fontMetrics().horizontalAdvance(title) + 2, h),
                         Qt::AlignVCenter, title);
        x += fontMetrics().horizontalAdvance(title) + 18;
    }
    const QString hint = tr("Click a cell for its events; drag across cells to zoom.");
    painter.drawText(QRect(x, 4, width() - x, h), Qt::AlignVCenter | Qt::AlignRight, hint);
}

} // namespace pw
