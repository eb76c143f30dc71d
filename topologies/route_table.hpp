// Routes between endpoints, each computed once and kept: the links of every
// route in one flat array, with its latency (the sum of its links') beside it.
// One table per cluster serves the network services and the collective tuner,
// so a pair is routed once per run whoever asks first. Not thread-safe: one
// run, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

class RouteTable {
 public:
  struct Route {
    std::uint32_t first = 0;  // into the flat link array
    std::uint32_t count = 0;
    Duration latency;
  };

  explicit RouteTable(const Topology& topology) : topology_(topology) {}
  [[nodiscard]] const Topology& topology() const { return topology_; }

  // The route from endpoint `src` to endpoint `dst`, computed on first use,
  // with its index, which stays valid for the table's life: both from one
  // probe of the table (a network service looks a route up for every transfer).
  struct Found {
    Route route;
    std::uint32_t index = 0;
  };
  Found find(int src, int dst) {
    const std::uint64_t key =
        (static_cast<std::uint64_t>(static_cast<std::uint32_t>(src)) << 32) | static_cast<std::uint32_t>(dst);
    for (std::size_t slot = (key * kMix) >> shift_;; slot = (slot + 1) & (keys_.size() - 1)) {
      if (keys_[slot] == key) return found_[slot];
      if (keys_[slot] == kEmpty) return add(slot, key, src, dst);
    }
  }
  [[nodiscard]] const Route& route(std::uint32_t i) const { return routes_[i]; }
  Route between(int src, int dst) { return find(src, dst).route; }
  // A route's links, as link indices.
  [[nodiscard]] std::span<const std::int32_t> links(const Route& r) const { return {links_.data() + r.first, r.count}; }

 private:
  // The index is an open-addressing hash table (linear probing, power-of-two
  // size, at most half full): a node-based map's pointer chase showed in
  // profiles. The probe reads the keys, 8 bytes a slot (1 MiB for the 65,280
  // routes of an all-to-all, within an L2 cache); the slot's route and index lie at the same
  // slot of a second array, so their load needs no result of the first and
  // the two misses overlap (a key → index → route chain was three in a row).
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static constexpr std::uint64_t kMix = 0x9E3779B97F4A7C15ull;  // Fibonacci hashing (Knuth 6.4)
  Found add(std::size_t slot, std::uint64_t key, int src, int dst);
  void grow();

  const Topology& topology_;
  std::vector<Route> routes_;
  std::vector<std::int32_t> links_;
  std::vector<std::uint64_t> keys_ = std::vector<std::uint64_t>(16, kEmpty);  // (src << 32 | dst)
  std::vector<Found> found_ = std::vector<Found>(16);                         // by slot
  int shift_ = 64 - 4;                                                         // 64 − log2(size)
  std::vector<LinkId> scratch_;
};

}  // namespace orrery::topo
