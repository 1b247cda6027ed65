#include "history/OpenHistory.h"

#include "history/sqlite/SqliteHistoryStore.h"

namespace pw {

Result<std::unique_ptr<HistoryStore>> openHistory(const QString &location, HistoryAccess access)
{
    Result<std::unique_ptr<SqliteHistoryStore>> store = SqliteHistoryStore::open(location, access);
    if (!store)
        return Error{store.error()};
    return std::unique_ptr<HistoryStore>(std::move(*store));
}

Status removeHistory(const QString &location)
{
    return SqliteHistoryStore::remove(location);
}

QString defaultHistoryPath()
{
    return SqliteHistoryStore::defaultPath();
}

} // namespace pw
