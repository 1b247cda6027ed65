#pragma once

#include "history/HistoryStore.h"
#include "history/sqlite/SqliteStatement.h"

#include <QHash>

#include <vector>

namespace pw {

// The history's dimension tables: images, registries, digests, rules, messages and CI jobs, with
// caches both ways. While events are encoded, a new string gets its id from an in-memory counter
// and is only written by flush(); strings missing from the caches are looked up through a
// separate read-only connection. Encoding therefore never touches the writing connection, which
// may be inserting event rows on another thread meanwhile.
class SqliteDimensions
{
public:
    SqliteDimensions(sqlite3 *db, sqlite3 *reader, QString path);

    Status prepare();
    // Drops every cache and unwritten id, e.g. after a rolled-back transaction.
    void reset();
    // Between transactions (everything written is committed and visible to the look-up
    // connection): empties caches that grew past a bound, so a long-running process does not
    // keep every CI job and message it ever saw in memory.
    void trimCaches();

    // Ids for an event's strings (0 for an empty string), made on first use.
    Result<int> image(const QString &ref, const QString &registry);
    Result<int> digest(const QString &text) { return intern(m_digests, text); }
    Result<int> rule(const QString &text) { return intern(m_rules, text); }
    Result<int> message(const QString &text) { return intern(m_messages, text); }
    Result<int> job(const CiContext &ci);
    // The rows made since the last take, as copies that write() can store from another thread
    // while encoding goes on here.
    struct Unwritten;
    Unwritten takeUnwritten();
    Status write(const Unwritten &rows);
    Status flush(); // write(takeUnwritten())

    const QHash<int, ImageInfo> &images() const { return m_images; }
    ImageInfo &imageInfo(int id) { return m_images[id]; }
    Status setImageInfo(const QString &ref, const QString &group, const QString &label);
    Status storeImageCounts(const ImageInfo &info);

    QString digestText(qint64 id) const { return textOf(m_digests, id); }
    QString ruleText(qint64 id) const { return textOf(m_rules, id); }
    QString messageText(qint64 id) const { return textOf(m_messages, id); }
    CiContext jobOf(qint64 id) const;

private:
    struct TextTable
    {
        const char *name;
        bool hashed; // long strings are found by a 64-bit hash, not by a UNIQUE text index
        QHash<QString, int> ids;
        QHash<int, QString> texts;
        int nextId = 1;
        SqliteStatement lookup, add, byId;
    };

public:
    struct Unwritten
    {
        struct Text
        {
            TextTable *table;
            int id;
            QString text;
        };
        struct Image
        {
            int id;
            QString ref;
            int registryId;
        };
        std::vector<Text> texts;
        struct Job
        {
            int id;
            qint64 hash;
            CiContext ci;
        };
        std::vector<Job> jobs;
        std::vector<Image> images;
    };

private:
    Result<int> intern(TextTable &table, const QString &text);
    QString textOf(TextTable &table, qint64 id) const;
    Error sqlError(sqlite3 *db, const QString &what) const;
    int maxId(const char *table) const;

    sqlite3 *m_db;
    sqlite3 *m_reader;
    QString m_path;

    QHash<QString, int> m_imageIds;
    QHash<int, ImageInfo> m_images;
    int m_nextImageId = 1;
    Unwritten m_unwritten;
    SqliteStatement m_addImage, m_updateImage;

    mutable TextTable m_registries{"registry", false, {}, {}, 1, {}, {}, {}};
    mutable TextTable m_digests{"digest", true, {}, {}, 1, {}, {}, {}};
    mutable TextTable m_rules{"rule", false, {}, {}, 1, {}, {}, {}};
    mutable TextTable m_messages{"message", true, {}, {}, 1, {}, {}, {}};

    QHash<QString, int> m_jobIds;
    CiContext m_lastJob; // CI events come job by job: most look-ups are the previous one
    int m_lastJobId = 0;
    mutable QHash<int, CiContext> m_jobs;
    int m_nextJobId = 1;
    SqliteStatement m_lookupJob, m_addJob;
    mutable SqliteStatement m_jobById;
};

// FNV-1a: stable across runs and Qt versions (qHash is not), since the hashes are stored.
quint64 stableHash(const QByteArray &bytes);

} // namespace pw
