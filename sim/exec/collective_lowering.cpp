#include "sim/exec/collective_lowering.hpp"

#include <fmt/format.h>

#include "models/collective/collective_cost.hpp"
#include "sim/core/error.hpp"

namespace orrery::exec {

models::CollectiveCall collective_call(const task::CollectiveWork& c, const Cluster& cluster) {
  return models::call_of(c, cluster.devices_per_node());
}

LoweredPlan lower_collective(const task::CollectiveWork& c, const Cluster& cluster,
                             const models::CollectiveLibrary& library, models::PlanCache* cache) {
  const models::CollectiveCall call = collective_call(c, cluster);
  if (const std::string why = models::check_call(call); !why.empty()) throw InfeasibleError(why);
  std::vector<int> endpoints;
  for (DeviceId d : c.group) endpoints.push_back(cluster.endpoint_of(d));
  models::GroupRoutes routes(cluster.routes(), std::move(endpoints));
  LoweredPlan out;
  try {
    if (c.algorithm == "auto") {
      const models::TunerChoice pick = models::choose_algorithm(library, call, routes, cache);
      out.algorithm = std::string(pick.algorithm->name());
      out.plan = pick.plan;
      out.predicted = pick.predicted;
      return out;
    }
    const models::CollectiveAlgorithm* a = library.find(c.algorithm);
    if (!a) throw InfeasibleError(fmt::format("unknown collective algorithm '{}'", c.algorithm));
    out.algorithm = std::string(a->name());
    out.plan = cache ? cache->get(*a, call) : std::make_shared<const models::CollectivePlan>(a->lower(call));
    out.predicted = models::predict_plan(*out.plan, routes);
  } catch (const ValueError& e) {
    throw InfeasibleError(e.what());
  }
  return out;
}

std::uint64_t collective_hash(const task::CollectiveWork& c) {
  std::uint64_t h = 1469598103934665603ULL;
  const auto mix = [&h](std::uint64_t v) {
    h ^= v;
    h *= 1099511628211ULL;
  };
  mix(static_cast<std::uint64_t>(c.op));
  mix(std::hash<std::string>{}(c.algorithm));
  mix(static_cast<std::uint64_t>(c.bytes.count()));
  mix(static_cast<std::uint64_t>(c.root));
  mix(std::hash<double>{}(c.density));
  for (int d : c.dims) mix(static_cast<std::uint64_t>(d));
  mix(0xffffffffULL);
  for (DeviceId d : c.group) mix(static_cast<std::uint64_t>(d.value()));
  return h;
}

bool same_plan(const task::CollectiveWork& a, const task::CollectiveWork& b) {
  return a.op == b.op && a.algorithm == b.algorithm && a.bytes == b.bytes && a.root == b.root &&
         a.density == b.density && a.dims == b.dims && a.group == b.group;
}

const LoweredPlan& CollectivePlans::get(const task::CollectiveWork& c) {
  const std::uint64_t h = collective_hash(c);
  for (auto [at, end] = cache_.equal_range(h); at != end; ++at) {
    if (same_plan(at->second.key, c)) return at->second.lowered;
  }
  LoweredPlan lowered = lower_collective(c, cluster_, library_, &plans_);  // throws before anything is cached
  lowered.bytes = lowered.plan->total;
  return cache_.emplace(h, Entry{c, std::move(lowered)})->second.lowered;
}

}  // namespace orrery::exec
