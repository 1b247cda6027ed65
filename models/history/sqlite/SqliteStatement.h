#pragma once

#include "Result.h"

#include <QByteArray>
#include <QString>

#include <sqlite3.h>

namespace pw {

// "PATH: what: SQLite's message" for a failure on the connection.
inline Error sqliteError(sqlite3 *db, const QString &path, const QString &what)
{
    return Error{path + QStringLiteral(": ") + what + QStringLiteral(": ") +
                 QString::fromUtf8(sqlite3_errmsg(db))};
}

// A prepared statement owned by RAII. Text is bound and read as UTF-8.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3 *db, const char *sql)
    {
        sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    }
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;
    SqliteStatement(SqliteStatement &&other) noexcept { swap(other); }
    SqliteStatement &operator=(SqliteStatement &&other) noexcept
    {
        swap(other);
        return *this;
    }
    ~SqliteStatement() { sqlite3_finalize(m_stmt); }

    bool isValid() const { return m_stmt != nullptr; }

    void bind(int i, qint64 v) { sqlite3_bind_int64(m_stmt, i, v); }
    void bindNull(int i) { sqlite3_bind_null(m_stmt, i); }
    // Binds v, or NULL when v equals the "absent" value (NULLs cost no bytes on disk).
    void bindOrNull(int i, qint64 v, qint64 absent = 0)
    {
        if (v == absent)
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_int64(m_stmt, i, v);
    }
    void bindText(int i, const QByteArray &utf8)
    {
        sqlite3_bind_text(m_stmt, i, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    void bindText(int i, const QString &text) { bindText(i, text.toUtf8()); }
    void bindBlob(int i, const QByteArray &blob)
    {
        sqlite3_bind_blob(m_stmt, i, blob.constData(), int(blob.size()), SQLITE_TRANSIENT);
    }

    int step() { return sqlite3_step(m_stmt); }
    // Runs a statement that returns no rows; resets it for reuse.
    int exec()
    {
        const int rc = sqlite3_step(m_stmt);
        sqlite3_reset(m_stmt);
        return rc == SQLITE_ROW ? SQLITE_DONE : rc;
    }
    // Runs an INSERT … RETURNING id; the new id, or 0 on failure. Unlike
    // sqlite3_last_insert_rowid() this stays right while another thread inserts too.
    qint64 insertReturningId()
    {
        const qint64 id = sqlite3_step(m_stmt) == SQLITE_ROW ? sqlite3_column_int64(m_stmt, 0) : 0;
        const int rc = sqlite3_reset(m_stmt);
        return rc == SQLITE_OK ? id : 0;
    }
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }

    bool isNull(int c) const { return sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }
    qint64 int64(int c) const { return sqlite3_column_int64(m_stmt, c); }
    QString text(int c) const
    {
        return QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, c)),
                                 sqlite3_column_bytes(m_stmt, c));
    }
    const char *blobData(int c) const
    {
        return static_cast<const char *>(sqlite3_column_blob(m_stmt, c));
    }
    int blobSize(int c) const { return sqlite3_column_bytes(m_stmt, c); }

private:
    void swap(SqliteStatement &other) noexcept { std::swap(m_stmt, other.m_stmt); }

    sqlite3_stmt *m_stmt = nullptr;
};

} // namespace pw
