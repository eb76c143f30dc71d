// How the executor moves bytes between devices: one interface — move these
// bytes from A to B, call me when they have arrived — with one implementation
// per network model (`network.model` in a scenario), registered by name.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "sim/config/registry.hpp"
#include "sim/core/summary.hpp"
#include "sim/engine/engine.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/exec/link_timeline.hpp"

namespace orrery::exec {

struct LinkUsage {
  Duration busy;  // time the link spent sending
  Bytes bytes;
};

// What transfers add to one link's usage.
struct LinkLoad {
  std::int32_t link = 0;
  LinkUsage usage;
};

class NetworkService {
 public:
  virtual ~NetworkService() = default;
  // Starts a transfer now; `done` runs on the engine when the last byte has arrived.
  virtual void transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) = 0;
  // A route between two devices as the service found it, for a caller that
  // sends between them again and again (a collective's ring steps): route()
  // searches once, transfer_on() then starts a transfer without searching.
  // The same transfer as transfer(src, dst, …). `known` false: the service
  // keeps no routes (the default), and transfer_on() is transfer().
  struct KnownRoute {
    topo::RouteTable::Found found;
    DeviceId src;
    DeviceId dst;
    bool known = false;
  };
  [[nodiscard]] virtual KnownRoute route(DeviceId src, DeviceId dst) { return {{}, src, dst, false}; }
  virtual void transfer_on(const KnownRoute& route, Bytes bytes, sim::Engine::Handler done) {
    transfer(route.src, route.dst, bytes, std::move(done));
  }
  [[nodiscard]] virtual const std::vector<LinkUsage>& link_usage() const = 0;
  // Whether a transfer's time depends on its route and size alone, never on
  // other traffic. Such a network can time transfers without running them
  // (time_alone), and the executor then runs a collective's whole plan as one
  // event at the end of its critical path: the same times, exactly.
  [[nodiscard]] virtual bool contention_free() const { return false; }
  // contention_free() only: the time `bytes` take from src to dst, appending
  // what the transfer adds to each link on its route to `loads`; nothing runs
  // and nothing is recorded.
  virtual Duration time_alone(DeviceId src, DeviceId dst, Bytes bytes, std::vector<LinkLoad>& loads);
  // Adds loads (from time_alone) to the link usage, as if their transfers ran
  // over [from, to) (a collective's span).
  virtual void add_loads(std::span<const LinkLoad> loads, Time from, Time to);
  // Adds the model's own counters to the run's summary (e.g. `flow_recomputations`).
  virtual void summarize(Summary& /*summary*/) const {}
  // Link load over time, in bins of `bin` (link_timeline.hpp); off unless asked.
  void record_link_load(Duration bin) { timeline_ = std::make_unique<LinkTimeline>(bin); }
  [[nodiscard]] const LinkTimeline* link_load() const { return timeline_.get(); }

 protected:
  std::unique_ptr<LinkTimeline> timeline_;
};

// A registered network model: makes the service for one run.
class NetworkModel {
 public:
  virtual ~NetworkModel() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::unique_ptr<NetworkService> make(sim::Engine& engine, const Cluster& cluster) const = 0;
};

using NetworkRegistry = config::Registry<std::shared_ptr<const NetworkModel>>;

void register_builtin(NetworkRegistry& networks);

}  // namespace orrery::exec
