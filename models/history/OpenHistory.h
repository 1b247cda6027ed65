#pragma once

#include "Result.h"
#include "history/HistoryStore.h"

#include <memory>

namespace pw {

// The one way in to a history for code outside models/history/: the backend is chosen by the
// location (today a file path: SQLite). A location that is not a pullwatch history is refused
// and left untouched.
Result<std::unique_ptr<HistoryStore>> openHistory(const QString &location,
                                                  HistoryAccess access = HistoryAccess::ReadWrite);
// Deletes a history with every file that belongs to it.
Status removeHistory(const QString &location);
// $XDG_DATA_HOME/pullwatch/history.db
QString defaultHistoryPath();

// A history opened on first use, by the thread that uses it (one connection per thread):
// workers hold one and ask for the store whenever they need it.
class HistoryConnection
{
public:
    explicit HistoryConnection(QString location) : m_location(std::move(location)) {}

    Result<HistoryStore *> store()
    {
        if (!m_store) {
            auto opened = openHistory(m_location);
            if (!opened)
                return Error{opened.error()};
            m_store = std::move(*opened);
        }
        return m_store.get();
    }

private:
    QString m_location;
    std::unique_ptr<HistoryStore> m_store;
};

} // namespace pw
