#include "models/failure/failure_model.hpp"

#include <cmath>

namespace orrery::models {

std::string_view name_of(FailureScope s) {
  switch (s) {
    case FailureScope::kGpu:
      return "gpu";
    case FailureScope::kNode:
      return "node";
    case FailureScope::kNic:
      return "nic";
    case FailureScope::kSwitch:
      return "switch";
    case FailureScope::kLink:
      return "link";
    case FailureScope::kJob:
      return "job";
  }
  return "?";
}

double FailureDistribution::mean_s() const {
  if (kind == Kind::kExponential) return scale_s;
  return scale_s * std::tgamma(1.0 + 1.0 / shape);
}

double FailureDistribution::draw_s(Rng& rng) const {
  if (kind == Kind::kExponential) return rng.exponential(scale_s);
  return rng.weibull(shape, scale_s);
}

double failure_rate(const std::vector<FailureClass>& classes) {
  double rate = 0;
  for (const auto& c : classes) rate += static_cast<double>(c.components) / c.time_to_failure.mean_s();
  return rate;
}

Duration job_mtbf(const std::vector<FailureClass>& classes) {
  const double r = failure_rate(classes);
  return r > 0 ? Duration::ns(static_cast<std::int64_t>(1e9 / r)) : Duration::max();
}

std::int64_t components_of(FailureScope s, const ClusterCounts& c) {
  switch (s) {
    case FailureScope::kGpu:
      return c.gpus;
    case FailureScope::kNode:
      return c.nodes;
    case FailureScope::kNic:
      return c.nics;
    case FailureScope::kSwitch:
      return c.switches;
    case FailureScope::kLink:
      return c.links;
    case FailureScope::kJob:
      return 1;
  }
  return 1;
}

std::vector<FailureClass> llama3_profile(const ClusterCounts& c, Duration detection, Duration repair) {
  // shared/validation/README.md, "Failure statistics": 419 unexpected
  // interruptions, of which these causes; the remainder (36) is "other".
  struct Cause {
    const char* name;
    int count;
    FailureScope scope;
  };
  static constexpr Cause kCauses[] = {
      {"faulty GPU", 148, FailureScope::kGpu},
      {"GPU HBM3 memory", 72, FailureScope::kGpu},
      {"software bug", 54, FailureScope::kJob},
      {"network switch/cable", 35, FailureScope::kLink},
      {"unplanned host maintenance", 32, FailureScope::kNode},
      {"GPU SRAM memory", 19, FailureScope::kGpu},
      {"GPU system processor", 17, FailureScope::kGpu},
      {"silent data corruption", 6, FailureScope::kGpu},
      {"other", 419 - 148 - 72 - 54 - 35 - 32 - 19 - 17 - 6, FailureScope::kNode},
  };
  constexpr double kWindow = 54.0 * 86400.0;  // seconds
  constexpr double kGpus = 16384.0;
  std::vector<FailureClass> out;
  for (const Cause& k : kCauses) {
    // Every cause is a rate per GPU of the job (count / (16,384 × 54 days)),
    // spread over the components of its scope: per-component mean = components /
    // (count / window × gpus / 16,384).
    const double rate = k.count / kWindow * static_cast<double>(c.gpus) / kGpus;  // per second, whole cluster
    FailureClass f;
    f.name = k.name;
    f.scope = k.scope;
    f.components = k.scope == FailureScope::kJob ? 1 : std::max<std::int64_t>(1, components_of(k.scope, c));
    f.time_to_failure.scale_s = static_cast<double>(f.components) / rate;
    f.detection = detection;
    f.repair = repair;
    f.nodes_taken = k.scope == FailureScope::kJob ? 0 : 1;
    out.push_back(f);
  }
  return out;
}

}  // namespace orrery::models
