// The flow network tests' harness (flow_network_test.cpp,
// flow_network_lone_test.cpp): small topologies built in place, and one
// simulation that starts transfers at given times and records when each
// one's `done` ran, and in what order.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/exec/analytic_network.hpp"
#include "sim/exec/cluster.hpp"
#include "sim/exec/flow_network.hpp"
#include "topologies/chain.hpp"

namespace orrery::exec::test {

// Endpoints 0..n-1, each joined to one switch by a duplex link: endpoint i
// sends on link 2i and receives on link 2i+1.
class Star final : public topo::Topology {
 public:
  Star(int n, Bandwidth bw, Duration latency) {
    for (int i = 0; i < n; ++i) add_vertex(topo::VertexKind::kEndpoint, fmt::format("e{}", i));
    const VertexId hub = add_vertex(topo::VertexKind::kSwitch, "hub");
    for (int i = 0; i < n; ++i) add_duplex(VertexId(i), hub, bw, latency);
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "star"; }
};

// Endpoints in a row, with its own bandwidth and latency for each span.
class Line final : public topo::Topology {
 public:
  Line(const std::vector<Bandwidth>& bw, const std::vector<Duration>& latency) {
    for (std::size_t i = 0; i <= bw.size(); ++i)
      add_vertex(topo::VertexKind::kEndpoint, fmt::format("e{}", i));
    for (std::size_t i = 0; i < bw.size(); ++i) {
      add_duplex(VertexId(static_cast<std::int32_t>(i)), VertexId(static_cast<std::int32_t>(i + 1)), bw[i],
                 latency[i]);
    }
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "line"; }
};

class FixedSpec final : public topo::ScaleOutSpec {
 public:
  explicit FixedSpec(std::function<std::unique_ptr<topo::Topology>()> make) : make_(std::move(make)) {}
  [[nodiscard]] std::unique_ptr<topo::Topology> make(const topo::ScaleOutContext&) const override {
    return make_();
  }

 private:
  std::function<std::unique_ptr<topo::Topology>()> make_;
};

inline ClusterSpec spec_of(int nodes, std::function<std::unique_ptr<topo::Topology>()> make) {
  return ClusterSpec(nodes, std::make_shared<topo::SingleDeviceNode>(),
                     std::make_shared<FixedSpec>(std::move(make)));
}

inline ClusterSpec chain(int nodes, double bytes_per_s, std::int64_t latency_ns) {
  topo::ChainParams p;
  p.link_bandwidth = Bandwidth::bytes_per_s(bytes_per_s);
  p.link_latency = Duration::ns(latency_ns);
  return ClusterSpec(nodes, std::make_shared<topo::SingleDeviceNode>(), std::make_shared<topo::ChainSpec>(p));
}

inline ClusterSpec star(int n, double bytes_per_s, std::int64_t latency_ns) {
  return spec_of(n, [=] {
    return std::make_unique<Star>(n, Bandwidth::bytes_per_s(bytes_per_s), Duration::ns(latency_ns));
  });
}

// One simulation: transfers started at given times, their completion times
// and the order in which their `done` ran.
struct Harness {
  Harness(const ClusterSpec& spec, bool flow, bool detach = true)
      : cluster(spec),
        net(flow ? std::unique_ptr<NetworkService>(std::make_unique<FlowNetwork>(engine, cluster, detach))
                 : std::make_unique<AnalyticNetwork>(engine, cluster)) {}

  // With `known_routes`, each pair's route is found once (NetworkService::route)
  // and its transfers start on it (transfer_on), as a collective's do.
  int start(int src, int dst, std::int64_t bytes, std::int64_t at_ns) {
    const int i = static_cast<int>(done.size());
    done.push_back(Time::max());
    engine.schedule_at(Time::from_ns(at_ns), [this, i, src, dst, bytes] {
      auto record = [this, i] {
        done[static_cast<std::size_t>(i)] = engine.now();
        order.push_back(i);
      };
      if (!known_routes) {
        net->transfer(DeviceId(src), DeviceId(dst), Bytes(bytes), std::move(record));
        return;
      }
      auto [at, added] = routes.try_emplace(std::pair{src, dst});
      if (added) at->second = net->route(DeviceId(src), DeviceId(dst));
      net->transfer_on(at->second, Bytes(bytes), std::move(record));
    });
    return i;
  }
  [[nodiscard]] std::int64_t end(int i) const { return done[static_cast<std::size_t>(i)].ns(); }
  [[nodiscard]] std::vector<std::int64_t> ends() const {
    std::vector<std::int64_t> out;
    for (Time t : done) out.push_back(t.ns());
    return out;
  }
  [[nodiscard]] FlowNetwork& flow() { return static_cast<FlowNetwork&>(*net); }
  [[nodiscard]] const LinkUsage& usage(int link) const {
    return net->link_usage()[static_cast<std::size_t>(link)];
  }

  sim::Engine engine;
  Cluster cluster;
  std::unique_ptr<NetworkService> net;
  std::vector<Time> done;
  std::vector<int> order;
  bool known_routes = false;
  std::map<std::pair<int, int>, NetworkService::KnownRoute> routes;
};

// Two runs of the same transfers: the same completion times, done order, and
// bytes and busy time on every link.
inline void expect_same_run(const Harness& a, const Harness& b, const std::string& what) {
  EXPECT_EQ(a.ends(), b.ends()) << what;
  EXPECT_EQ(a.order, b.order) << what;
  ASSERT_EQ(a.net->link_usage().size(), b.net->link_usage().size()) << what;
  for (std::size_t l = 0; l < a.net->link_usage().size(); ++l) {
    EXPECT_EQ(a.usage(static_cast<int>(l)).bytes, b.usage(static_cast<int>(l)).bytes)
        << what << ", link " << l;
    EXPECT_EQ(a.usage(static_cast<int>(l)).busy, b.usage(static_cast<int>(l)).busy) << what << ", link " << l;
  }
}

}  // namespace orrery::exec::test
