#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

#include <functional>
#include <optional>

namespace pw {

// One column of a config list: which members of an element it shows and edits, and what it
// accepts. Columns whose reader and writer are empty edit keys.first() as a string (dots nest:
// "auth.username"); an empty string or an unchecked box removes the member.
struct ConfigColumn
{
    enum Kind
    {
        Text,
        Check,
        Choice
    };

    QString header;
    QString toolTip;
    QStringList keys; // every member it stands for, so the loader's complaints find their cell
    Kind kind = Text;
    QStringList choices;
    std::function<QString(const QJsonObject &)> read;
    std::function<void(QJsonObject &, const QString &)> write;
    // Empty when the cell is fine; called with the element and the cell's text.
    std::function<QString(const QJsonObject &, const QString &)> check;
    // False: the cell means nothing for this element (a username under token auth).
    std::function<bool(const QJsonObject &)> applies;
};

// A list of the config ("images", "registries", "ci") as a table. Each row keeps its whole JSON
// element, so members without a column (platform, workflow …) survive an edit untouched.
// Problems are marked on the cell (tool tip, warning icon, background) and listed by
// firstProblem() for the dialog's message line.
class ConfigListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Role
    {
        ErrorRole = Qt::UserRole + 1, // QString: what is wrong with the cell, or empty
    };

    struct Problem
    {
        int row = -1;
        int column = -1;
        QString message;
    };

    // key: the member of the config it edits ("images"); title: how messages name it.
    ConfigListModel(const QString &key, const QString &title, QList<ConfigColumn> columns,
                    QObject *parent = nullptr);

    const QString &key() const { return m_key; }
    const QString &title() const { return m_title; }
    const ConfigColumn &column(int column) const { return m_columns.at(column); }

    void setElements(const QJsonArray &elements);
    QJsonArray elements() const;
    void appendElement(const QJsonObject &element);
    void removeElement(int row);

    // The first column that stands for key (as ConfigIssue::key names it), or -1.
    int columnOfKey(const QString &key) const;
    // A problem found by checking the whole document; cleared by the next edit.
    void setExternalProblem(const Problem &problem);
    void clearExternalProblem();
    // The first problem in row, then column order (the external one counts too).
    std::optional<Problem> firstProblem() const;
    int problemCount() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    // Any change by the user (cell, added or removed row); the dialog validates again.
    void edited();

private:
    bool valid(const QModelIndex &index) const;
    bool applies(int row, int column) const;
    QString text(int row, int column) const;
    QString error(int row, int column) const;
    void recheckRow(int row);

    QString m_key;
    QString m_title;
    QList<ConfigColumn> m_columns;
    QList<QJsonObject> m_rows;
    QList<QStringList> m_errors; // per row, per column: the cell's own check
    std::optional<Problem> m_external;
};

// Reads and writes a member by a dotted path ("auth.type"); writing "", false or undefined removes
// it, and an object left empty by that goes too.
QJsonValue jsonMember(const QJsonObject &object, const QString &path);
void setJsonMember(QJsonObject &object, const QString &path, const QJsonValue &value);

} // namespace pw
