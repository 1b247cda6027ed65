#pragma once

#include "history/HistoryStore.h"
#include "history/sqlite/SqliteStatement.h"

#include <QHash>
#include <QSet>

namespace pw {

class SqliteDimensions;

// When a probed image's digest changed (the registry began serving another image): a small
// table that every append keeps current, so a timeline marks the changes of any range without
// reading raw events. Only successful probes count: CI logs arrive late and out of order.
class SqliteDigestChanges
{
public:
    SqliteDigestChanges(sqlite3 *db, sqlite3 *reader, QString path);

    // Inside an append: begin(), feed() per stored event (time order per image; reads go
    // through the reader connection only), then flush() on the writing connection after the
    // batch's rows are inserted.
    void begin(bool tableEmpty = false);
    void feed(int image, const PullEvent &event, qint64 digestId);
    Status flush();

    // Changes inside the range, oldest first; imageSql as SqliteEventReader::imageFilterSql.
    Result<QList<DigestChange>> inRange(const QString &imageSql, const TimeRange &range,
                                        const SqliteDimensions &dimensions) const;

private:
    struct Last
    {
        qint64 ts = 0;
        qint64 digest = 0; // 0: none seen yet
    };
    struct Change
    {
        int image;
        qint64 ts;
        qint64 digest;
        qint64 previous;
    };
    Last &lastOf(int image);
    Status rebuild(int image);

    sqlite3 *m_db;
    sqlite3 *m_reader;
    QString m_path;
    bool m_tableEmpty = false;
    QHash<int, Last> m_last; // this batch's view of each image's latest digest
    QList<Change> m_pending;
    QSet<int> m_outOfOrder; // images with an event older than their latest change
};

} // namespace pw
