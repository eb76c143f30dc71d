// "Did you mean ...?" for misspelt names: the nearest candidate by edit distance.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace orrery {

[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo
// (distance at most a third of the longer word, and at least 1 edit allowed;
// case and '-' for '_' are no edits).
[[nodiscard]] std::optional<std::string> nearest(std::string_view word, std::span<const std::string> candidates);

// "a, b, c" in the given order.
[[nodiscard]] std::string join(std::span<const std::string> items, std::string_view sep = ", ");

}  // namespace orrery
