// A scenario file read into typed parts: the seed, the cluster, the network
// model and the workload. `--set` overrides are applied to the YAML before it
// is read, so they pass the same checks and report their own origin; the
// resolved scenario (defaults filled in, overrides applied) is kept as YAML
// for the result file's /meta.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/run/catalog.hpp"
#include "sim/horizon/policies.hpp"
#include "sim/exec/cluster.hpp"

namespace orrery::run {

struct Scenario {
  std::uint64_t seed = 1;
  config::Limits limits;  // `limits`: caps raised deliberately
  exec::ClusterSpec cluster;
  std::shared_ptr<const exec::NetworkModel> network;
  std::shared_ptr<const workload::Workload> workload;
  std::shared_ptr<const models::CollectiveLibrary> collectives;  // the algorithms collectives may run
  horizon::Policies policies;
  std::string file;
  std::string resolved_yaml;
  bool full = false;  // no symmetry reduction (orrery run --full)
};

// `sets` are "key.path=value" strings. Throws ConfigError.
Scenario load_scenario(const Catalog& catalog, const std::string& path, const std::vector<std::string>& sets,
                       std::optional<std::uint64_t> seed);
Scenario parse_scenario(const Catalog& catalog, const std::string& text, const std::string& file_name,
                        const std::vector<std::string>& sets, std::optional<std::uint64_t> seed);

// The `cluster` section's keys, read (or documented) into `spec`. Checks of the
// scale-out network that need the endpoint count are reported at their key.
void read_cluster(config::Reader& c, const Catalog& catalog, exec::ClusterSpec& spec);

// The top-level keys, read (or documented, in describe mode) into `s`.
void read_scenario(config::Reader& r, const Catalog& catalog, Scenario& s);

}  // namespace orrery::run
