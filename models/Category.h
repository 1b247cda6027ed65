#pragma once

#include <QString>

#include <array>
#include <optional>

namespace pw {

// Failure categories of DESIGN.md. The numeric values are stored in history files: never renumber.
// Declared in classification order: when several causes apply, the lowest value wins.
enum class Category : quint8
{
    None = 0, // the pull succeeded
    Platform = 1,
    Integrity,
    Disk,
    RateLimit,
    Auth,
    NotFound,
    ServerError,
    Tls,
    Dns,
    Timeout,
    Connection,
    Transport,
    Canceled,
    Backoff,
    Unknown,
};

inline constexpr int CategoryCount = 16; // including None, so arrays index by the enum value

// All failure categories in classification order (None excluded).
inline constexpr std::array<Category, 15> FailureCategories = {
    Category::Platform, Category::Integrity, Category::Disk,        Category::RateLimit,
    Category::Auth,     Category::NotFound,  Category::ServerError, Category::Tls,
    Category::Dns,      Category::Timeout,   Category::Connection,  Category::Transport,
    Category::Canceled, Category::Backoff,   Category::Unknown};

// The fixed identifier ("rate_limit"); empty for None.
QString categoryId(Category category);
// A short human name ("Rate limit") for charts and tables.
QString categoryTitle(Category category);
// Parses a fixed identifier; std::nullopt when it is not one.
std::optional<Category> categoryFromId(QStringView id);

} // namespace pw
