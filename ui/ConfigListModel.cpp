#include "ConfigListModel.h"

#include <QApplication>
#include <QColor>
#include <QStyle>

#include <utility>

namespace pw {

using namespace Qt::StringLiterals;

namespace {

bool removes(const QJsonValue &value)
{
    return value.isUndefined() || value.isNull() ||
           (value.isString() && value.toString().isEmpty()) || (value.isBool() && !value.toBool());
}

} // namespace

QJsonValue jsonMember(const QJsonObject &object, const QString &path)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0)
        return object.value(path);
    return jsonMember(object.value(path.left(dot)).toObject(), path.mid(dot + 1));
}

void setJsonMember(QJsonObject &object, const QString &path, const QJsonValue &value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        if (removes(value))
            object.remove(path);
        else
            object.insert(path, value);
        return;
    }
    const QString head = path.left(dot);
    QJsonObject child = object.value(head).toObject();
    setJsonMember(child, path.mid(dot + 1), value);
    if (child.isEmpty())
        object.remove(head);
    else
        object.insert(head, child);
}

ConfigListModel::ConfigListModel(const QString &key, const QString &title,
                                 QList<ConfigColumn> columns, QObject *parent)
    : QAbstractTableModel(parent), m_key(key), m_title(title), m_columns(std::move(columns))
{}

void ConfigListModel::setElements(const QJsonArray &elements)
{
    beginResetModel();
    m_rows.clear();
    m_errors.clear();
    m_external.reset();
    for (const QJsonValue &element : elements) {
        m_rows.append(element.toObject());
        m_errors.append(QStringList());
        recheckRow(int(m_rows.size()) - 1);
    }
    endResetModel();
}

QJsonArray ConfigListModel::elements() const
{
    QJsonArray array;
    for (const QJsonObject &row : m_rows)
        array.append(row);
    return array;
}

void ConfigListModel::appendElement(const QJsonObject &element)
{
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(element);
    m_errors.append(QStringList());
    recheckRow(row);
    m_external.reset();
    endInsertRows();
    emit edited();
}

void ConfigListModel::removeElement(int row)
{
    if (row < 0 || row >= m_rows.size())
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    m_errors.removeAt(row);
    m_external.reset();
    endRemoveRows();
    emit edited();
}

int ConfigListModel::columnOfKey(const QString &key) const
{
    for (int column = 0; column < m_columns.size(); ++column) {
        if (m_columns[column].keys.contains(key))
            return column;
    }
    return -1;
}

void ConfigListModel::setExternalProblem(const Problem &problem)
{
    clearExternalProblem();
    if (problem.row < 0 || problem.row >= rowCount() || problem.column < 0 ||
        problem.column >= columnCount())
        return;
    m_external = problem;
    emit dataChanged(index(problem.row, problem.column), index(problem.row, problem.column));
}

void ConfigListModel::clearExternalProblem()
{
    if (const std::optional<Problem> old = std::exchange(m_external, std::nullopt))
        emit dataChanged(index(old->row, old->column), index(old->row, old->column));
}

std::optional<ConfigListModel::Problem> ConfigListModel::firstProblem() const
{
    for (int row = 0; row < rowCount(); ++row) {
        for (int column = 0; column < columnCount(); ++column) {
            if (const QString message = error(row, column); !message.isEmpty())
                return Problem{row, column, message};
        }
    }
    return std::nullopt;
}

int ConfigListModel::problemCount() const
{
    int count = 0;
    for (int row = 0; row < rowCount(); ++row) {
        for (int column = 0; column < columnCount(); ++column)
            count += error(row, column).isEmpty() ? 0 : 1;
    }
    return count;
}

int ConfigListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConfigListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant ConfigListModel::data(const QModelIndex &index, int role) const
{
    if (!valid(index))
        return {};
    const ConfigColumn &column = m_columns[index.column()];
    const bool applicable = applies(index.row(), index.column());
    const QString problem = error(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        if (column.kind == ConfigColumn::Check || !applicable)
            return {};
        return text(index.row(), index.column());
    case Qt::CheckStateRole:
        if (column.kind != ConfigColumn::Check)
            return {};
        return text(index.row(), index.column()) == u"true"_s ? Qt::Checked : Qt::Unchecked;
    case Qt::ToolTipRole:
        return problem.isEmpty() ? column.toolTip : problem;
    case Qt::AccessibleDescriptionRole:
    case ErrorRole:
        return problem;
    case Qt::DecorationRole:
        // An icon as well as the colour: a problem is never told by colour alone.
        if (!problem.isEmpty())
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        return {};
    case Qt::BackgroundRole:
        if (!problem.isEmpty())
            return QColor(0xFB, 0xE1, 0xD3); // a pale Okabe-Ito vermillion
        return {};
    default:
        return {};
    }
}

bool ConfigListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!valid(index) || !applies(index.row(), index.column()))
        return false;
    const ConfigColumn &column = m_columns[index.column()];
    QString text;
    if (column.kind == ConfigColumn::Check && role == Qt::CheckStateRole)
        text = value.toInt() == Qt::Checked ? u"true"_s : QString();
    else if (column.kind != ConfigColumn::Check && role == Qt::EditRole)
        text = value.toString();
    else
        return false;
    if (text == this->text(index.row(), index.column()))
        return true;
    QJsonObject &element = m_rows[index.row()];
    if (column.write)
        column.write(element, text);
    else if (column.kind == ConfigColumn::Check)
        setJsonMember(element, column.keys.first(), !text.isEmpty());
    else
        setJsonMember(element, column.keys.first(), text);
    clearExternalProblem();
    recheckRow(index.row());
    // Other cells of the row may change meaning too (auth type, provider).
    emit dataChanged(this->index(index.row(), 0), this->index(index.row(), columnCount() - 1));
    emit edited();
    return true;
}

Qt::ItemFlags ConfigListModel::flags(const QModelIndex &index) const
{
    if (!valid(index))
        return Qt::NoItemFlags;
    if (!applies(index.row(), index.column()))
        return Qt::ItemIsSelectable; // shown disabled: the member means nothing here
    const bool check = m_columns[index.column()].kind == ConfigColumn::Check;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled |
           (check ? Qt::ItemIsUserCheckable : Qt::ItemIsEditable);
}

QVariant ConfigListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical)
        return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section < 0 || section >= m_columns.size())
        return {};
    if (role == Qt::DisplayRole)
        return m_columns[section].header;
    if (role == Qt::ToolTipRole)
        return m_columns[section].toolTip;
    return {};
}

// Views and the model tester ask about invalid indexes too: no warning for those.
bool ConfigListModel::valid(const QModelIndex &index) const
{
    return index.isValid() && checkIndex(index, CheckIndexOption::ParentIsInvalid);
}

bool ConfigListModel::applies(int row, int column) const
{
    const ConfigColumn &c = m_columns[column];
    return !c.applies || c.applies(m_rows[row]);
}

QString ConfigListModel::text(int row, int column) const
{
    const ConfigColumn &c = m_columns[column];
    if (c.read)
        return c.read(m_rows[row]);
    const QJsonValue value = jsonMember(m_rows[row], c.keys.first());
    return value.isObject() || value.isArray() ? QString() : value.toVariant().toString();
}

QString ConfigListModel::error(int row, int column) const
{
    if (m_external && m_external->row == row && m_external->column == column)
        return m_external->message;
    return m_errors[row][column];
}

void ConfigListModel::recheckRow(int row)
{
    QStringList errors;
    for (int column = 0; column < m_columns.size(); ++column) {
        const ConfigColumn &c = m_columns[column];
        const bool check = c.check && applies(row, column);
        errors.append(check ? c.check(m_rows[row], text(row, column)) : QString());
    }
    m_errors[row] = errors;
}

} // namespace pw
