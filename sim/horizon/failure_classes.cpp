// Reading the scenario's failure classes, and counting their components on
// the cluster.
#include "sim/horizon/failure_classes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orrery::horizon {

namespace {

const std::vector<std::string> kScopes{"gpu", "node", "nic", "switch", "link", "job"};

models::FailureScope scope_named(const std::string& s) {
  for (std::size_t i = 0; i < kScopes.size(); ++i)
    if (kScopes[i] == s) return static_cast<models::FailureScope>(i);
  return models::FailureScope::kGpu;
}

// One class's time to failure: mtbf (exponential) or a Weibull shape and scale.
void read_time_to_failure(config::Reader& c, models::FailureClass& k) {
  const auto mtbf = c.maybe<Duration>("mtbf", "mean time between failures of ONE component (exponential)");
  const auto shape = c.maybe<double>("weibull_shape", "Weibull shape k of one component's time to failure");
  const auto scale = c.maybe<Duration>("weibull_scale", "Weibull scale λ of one component's time to failure");
  k.detection = c.optional<Duration>("detection", k.detection, "time to detect (this class)");
  k.repair = c.optional<Duration>("repair", k.repair, "time to repair (this class)");
  if (c.describing()) return;
  c.check(mtbf.has_value() != (shape.has_value() || scale.has_value()), "mtbf",
          "give either mtbf (exponential) or weibull_shape and weibull_scale");
  if (mtbf) {
    c.check(*mtbf > Duration{}, "mtbf", fmt::format("must be positive, got {}", to_string(*mtbf)));
    k.time_to_failure = {models::FailureDistribution::Kind::kExponential, 1.0, mtbf->seconds()};
  } else {
    c.check(shape.has_value() && scale.has_value(), shape ? "weibull_scale" : "weibull_shape",
            "a Weibull class needs both weibull_shape and weibull_scale");
    c.check(*shape > 0, "weibull_shape", fmt::format("must be positive, got {}", *shape));
    c.check(*scale > Duration{}, "weibull_scale", fmt::format("must be positive, got {}", to_string(*scale)));
    k.time_to_failure = {models::FailureDistribution::Kind::kWeibull, *shape, scale->seconds()};
  }
  c.check(k.detection >= Duration{}, "detection", "must not be negative");
  c.check(k.repair >= Duration{}, "repair", "must not be negative");
}

}  // namespace

std::shared_ptr<const FailurePolicy> FailureClasses::read(config::Reader& r) {
  const auto detection =
      r.optional<Duration>("detection", kFailureDetection,
                           "time from a failure to its detection (timeout, health check), every class");
  const auto repair = r.optional<Duration>("repair", kFailureRepair,
                                           "time until a failed component's nodes are back, every class");
  const int nodes_per_switch =
      r.optional<int>("nodes_per_switch", 8, "nodes that a switch failure takes out");
  std::vector<models::FailureClass> classes;
  r.list("classes", "failure classes: { name, scope, mtbf } or { name, scope, weibull_shape, weibull_scale }",
         true, [&](config::Reader& c, std::size_t) {
           models::FailureClass k;
           k.name = c.required<std::string>("name", "what fails, e.g. \"GPU\"");
           k.scope = scope_named(
               c.choice("scope", kScopes, std::nullopt,
                        "what it is and takes with it: gpu, node, nic (its node), switch "
                        "(nodes_per_switch nodes), link (a node's uplink), job (software: no node)"));
           k.detection = detection;
           k.repair = repair;
           read_time_to_failure(c, k);
           if (c.describing()) return;
           k.nodes_taken = k.scope == models::FailureScope::kJob ? 0 : 1;
           classes.push_back(k);
         });
  r.check(nodes_per_switch >= 1, "nodes_per_switch", "must be at least 1");
  return std::make_shared<FailureClasses>(std::move(classes), nodes_per_switch);
}

std::vector<models::FailureClass> FailureClasses::classes(const models::ClusterCounts& counts) const {
  std::vector<models::FailureClass> out = classes_;
  for (auto& c : out) {
    c.components = std::max<std::int64_t>(1, models::components_of(c.scope, counts));
    if (c.scope == models::FailureScope::kSwitch) c.nodes_taken = counts.nodes_per_switch;
  }
  return out;
}

}  // namespace orrery::horizon
