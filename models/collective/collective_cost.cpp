#include "models/collective/collective_cost.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::models {

GroupRoutes::GroupRoutes(topo::RouteTable& table, std::vector<int> endpoints)
    : table_(table), endpoints_(std::move(endpoints)) {}

GroupRoutes::GroupRoutes(const topo::Topology& topology, std::vector<int> endpoints)
    : own_(std::make_unique<topo::RouteTable>(topology)), table_(*own_), endpoints_(std::move(endpoints)) {}

Duration predict_plan(const CollectivePlan& plan, GroupRoutes& routes) {
  // Bucket the transfers by step (counting sort), then cost each step.
  std::vector<std::uint32_t> begin(static_cast<std::size_t>(plan.steps) + 1, 0);
  for (const auto& t : plan.transfers) ++begin[static_cast<std::size_t>(t.step) + 1];
  for (std::size_t s = 0; s < static_cast<std::size_t>(plan.steps); ++s) begin[s + 1] += begin[s];
  std::vector<std::uint32_t> order(plan.transfers.size());
  std::vector<std::uint32_t> fill(begin.begin(), begin.end() - 1);
  for (std::size_t i = 0; i < plan.transfers.size(); ++i) {
    order[fill[static_cast<std::size_t>(plan.transfers[i].step)]++] = static_cast<std::uint32_t>(i);
  }
  const topo::Topology& net = routes.topology();
  std::vector<double> load(net.links().size(), 0.0);  // bytes on each link in the current step
  std::vector<std::int32_t> touched;
  double total_s = 0;
  for (std::size_t s = 0; s < static_cast<std::size_t>(plan.steps); ++s) {
    Duration alpha;
    for (std::uint32_t k = begin[s]; k < begin[s + 1]; ++k) {
      const PlanTransfer& t = plan.transfers[order[k]];
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
    total_s += alpha.seconds() + busiest_s;
  }
  return Duration::from_seconds(total_s);
}

TunerChoice choose_algorithm(const CollectiveLibrary& library, const CollectiveCall& call,
                             GroupRoutes& routes) {
  TunerChoice best;
  std::vector<std::string> why_not;
  for (const auto& a : library.all()) {
    if (!a->supports(call.op)) continue;
    if (const std::string why = a->check(call); !why.empty()) {
      why_not.push_back(fmt::format("{}: {}", a->name(), why));
      continue;
    }
    // Lowered once: the plan is both what is costed and, for the winner, what runs.
    auto plan = std::make_shared<const CollectivePlan>(a->lower(call));
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
