#include "Category.h"

#include <QCoreApplication>

namespace pw {

namespace {
struct CategoryName
{
    const char *id;
    const char *title;
};

constexpr std::array<CategoryName, CategoryCount> Names = {{
    {"", QT_TRANSLATE_NOOP("Category", "OK")},
    {"platform", QT_TRANSLATE_NOOP("Category", "Platform")},
    {"integrity", QT_TRANSLATE_NOOP("Category", "Integrity")},
    {"disk", QT_TRANSLATE_NOOP("Category", "Disk full")},
    {"rate_limit", QT_TRANSLATE_NOOP("Category", "Rate limit")},
    {"auth", QT_TRANSLATE_NOOP("Category", "Auth")},
    {"not_found", QT_TRANSLATE_NOOP("Category", "Not found")},
    {"server_error", QT_TRANSLATE_NOOP("Category", "Server error")},
    {"tls", QT_TRANSLATE_NOOP("Category", "TLS")},
    {"dns", QT_TRANSLATE_NOOP("Category", "DNS")},
    {"timeout", QT_TRANSLATE_NOOP("Category", "Timeout")},
    {"connection", QT_TRANSLATE_NOOP("Category", "Connection")},
    {"transport", QT_TRANSLATE_NOOP("Category", "Transport")},
    {"canceled", QT_TRANSLATE_NOOP("Category", "Canceled")},
    {"backoff", QT_TRANSLATE_NOOP("Category", "Back-off")},
    {"unknown", QT_TRANSLATE_NOOP("Category", "Unknown")},
}};
} // namespace

QString categoryId(Category category)
{
    return QString::fromLatin1(Names[static_cast<int>(category)].id);
}

QString categoryTitle(Category category)
{
    return QCoreApplication::translate("Category", Names[static_cast<int>(category)].title);
}

std::optional<Category> categoryFromId(QStringView id)
{
    for (Category c : FailureCategories) {
        if (id == QLatin1StringView(Names[static_cast<int>(c)].id))
            return c;
    }
    return std::nullopt;
}

} // namespace pw
