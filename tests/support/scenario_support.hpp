// Helpers the scenario-driven tests share: read a scenario text and return
// the configuration error it raises, edit a scenario text, and read numbers
// from a run's summary.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/run/scenario.hpp"
#include "sim/run/simulation.hpp"

namespace orrery::test {

// A small training job (2 nodes of 8 A100, tp 8 × pp 2) that the policy tests
// complete with a `policies:` section (tests/cli/bad_inputs.sh uses the same).
inline constexpr const char* kSmallTraining = R"(cluster:
  nodes: 2
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 16 }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }
  parallel: { tp: 8, pp: 2 }
  training: { global_batch: 8 }
)";

// A training scenario on `nodes` DGX A100 nodes (NVSwitch, 8 × 200 Gb/s NICs,
// a two-level fat tree, the analytic network) with the given `model`,
// `parallel` and `training` mappings' contents.
inline std::string a100(int nodes, const std::string& model, const std::string& parallel, const std::string& training) {
  return fmt::format(R"(
cluster:
  nodes: {n}
  device: A100-SXM4-80GB
  node: {{ kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }}
  scale_out: {{ kind: fat_tree, levels: 2, radix: 64, link_latency: "700 ns" }}
network: {{ model: analytic }}
workload:
  kind: training
  model: {{ {model} }}
  parallel: {{ {parallel} }}
  training: {{ {training} }}
)",
                     fmt::arg("n", nodes), fmt::arg("model", model), fmt::arg("parallel", parallel),
                     fmt::arg("training", training));
}

// Reads and runs a scenario text.
inline run::RunOutput run_text(const std::string& text) {
  const run::Catalog catalog;
  return run::simulate(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt));
}

// The text of the ConfigError that reading `text` (with `sets`) throws, or "(no error)".
inline std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  const run::Catalog catalog;
  try {
    (void)run::parse_scenario(catalog, text, "s.yaml", sets, std::nullopt);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// `text` with the first `from` replaced by `to` (a test failure if `from` is absent).
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  return text.replace(at, from.size(), to);
}

// A scalar summary value as a double (a test failure if absent).
inline double number(const run::RunOutput& r, const std::string& key) {
  const auto* v = r.recorder->summary().find(key);
  EXPECT_NE(v, nullptr) << key;
  if (v == nullptr) return 0;
  if (const auto* d = std::get_if<double>(v)) return *d;
  return static_cast<double>(std::get<std::int64_t>(*v));
}

// A per-stage or per-device summary list (a test failure if absent).
inline std::vector<double> numbers(const run::RunOutput& r, const std::string& key) {
  const auto* v = r.recorder->summary().find(key);
  EXPECT_NE(v, nullptr) << key;
  return v ? std::get<std::vector<double>>(*v) : std::vector<double>{};
}

// A text summary value (a test failure if absent or not text).
inline std::string text_of(const run::RunOutput& r, const std::string& key) {
  const auto* v = r.recorder->summary().find(key);
  EXPECT_NE(v, nullptr) << key;
  const auto* s = v ? std::get_if<std::string>(v) : nullptr;
  EXPECT_NE(s, nullptr) << key;
  return s ? *s : std::string{};
}

}  // namespace orrery::test
