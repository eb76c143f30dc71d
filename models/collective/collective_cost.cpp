#include "models/collective/collective_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::models {

GroupRoutes::GroupRoutes(topo::RouteTable& table, std::vector<int> endpoints)
    : table_(table), endpoints_(std::move(endpoints)) {}

GroupRoutes::GroupRoutes(const topo::Topology& topology, std::vector<int> endpoints)
    : own_(std::make_unique<topo::RouteTable>(topology)), table_(*own_), endpoints_(std::move(endpoints)) {}

Duration predict_plan(const CollectivePlan& plan, GroupRoutes& routes) {
  const topo::Topology& net = routes.topology();
  // Bytes on each link in the current step: kept all zero between steps (and
  // calls), so that a call touches only the links its transfers cross.
  thread_local std::vector<double> load;
  if (load.size() < net.links().size()) load.resize(net.links().size(), 0.0);
  std::vector<std::int32_t> touched;
  // A step with the same transfers as an earlier one (plan.step_kind) costs
  // what that one cost: a ring's 2(p-1) steps are two kinds, and only the
  // kinds' transfers (plan.kind_shapes) are walked.
  std::vector<double> step_s(static_cast<std::size_t>(plan.steps), 0.0);
  double total_s = 0;
  for (std::size_t s = 0; s < static_cast<std::size_t>(plan.steps); ++s) {
    const auto kind = static_cast<std::size_t>(plan.step_kind[s]);
    if (kind == s) {
      Duration alpha;
      for (std::uint32_t k = plan.kind_begin[s]; k < plan.kind_begin[s + 1]; ++k) {
        const TransferShape& t = plan.shapes[static_cast<std::size_t>(plan.kind_shapes[k])];
        alpha = std::max(alpha, routes.latency(t.src, t.dst));
        for (const std::int32_t l : routes.route(t.src, t.dst)) {
          auto& v = load[static_cast<std::size_t>(l)];
          if (v == 0) touched.push_back(l);
          v += static_cast<double>(t.bytes.count());
        }
      }
      double busiest_s = 0;
      for (const auto l : touched) {
        const auto i = static_cast<std::size_t>(l);
        busiest_s = std::max(busiest_s, load[i] / net.link(LinkId(l)).bandwidth.bytes_per_s());
        load[i] = 0;
      }
      touched.clear();
      step_s[s] = alpha.seconds() + busiest_s;
    }
    total_s += step_s[kind];
  }
  return Duration::from_seconds(total_s);
}

std::shared_ptr<const CollectivePlan> PlanCache::get(const CollectiveAlgorithm& algorithm, const CollectiveCall& call) {
  std::string key(algorithm.name());
  const auto add = [&key](std::int64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  key.push_back('\0');
  add(static_cast<std::int64_t>(call.op));
  add(call.ranks);
  add(call.root);
  std::int64_t density_bits = 0;
  static_assert(sizeof(double) == sizeof density_bits);
  __builtin_memcpy(&density_bits, &call.density, sizeof density_bits);
  add(density_bits);
  add(static_cast<std::int64_t>(call.dims.size()));
  for (int d : call.dims) add(d);
  add(static_cast<std::int64_t>(call.node_of.size()));
  std::unordered_map<int, int> pattern;  // node -> order of first appearance
  for (int n : call.node_of) add(pattern.try_emplace(n, static_cast<int>(pattern.size())).first->second);
  const std::size_t dag_key = key.size();  // all but S
  add(call.bytes.count());
  auto [it, fresh] = plans_.try_emplace(std::move(key));
  if (fresh) {
    try {
      if (!algorithm.same_dag_for_every_size()) {
        it->second = std::make_shared<const CollectivePlan>(algorithm.lower(call));
      } else if (auto& first = dags_[it->first.substr(0, dag_key)]) {
        it->second = std::make_shared<const CollectivePlan>(with_size(*first, call.bytes));
      } else {
        it->second = std::make_shared<const CollectivePlan>(algorithm.lower(call));
        if (it->second->dag->sizes_from_chunks) first = it->second;
      }
    } catch (...) {
      plans_.erase(it);
      throw;
    }
  }
  return it->second;
}

TunerChoice choose_algorithm(const CollectiveLibrary& library, const CollectiveCall& call,
                             GroupRoutes& routes, PlanCache* cache) {
  TunerChoice best;
  std::vector<std::string> why_not;
  for (const auto& a : library.all()) {
    if (!a->supports(call.op)) continue;
    if (const std::string why = a->check(call); !why.empty()) {
      why_not.push_back(fmt::format("{}: {}", a->name(), why));
      continue;
    }
    // Lowered once: the plan is both what is costed and, for the winner, what runs.
    auto plan = cache ? cache->get(*a, call) : std::make_shared<const CollectivePlan>(a->lower(call));
    const Duration t = predict_plan(*plan, routes);
    best.candidates.emplace_back(std::string(a->name()), t);
    if (!best.algorithm || t < best.predicted) {
      best.algorithm = a.get();
      best.plan = std::move(plan);
      best.predicted = t;
    }
  }
  if (!best.algorithm) {
    throw ValueError(
        fmt::format("no collective algorithm can run {} here ({})", task::name_of(call.op),
                    why_not.empty() ? std::string("none is registered for it") : join(why_not, "; ")));
  }
  return best;
}

}  // namespace orrery::models
