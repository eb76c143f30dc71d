// MaxMinSolver's lazy links (max_min.hpp, "The tight region"), and the
// per-link loads they stand on.
//
// Lazy links. A tight region's link l whose flows in the region number k_l
// and whose other members' rates sum to T_l cannot fill below
// (C_l − T_l) / k_l: at a level λ below it the other members take at most
// T_l and the region's at most k_l·λ, so R_l − n_l·λ ≥ C_l − T_l − k_l·λ > 0.
// A link whose bound, less kMargin·C_l, is above the floor is kept lazy: the
// gather neither scans its members nor replays it, and the fill leaves it out
// of its rounds. It waits apart from the filling links, at its bound, which
// rises as its region flows freeze elsewhere ((room − their rates) / those
// still unfrozen), in a radix heap that moves it in O(1) (max_min_heap.cpp);
// before each round the lazy links whose bounds the round's level has
// reached are woken, in (bound, link id) order. When the
// coming round's level reaches it, wake() brings it up to date from its
// members' rates: started at the floor as any region link, then, level by
// level, the region's flows frozen so far leave it, each level after the
// boundary flows below it, one subtraction of level × count each, as the
// fill's rounds would have made them; so every rate is the same, bit for
// bit. Most of a churning component's region links are crossed by region
// flows without ever filling: they are never woken, and never scanned.
// The margin covers the rounding of the load sums (taken from the members
// again every kLoadRefresh updates) and of the rounds, both of order
// members × 2^-53 × C_l on a link of at most kLedgerMembers members (a busy
// link, which keeps a ledger, is never lazy). Should a woken link show that
// it would have filled below its bound after all, the fill runs again
// without lazy links (State::failures counts it; the tests require none).
// A changed link left with no region flow cannot fill while its load fits.
//
// Loads. The bounds need each link's load, the sum of its members' rates, and
// the gather needs each link's held list, the flows whose bottleneck it is
// (the tight region follows them instead of scanning members, so while they
// are kept any change tries the tight region first, small ones too). After a
// solve, account() moves each solved flow's rate in its links' loads and its
// place in the held lists. That costs an update per incidence of the solved
// flows, so it is kept only while it pays: from a tight gather that follows
// another within kTightOften solves (never in line mode, whose fills touch no
// incidence), for as long as the member scans that lazy links spare outnumber
// the incidences account() visits, judged every kAccountWindow of those. Once
// stopped it starts again (account_all()) only after as many solves as that
// window took, twice as many after each further stop (up to kLongestWait).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "sim/fluid/scratch.hpp"

namespace orrery::fluid::lazy {

struct Load {  // a link's
  void add(double delta) {  // a member's rate moved by `delta`
    sum += delta;
    ++updates;
  }
  double sum = 0;
  std::uint32_t updates = 0;  // since the sum was last taken from the members
  std::int32_t held = -1;     // the first flow it froze (the flows it froze: a list through Flow::held_next)
  // In a tight gather that counts: the region's flows on it and the sum of
  // their loads; once it is lazy, its room less what its frozen region
  // flows took, and those still unfrozen.
  double region_load = 0;
  std::int32_t region_on = 0;
};

// A lazy link's bound as it stands: its room over its unfrozen region flows
// (+inf when none is left and it has room: it cannot fill any more).
[[nodiscard]] inline double bound(const Load& k) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (k.region_on > 0) return k.region_load / k.region_on;
  return k.region_load > 0 ? kInf : -kInf;
}

struct State {
  static constexpr double kMargin = 1e-9;  // of a link's capacity, below its bound: rounding's room
  static constexpr std::uint32_t kLoadRefresh = 1024;
  static constexpr std::uint64_t kTightOften = 4;
  static constexpr std::uint64_t kAccountWindow = 1 << 16;
  static constexpr std::uint64_t kLongestWait = 1 << 16;

  std::vector<Load> loads;        // per link
  bool accounted = false;         // the loads and held lists are kept
  bool ok = true;                 // this solve's tight fills may keep links lazy (until one fails)
  bool counting = false;          // this gather counts region flows per link, for the bounds
  std::size_t links = 0;          // how many links the current tight fill keeps lazy
  std::uint64_t spared = 0;       // and their members: the scans spared while they stay lazy
  double least = 0;               // and their least bound (BoundHeap::expect_least())
  double floor = 0;               // the tight fill's floor, for bring_up()
  Scratch<double> region_rates;   // bring_up(): the region's frozen rates on the link
  // When the loads pay (above).
  std::uint64_t solves_since_tight = 0;
  std::uint64_t solves_since_stop = 0;
  std::uint64_t wait = 0;
  std::uint64_t cost = 0;   // incidences account() visited in this window
  std::uint64_t saved = 0;  // member scans lazy links spared in it
  std::uint64_t window_solves = 0;
  // The account (MaxMinSolver::lazy_total() and the two after it).
  std::uint64_t total = 0;
  std::uint64_t woken = 0;
  std::uint64_t failures = 0;
};

}  // namespace orrery::fluid::lazy
