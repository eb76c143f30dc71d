// `orrery topo SPEC.yaml`: builds a topology from a spec file
// (`endpoints: N` and `topology: {kind: ..., ...}`) and prints its size,
// diameter and average route length.
#pragma once

#include <string>
#include <vector>

namespace orrery::cli {

int topo_report(const std::vector<std::string>& args);

}  // namespace orrery::cli
