// Documentation generated from the same `read` functions that parse
// scenarios, so it cannot drift: `orrery describe FAMILY NAME [--markdown]`
// and the key reference in scenarios/README.md.
#pragma once

#include <string>

#include "sim/run/catalog.hpp"

namespace orrery::run {

// One registered part's keys; throws ConfigError naming the valid entries when unknown.
[[nodiscard]] std::string describe_entry(const Catalog& catalog, const std::string& family, const std::string& name,
                                         bool markdown);
// The top-level scenario keys.
[[nodiscard]] std::string describe_scenario(const Catalog& catalog, bool markdown);
// Every family and entry, as the markdown reference.
[[nodiscard]] std::string reference_markdown(const Catalog& catalog);

}  // namespace orrery::run
