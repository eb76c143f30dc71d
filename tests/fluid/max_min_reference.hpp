// Shared by the max-min solver's tests (tests/fluid): progressive filling
// the plain way, the bottleneck characterisation of max-min fairness, and a
// comparison with a from-scratch solve of a copy.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/fluid/max_min.hpp"

namespace orrery::fluid::test {

struct TestFlow {
  std::vector<std::int32_t> links;
  double cap = MaxMinSolver::kUncapped;
};

// Progressive filling the plain way: each round recomputes every link's fair
// share from the frozen rates, takes the smallest share or cap as the level,
// and freezes every flow whose cap or one of whose links' share is within a
// relative 1e-12 of it.
inline std::vector<double> reference_rates(const std::vector<double>& capacity, const std::vector<TestFlow>& flows) {
  std::vector<double> rate(flows.size(), -1);
  std::size_t left = flows.size();
  while (left > 0) {
    std::vector<double> used(capacity.size(), 0);
    std::vector<int> unfrozen(capacity.size(), 0);
    for (std::size_t f = 0; f < flows.size(); ++f) {
      for (auto l : flows[f].links) {
        if (rate[f] >= 0) {
          used[l] += rate[f];
        } else {
          unfrozen[l] += 1;
        }
      }
    }
    double level = MaxMinSolver::kUncapped;
    std::vector<double> share(capacity.size(), MaxMinSolver::kUncapped);
    for (std::size_t l = 0; l < capacity.size(); ++l) {
      if (unfrozen[l] > 0) share[l] = std::max(0.0, capacity[l] - used[l]) / unfrozen[l];
      level = std::min(level, share[l]);
    }
    for (std::size_t f = 0; f < flows.size(); ++f)
      if (rate[f] < 0) level = std::min(level, flows[f].cap);
    const double tie = level * (1 + 1e-12);
    std::vector<std::size_t> now;
    for (std::size_t f = 0; f < flows.size(); ++f) {
      if (rate[f] >= 0) continue;
      bool hit = flows[f].cap <= tie;
      for (auto l : flows[f].links) hit = hit || share[l] <= tie;
      if (hit) now.push_back(f);
    }
    for (auto f : now) rate[f] = level;
    left -= now.size();
  }
  return rate;
}

// Max-min fairness as Bertsekas & Gallager characterise it: feasible, and
// every flow has a bottleneck (its cap, or a full link where no flow is faster).
inline void expect_max_min_fair(const MaxMinSolver& s, const std::vector<double>& capacity,
                         const std::vector<std::int32_t>& ids, const std::vector<TestFlow>& flows) {
  std::vector<double> load(capacity.size(), 0), fastest(capacity.size(), 0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (auto l : flows[i].links) {
      load[l] += s.rate(ids[i]);
      fastest[l] = std::max(fastest[l], s.rate(ids[i]));
    }
  }
  for (std::size_t l = 0; l < capacity.size(); ++l)
    EXPECT_LE(load[l], capacity[l] * (1 + 1e-12)) << "link " << l;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const double r = s.rate(ids[i]);
    bool bottleneck = r >= flows[i].cap * (1 - 1e-12);
    for (auto l : flows[i].links) {
      bottleneck = bottleneck || (load[l] >= capacity[l] * (1 - 1e-12) && r >= fastest[l] * (1 - 1e-12));
    }
    EXPECT_TRUE(bottleneck) << "flow " << i << " at rate " << r << " has no bottleneck";
  }
}

// A route of `hops` distinct links among 0..links - 1, drawn from `rng` (hops <= links).
inline std::vector<std::int32_t> distinct_links(Rng& rng, int links, std::uint64_t hops) {
  std::vector<std::int32_t> r;
  while (r.size() < hops) {
    const auto l = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(links)));
    if (std::find(r.begin(), r.end(), l) == r.end()) r.push_back(l);
  }
  return r;
}

// Removes a flow of `ids` drawn from `rng`.
inline void remove_one(MaxMinSolver& s, std::vector<std::int32_t>& ids, Rng& rng) {
  const auto k = static_cast<std::size_t>(rng.below(ids.size()));
  s.remove_flow(ids[k]);
  ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
}

// The first flow of `ids` whose rate differs, in any bit, from a from-scratch
// solve of a copy of `s` (-1 when none does).
inline std::ptrdiff_t first_difference_from_scratch(const MaxMinSolver& s, const std::vector<std::int32_t>& ids) {
  MaxMinSolver scratch = s;
  scratch.solve_all();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (s.rate(ids[i]) != scratch.rate(ids[i])) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

}  // namespace orrery::fluid::test
