// Helpers for topology tests: build an `orrery topo` spec from YAML text, or
// get the located error that reading or building it throws.
#pragma once

#include <string>

#include "sim/run/topo_spec.hpp"

namespace orrery::topo::testing {

inline run::TopoSpec build_spec(const std::string& text) {
  const run::Catalog catalog;
  return run::parse_topo_spec(catalog, text, "t.yaml");
}

// The message of the ConfigError that `text` raises, or "(no error)".
inline std::string spec_error(const std::string& text) {
  try {
    (void)build_spec(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// "endpoints: N" and a one-line topology section.
inline std::string topo_text(int endpoints, const std::string& topology) {
  return "endpoints: " + std::to_string(endpoints) + "\ntopology: " + topology + "\n";
}

}  // namespace orrery::topo::testing
