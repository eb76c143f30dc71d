#include "sim/exec/pricing.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <variant>

#include "sim/core/error.hpp"

namespace orrery::exec {

namespace {

task::PricedCompute price_compute(const task::ComputeCost& cost, const task::DeviceModel& device) {
  task::PricedCompute out;
  for (const task::CostTerm& term : cost.terms) {
    std::int64_t ns = 0;
    std::int64_t uncalibrated = 0;
    std::int64_t uncalibrated_ns = 0;
    std::int64_t far_ns = 0;
    for (const task::Operation& op : term.ops) {
      const task::DeviceModel::OperationCost c = device.cost(op);
      ns += c.time.count();
      if (!c.calibrated) {
        ++uncalibrated;
        uncalibrated_ns += c.time.count();
      } else if (c.distance > task::kFarCalibration) {
        far_ns += c.time.count();
      }
    }
    // Truncated per term, after the multiplier: a stage's layers cost
    // ⌊layers × one layer's ns⌋.
    const auto scaled = [&](std::int64_t x) {
      return static_cast<std::int64_t>(static_cast<double>(x) * term.multiplier);
    };
    out.time = out.time + Duration::ns(scaled(ns));
    out.uncalibrated += scaled(uncalibrated);
    out.uncalibrated_time = out.uncalibrated_time + Duration::ns(scaled(uncalibrated_ns));
    out.far_time = out.far_time + Duration::ns(scaled(far_ns));
  }
  return out;
}

task::PricedGroup price_group(const task::GroupCost& cost, const task::CollectivePricer& pricer) {
  task::PricedGroup out;
  for (const task::GroupCall& call : cost.calls) {
    const task::CollectivePrice x = pricer.price(call.work);
    out.time = out.time + Duration::ns(x.time.count() * call.count);
    out.bytes += x.bytes * call.count;
  }
  return out;
}

Duration price_delay(const task::DelayWork& d, const task::DeviceFacts& device) {
  Bandwidth bw = device.bandwidth(d.path);
  if (d.sharers > 1) bw = Bandwidth::bytes_per_s(bw.bytes_per_s() / static_cast<double>(d.sharers));
  if (!(bw.bytes_per_s() > 0)) throw std::logic_error("pricing: a host transfer over a path of no bandwidth");
  return Duration::ceil_ns(d.path_bytes / bw.bytes_per_s() * 1e9);
}

}  // namespace

task::Prices price(task::TaskGraph& graph, const task::DeviceModel* device,
                   const task::CollectivePricer* collectives) {
  task::Prices out;
  if (!graph.costs().empty() && !device) throw std::logic_error("pricing: operations to price but no device model");
  if (!graph.group_costs().empty() && !collectives) {
    throw std::logic_error("pricing: collectives to price but no collective pricer");
  }
  out.compute.reserve(graph.costs().size());
  for (const task::ComputeCost& c : graph.costs()) out.compute.push_back(price_compute(c, *device));
  out.groups.reserve(graph.group_costs().size());
  for (const task::GroupCost& c : graph.group_costs()) out.groups.push_back(price_group(c, *collectives));
  // No task may take so long that the run's clock (int64 ns, 292 years)
  // could overflow summing them: at most 2^62 ns over all the graph's tasks.
  const double cap = 0x1p62 / static_cast<double>(graph.size() + 1);
  for (std::size_t i = 0; i < out.compute.size(); ++i) {
    if (static_cast<double>(out.compute[i].time.count()) > cap) {
      throw InfeasibleError(fmt::format(
          "one compute task would take {:.3g} s, more than the {:.3g} s that {} tasks may each take before the run's "
          "clock (292 years) could overflow: the scenario's sizes are beyond a simulation",
          out.compute[i].time.seconds(), cap * 1e-9, graph.size()));
    }
  }
  if (!graph.needs_pricing()) return out;

  const auto at = [](const auto& table, std::int32_t i) -> const auto& { return table.at(static_cast<std::size_t>(i)); };
  for (task::Task& t : graph.tasks_to_price()) {
    if (auto* c = std::get_if<task::ComputeWork>(&t.work)) {
      if (c->cost >= 0) c->duration = at(out.compute, c->cost).time;
      if (c->head_cost >= 0) {
        c->head = at(out.groups, c->head_cost).time;
        c->head_bytes = at(out.groups, c->head_cost).bytes;
      }
      if (c->tail_cost >= 0) {
        c->tail = at(out.groups, c->tail_cost).time;
        c->tail_bytes = at(out.groups, c->tail_cost).bytes;
      }
    } else if (auto* d = std::get_if<task::DelayWork>(&t.work)) {
      if (d->path == task::HostPath::kNone) continue;
      if (!device) throw std::logic_error("pricing: a host transfer but no device model");
      d->duration = price_delay(*d, *device);
    }
  }
  graph.mark_priced();
  return out;
}

}  // namespace orrery::exec
