// The `analytic` network service: each transfer takes the analytic model's
// alpha + bytes/beta along its route, with no contention between transfers
// (the executor adds, for a collective's transfers, what the other transfers
// of the same step take of their shared links: Executor::shared_times).
// Link usage adds each transfer's bytes and serialization time to every link
// on its route.
#pragma once

#include "sim/exec/network_service.hpp"
#include "topologies/route_table.hpp"

namespace orrery::exec {

class AnalyticNetwork final : public NetworkService {
 public:
  AnalyticNetwork(sim::Engine& engine, const Cluster& cluster);
  void transfer(DeviceId src, DeviceId dst, Bytes bytes, sim::Engine::Handler done) override;
  [[nodiscard]] KnownRoute route(DeviceId src, DeviceId dst) override;
  void transfer_on(const KnownRoute& route, Bytes bytes, sim::Engine::Handler done) override;
  [[nodiscard]] const std::vector<LinkUsage>& link_usage() const override { return usage_; }
  [[nodiscard]] bool contention_free() const override { return true; }
  Duration time_alone(DeviceId src, DeviceId dst, Bytes bytes, std::vector<LinkLoad>& loads) override;
  void add_loads(std::span<const LinkLoad> loads, Time from, Time to) override;

 private:
  // A transfer on its route (transfer(), transfer_on()).
  void start(const topo::RouteTable::Route& route, Bytes bytes, sim::Engine::Handler&& done);
  sim::Engine& engine_;
  const Cluster& cluster_;
  std::vector<LinkUsage> usage_;
  topo::RouteTable& routes_;  // the cluster's
};

class AnalyticNetworkModel final : public NetworkModel {
 public:
  [[nodiscard]] std::string_view name() const override { return "analytic"; }
  [[nodiscard]] std::unique_ptr<NetworkService> make(sim::Engine& engine, const Cluster& cluster) const override {
    return std::make_unique<AnalyticNetwork>(engine, cluster);
  }
};

}  // namespace orrery::exec
