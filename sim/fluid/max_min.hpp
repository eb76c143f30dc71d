// Max-min fair sharing of link capacity among flows, by progressive filling
// (water-filling), recomputed incrementally: the core of the `flow` network
// model. It knows nothing of time, bytes or the engine: links have capacities,
// flows cross links, and solve() gives every flow its rate.
//
// The problem. Links l have capacities C_l > 0. Flow f crosses the links L(f)
// (a link listed twice counts twice) and may have a rate cap c_f > 0 (+inf
// when it has none). The rates r_f must be feasible,
//
//     for every link l:   Σ_{f : l ∈ L(f)} r_f ≤ C_l        (no link over capacity)
//     for every flow f:   0 ≤ r_f ≤ c_f,
//
// and max-min fair: no r_f can grow without lowering some r_g ≤ r_f. That
// allocation exists and is unique (Bertsekas & Gallager, Data Networks, 2nd
// ed., §6.5.2); in it every flow has a bottleneck: r_f = c_f, or a saturated
// link of L(f) on which no flow has a larger rate than r_f.
//
// Progressive filling. Raise the rates of all unfrozen flows together from 0
// (the water level λ). A link with capacity R_l left and n_l unfrozen flows is
// full when λ reaches its fair share R_l / n_l; a capped flow stops at c_f:
//
//     R_l ← C_l,  n_l ← |{f : l ∈ L(f)}|,  every flow unfrozen
//     while some flow is unfrozen:                                   (a round)
//         λ ← min( min_{l : n_l > 0} R_l / n_l,  min_{f unfrozen} c_f )
//         freeze at r_f = λ every unfrozen flow that crosses a link with
//           R_l / n_l = λ, and every unfrozen flow with c_f = λ
//         for every link l:  R_l ← R_l − λ·k_l,  n_l ← n_l − k_l
//           (k_l: how many of the flows frozen in this round cross l)
//
// Each round freezes at least one flow. The first round scans the shares; the
// later ones take them from a 4-ary heap that moves a link when its share
// changes (no stale entries), so a solve costs O((L + I) log L)
// for L links and I flow–link incidences.
//
// Bit-for-bit determinism. A round lowers R_l by λ·k_l, the round's level
// times an integer count, so the rates do not depend on the order in which
// flows or links are visited: they are a function of the network alone.
// Rounding can make a link's share, recomputed after a round, equal to the
// level just passed, and so run a second round at the same level; every
// round at one level takes R_l from the same base (R_l before the level,
// less λ × all the flows frozen at λ so far), so R_l is a function of each
// level and the count of the link's flows frozen at it, whichever round froze
// them. Every partial fill below relies on that.
//
// Incrementality. Flows that share no link, even through other flows, do not
// interact: the allocation of the whole network is that of each connected
// component of the links–flows graph, solved alone. add_flow and remove_flow
// only mark the flow's links dirty; solve() gathers the components that hold a
// dirty link (breadth-first: link → its flows → their links) and fills those
// alone, so a flow that starts or ends costs the size of its component, not of
// the network. The commonest change of sparse traffic costs less still: when
// every changed link is left empty or holding one new flow that is alone on
// all its links, each new flow is a component of one whose single round
// freezes it at its narrowest link (or its cap), and nothing is gathered.
// A component's rounds change only its own links, at its own
// levels (a round whose level belongs to another component freezes nothing in
// it), so a component gets the same rates, bit for bit, whether it is solved
// alone, beside others, or in a from-scratch solve of everything (solve_all).
//
// Within a component. A change leaves the rounds below some level alone: the
// floor. A flow removed at rate r took part in no saturation below r (a link
// that filled below r would have frozen it there), so every round below r is
// the same without it. A flow added across links L saturates none of them
// before the level at which, with it counted, the link's share first drops to
// the level of its next round: replaying each such link's rounds from its
// members' rates (R_l − ρ·k at each rate ρ, in order) gives that level (a busy
// link takes the lower bound C_l / n_l: its share never falls). Below
// the floor (the least of these, and of an added flow's cap) every round is
// the same as in the last solve, so the flows frozen below it keep their
// rates, bit for bit, and each link's R_l at the floor is that replay. Above
// it, only the flows still unfrozen that connect to a changed link through
// unfrozen flows can move; solve() fills just those (the region), from the
// replayed R_l, and leaves the rest of the component as it was. The result is
// bit for bit that of solving the whole component (tests/fluid compare it
// with solve_all on random networks); the saving is the flows below the floor
// and the unfrozen parts out of reach. When the floor leaves out few flows,
// solve() fills the whole components instead: the replay's sorts would cost
// more.
//
// The tight region. In a large component most flows above the floor do not
// move: solve() first tries the region of the flows whose bottleneck a
// changed link is, with the other flows on its links held at their rates,
// and falls back to the region above the floor when one of those must move;
// max_min_tight.cpp says how, and why its rates are bit for bit the full
// fill's; the fill leaves out the region's links that cannot fill yet (lazy
// links, max_min_lazy.hpp). Busy links keep their last fill's rounds (the
// ledger, max_min_region.cpp). The rounds themselves: max_min_rounds.cpp. Lines: while every
// flow runs along a line (a chain's routes), solve() fills the components worth it over positions
// instead (max_min_lines.hpp).
//
// Ids are dense: links 0, 1, ... as added; a flow's slot is reused once it goes.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "sim/fluid/bound_heap.hpp"
#include "sim/fluid/incidence_list.hpp"
#include "sim/fluid/max_min_lazy.hpp"
#include "sim/fluid/max_min_lines.hpp"

namespace orrery::fluid {

class MaxMinSolver {
 public:
  static constexpr double kUncapped = std::numeric_limits<double>::infinity();

  // `learn_lines`: whether to learn lines and solve along them while the
  // flows allow (max_min_lines.hpp); without, every solve is the general one.
  explicit MaxMinSolver(bool learn_lines = true) { line_.on = learn_lines; }

  // Adds a link of capacity `capacity` (> 0, in the caller's rate unit); returns its id.
  std::int32_t add_link(double capacity);
  // Adds a flow across `links` (at least one, each an existing link id), with
  // an optional rate cap (> 0). Returns its id. Its rate is 0 until solve().
  // Throws ValueError on a bad argument.
  std::int32_t add_flow(std::span<const std::int32_t> links, double cap = kUncapped);
  // add_flow in two steps, for a caller that keeps flows off the solver until
  // they share a link and numbers its flows by solver id: reserve_flow() gives
  // an id that no solve sees (not live) until place_flow() puts the flow on
  // its links; release_flow() frees a reserved id that was never placed (the
  // caller's to keep track of, unchecked: each id released once, never a
  // placed one). Both are inline: a transfer on idle links calls them and
  // nothing else of the solver.
  std::int32_t reserve_flow() {
    if (free_flows_.empty()) return new_flow_slot();
    const std::int32_t id = free_flows_.back();
    free_flows_.pop_back();
    return id;
  }
  void place_flow(std::int32_t flow, std::span<const std::int32_t> links, double cap = kUncapped);
  void release_flow(std::int32_t flow) { free_flows_.push_back(flow); }  // unchecked: the hot path
  // Removes a live flow; its id may be given to a later flow.
  void remove_flow(std::int32_t flow);
  // Recomputes the rates of the flows in every component that gained or lost
  // a flow since the last solve; does nothing (and counts nothing) otherwise.
  void solve();
  void solve_all();  // a from-scratch solve of every component
  [[nodiscard]] double rate(std::int32_t flow) const { return flow_at(flow).rate; }
  // The link whose filling froze the flow at its rate in the last solve, or -1 (its cap).
  [[nodiscard]] std::int32_t bottleneck(std::int32_t flow) const { return flow_at(flow).bottleneck; }
  void prefetch(std::int32_t f) const { __builtin_prefetch(&flow_at(f)); }  // before rate(f): hides a miss
  // Whether every change since the last solve() leaves its links empty or
  // holding only one new flow: each new flow is then alone on its links, and
  // solve() gives it its narrowest link (or cap) without gathering anything.
  [[nodiscard]] bool alone() const;
  // The live flows the last solve() computed whose rate may have moved: its
  // regions' flows (of a line fill, only those whose rate or bottleneck moved).
  [[nodiscard]] std::span<const std::int32_t> solved_flows() const { return component_flows_; }
  // How many flow rates the solves computed, in all (their regions' flows).
  [[nodiscard]] std::uint64_t solved_total() const { return solved_total_; }
  // How many rates of members below a floor the solves sorted to replay a
  // link's rounds (the ledger, above, spares a busy link that).
  [[nodiscard]] std::uint64_t replayed_total() const { return replayed_total_; }
  // Region links tight fills kept lazy, woke, and found below their bound (max_min_lazy.hpp).
  [[nodiscard]] std::uint64_t lazy_total() const { return lazy_.total; }
  [[nodiscard]] std::uint64_t woken_total() const { return lazy_.woken; }
  [[nodiscard]] std::uint64_t lazy_failures() const { return lazy_.failures; }
  // How many times solve() ran on something: the rate recomputations.
  [[nodiscard]] std::uint64_t recomputations() const { return recomputations_; }
  [[nodiscard]] std::size_t link_count() const { return links_.size(); }
  [[nodiscard]] double capacity(std::int32_t link) const { return link_at(link).capacity; }
  [[nodiscard]] bool live(std::int32_t flow) const;
  [[nodiscard]] std::size_t live_flows() const { return flows_.size() - free_flows_.size(); }
  // Whether every flow so far has run along the lines (solves are line solves).
  [[nodiscard]] bool on_lines() const { return line_.on; }
  // How many components line solves filled over positions (the rest went to the general fill).
  [[nodiscard]] std::uint64_t line_fills() const { return line_.fills; }

 private:
  // A link as add_flow and remove_flow touch it (40 bytes; the fills' part is apart).
  struct Link {
    double capacity = 0;
    std::vector<Member> members;
    std::uint32_t seen = 0;  // epoch of the last gather that reached it
    bool dirty = false;
  };
  // A link's part in solve()'s fills, beside it in fills_.
  struct Fill {
    double left = 0;  // R_l
    // R_l before the current level's flows, the level, and how many froze at
    // it: every round at one level (rounding can make a share fall to the
    // level just passed) takes R_l from the same base, so R_l is a function of
    // the levels and their counts alone.
    double base = 0;
    double level_now = -1;
    double share = 0;             // R_l / n_l
    double next = 0;              // key(), as the fill last computed it (its heap entry's)
    std::int32_t count_now = 0;
    std::int32_t unfrozen = 0;    // n_l
    std::int32_t frozen_now = 0;  // k_l
    std::int32_t heap_at = -1;    // its place in heap_, or -1
    // The tight region's boundary flows on it, boundary_[boundary_at, boundary_end),
    // by rate: each leaves it at its rate, as its own bottleneck elsewhere froze it.
    std::int32_t boundary_at = 0;
    std::int32_t boundary_end = 0;
    std::uint32_t replayed = 0;  // epoch of the gather that replayed it (it has members below the floor)
    bool keeps_ledger = false;   // busy when this fill began: it writes its rounds to the link's ledger
    bool had_boundary = false;   // the tight fill began with boundary flows on it
    bool lazy = false;           // a lazy link of the tight fill, not yet brought up to date
  };
  // A link's rounds in its last fill, in level order (the ledger, above).
  struct Step {
    double level;
    double left;          // R_l once the flows at `level` froze
    std::int32_t frozen;  // the link's flows frozen at or below `level`
  };
  struct Ledger {
    std::vector<Step> steps;
    double exact_below = kUncapped;  // the steps below this level are the link's rounds
  };
  // A flow as the solver keeps it: 64 bytes, one cache line.
  struct alignas(64) Flow {
    IncidenceList links;
    double cap = kUncapped;
    double rate = 0;
    double loaded = 0;  // its rate as its links' loads count it (max_min_lazy.hpp; 0 while fresh)
    std::uint32_t seen = 0;
    // What froze it in the last solve that gave it its rate: a link (which
    // filled at its rate), or -1 for its own cap. The tight region follows it.
    std::int32_t bottleneck = -1;
    // Its held list (max_min_lazy.hpp): the link whose list holds it (its
    // bottleneck after the last accounted solve), the next and previous flows.
    std::int32_t held_by = -1;
    std::int32_t held_next = -1;
    std::int32_t held_prev = -1;
    bool live = false;
    bool frozen = false;
    bool fresh = false;  // added since the last solve: no rate yet
  };
  static_assert(sizeof(Flow) == 64);
  Link& link_at(std::int32_t l) { return links_[static_cast<std::size_t>(l)]; }
  const Link& link_at(std::int32_t l) const { return links_[static_cast<std::size_t>(l)]; }
  Fill& fill_at(std::int32_t l) { return fills_[static_cast<std::size_t>(l)]; }
  const Fill& fill_at(std::int32_t l) const { return fills_[static_cast<std::size_t>(l)]; }
  Flow& flow_at(std::int32_t f) { return flows_[static_cast<std::size_t>(f)]; }
  const Flow& flow_at(std::int32_t f) const { return flows_[static_cast<std::size_t>(f)]; }
  // Line mode (max_min_lines.hpp). Learns the line of a new flow's links;
  // false when they contradict the lines.
  [[nodiscard]] bool learn_line(std::span<const std::int32_t> links);
  void leave_lines();  // line mode ends: general solves from here on
  void line_add(std::int32_t flow);  // the flow's bridges, and its place in its first link's starts
  void line_remove(std::int32_t flow);
  void solve_lines();
  void fill_line(const std::vector<std::int32_t>& line, std::int32_t x, std::int32_t y);
  lines::State line_;

  void mark_dirty(std::int32_t link);
  void next_epoch();
  void visit(std::int32_t link);
  void fill();
  void reset();
  void unfreeze_region();  // then start_rounds(): the rounds' count of unfrozen flows and caps in order
  void start_rounds();
  void solve_components();
  void solve_alone();
  void check_flow(std::span<const std::int32_t> links, double cap) const;  // throws on a bad argument
  void check_unplaced(std::int32_t flow) const;  // throws unless an id exists and is not live
  std::int32_t new_flow_slot();
  void place(std::int32_t flow, std::span<const std::int32_t> links, double cap);
  // The region solve (see the header): the floor of the changes since the
  // last solve, the region above it, its links' R_l replayed below it.
  [[nodiscard]] double change_floor();
  [[nodiscard]] double saturation_with_new(std::int32_t link);
  static constexpr std::size_t kReplayMembers = 64;  // links with more members: the bound C_l / n_l
  bool gather_region(double floor, std::size_t limit = std::numeric_limits<std::size_t>::max());  // false past it
  // A region of at most this many flows is filled as it is; a larger one
  // (any one, while loads are kept) tries the tight region first.
  static constexpr std::size_t kSmallRegion = 32;
  // The tight region (see the header): flows whose bottleneck a change reaches; the rest held.
  [[nodiscard]] bool solve_tight(double floor);
  [[nodiscard]] bool gather_tight(double floor);  // false: its links are too busy to be worth it
  void include(std::int32_t flow);
  void take_pending();  // the links of the flows include() took in, into the region
  Scratch<Incidence> flow_links_;  // flows' links in one list (append_links()), a value beside each
  Scratch<double> flow_values_;    // (include()'s with its load, account()'s, freeze_members()'s)
  void visit_tight(std::int32_t link);
  void scan_tight(std::int32_t link, double floor);
  void boundary_from_candidates();
  void start_at_floor(std::int32_t link, double floor, bool from_ledger);  // rates_scratch_: its members below
  // Lazy links and the loads they stand on (max_min_lazy.hpp).
  void start_links(double floor);
  void boundary_of(std::int32_t link, double floor, bool frozen);
  void wake(std::int32_t link);
  void bring_up(std::int32_t link);
  void fail_lazy();  // a woken link was below its bound: the fill runs again without lazy links
  void account();      // after a solve: the solved flows' loads and held lists
  void account_all();  // every live flow's, from nothing
  void add_load(const Flow& f, double delta);  // its links' loads
  void hold(std::int32_t flow, std::int32_t link);
  void unhold(std::int32_t flow);
  lazy::State lazy_;
  void check_boundary_left();
  void clear_boundary(bool filled);
  void replay_below(std::int32_t link, Scratch<double>& rates, double floor);
  void start_from_ledger(std::int32_t link, double floor);
  void record(std::int32_t link, double level, double left, std::int32_t frozen_now);
  static constexpr std::size_t kLedgerMembers = 32;
  [[nodiscard]] bool keeps_ledger(std::int32_t link) const { return link_at(link).members.size() > kLedgerMembers; }
  [[nodiscard]] bool ledger_exact(std::int32_t link, double floor) const {
    return keeps_ledger(link) && ledgers_[static_cast<std::size_t>(link)].exact_below >= floor;
  }
  void begin_ledger(std::int32_t link, Fill& k);
  void ledgers_exact(double below);         // every component link's ledger exact below `below`
  static constexpr int kTightAttempts = 4;  // then the region of every flow at or above the floor
  void region_shares(bool unfrozen = false);
  void fill_rounds(double level);
  void take(std::int32_t link, double level);  // its part in the round at `level` (max_min_rounds.cpp)
  void take_past_boundary(std::int32_t link, double level);
  // Where the link fills next: its share once the boundary flows that leave it
  // below that level have left (+inf when nothing is left on it).
  [[nodiscard]] double key(const Fill& k) const {
    if (k.unfrozen == 0) return kUncapped;
    return k.boundary_at == k.boundary_end ? k.share : past_boundary(k).level;
  }
  struct PastBoundary {
    double level;     // where the link fills
    std::int32_t at;  // the first boundary entry still on it then
  };
  [[nodiscard]] PastBoundary past_boundary(const Fill& k) const;
  // The boundary flows that leave the link below `level` leave it, each rate
  // its own round, as a full fill would run them.
  void depart_below(Fill& k, double level);
  static void leave(Fill& k, double level, std::int32_t count);  // one round: R_l ← its base − level·count
  void depart_at(std::int32_t link, double level);
  [[nodiscard]] double next_cap();
  void freeze_capped(double level);
  void settle(double level);
  // The rounds (max_min_rounds.cpp): a flow, or every flow of a link that fills, frozen at the
  // level; its links' k_l counted, the new ones listed in touched_ (touch_links()).
  void freeze(std::int32_t flow, double level, std::int32_t by);
  void freeze_members(std::int32_t link, double level);
  void touch_links(const Incidence* first, const Incidence* last);
  Scratch<std::int32_t> freezing_;  // freeze_members(): the flows it freezes
  // heap_: the region's links with unfrozen flows, a 4-ary min-heap on
  // (key, link id) that knows where each link sits (Fill::heap_at), so a
  // settled link moves to its new key instead of leaving a stale entry. An
  // entry carries its link's key: sifts compare entries without visiting the
  // links. The lazy links wait apart, by bound (max_min_heap.cpp).
  struct HeapEntry {
    double key;  // its link's key(): the share, or where it fills past its boundary flows (lazy: the bound)
    std::int32_t link;
  };
  [[nodiscard]] static bool before(const HeapEntry& a, const HeapEntry& b) {
    return a.key < b.key || (a.key == b.key && a.link < b.link);
  }
  void heap_place(std::size_t at, const HeapEntry& e);
  void sift_up(std::size_t at);
  void sift_down(std::size_t at);
  void heap_build();
  void heap_enter(std::int32_t link);  // its key computed, its entry appended: heap_heapify() orders them
  void heap_append(std::int32_t link);
  void heap_heapify();
  void heap_remove(std::int32_t link);
  void heap_move(std::size_t at, double key);  // the entry at `at` takes the key, then its place
  void heap_push(std::int32_t link);
  void heap_clear();  // and the lazy links'

  std::vector<Link> links_;
  std::vector<Fill> fills_;
  std::vector<Ledger> ledgers_;
  std::vector<Flow> flows_;
  std::vector<std::int32_t> free_flows_, dirty_;
  std::vector<std::int32_t> added_;  // flows added since the last solve
  double removed_floor_ = kUncapped;  // the least rate of a flow removed since the last solve
  bool whole_ = false;                // solve_all: fill whole components
  Scratch<double> rates_scratch_;
  std::vector<std::int32_t> seeds_;  // the changed links, kept for a fallback to whole components
  std::size_t below_floor_ = 0;  // gather_region: members below the floor of the region's links
  Scratch<std::int32_t> component_links_;  // solve()'s scratch from here: steady state allocates nothing
  std::vector<std::int32_t> component_flows_;
  std::vector<std::int32_t> capped_;   // capped flows of the components, by (cap, id)
  Scratch<std::int32_t> touched_, touched_lazy_;  // links with k_l > 0 in the current round, lazy ones apart
  std::vector<HeapEntry> heap_;        // links by key (heap_build and the sifts)
  BoundHeap lazy_heap_;                // the lazy links, by bound (bound_heap.hpp)
  bool heap_live_ = false;             // rounds on heap_ (after the first; all, with lazy links)
  struct Boundary {
    double rate;
    std::int32_t flow;
  };
  Scratch<Boundary> boundary_;        // the tight region's boundary flows, link by link
  std::vector<Boundary> candidates_;  // gather_tight(): members that may be boundary flows
  std::vector<std::int32_t> forced_;  // boundary flows a failed tight fill could not hold
  bool violated_ = false;             // the current tight fill failed
  struct Saved { double rate; std::int32_t bottleneck; };
  std::vector<Saved> saved_;  // the tight region's flows before its fill, for a retry
  std::size_t next_cap_ = 0;           // capped_[next_cap_]: the lowest cap not yet passed
  std::size_t unfrozen_ = 0;           // flows of the fill not yet frozen
  std::uint32_t epoch_ = 0;            // the current gather's mark (Link::seen, Flow::seen)
  std::uint64_t recomputations_ = 0, solved_total_ = 0, replayed_total_ = 0;  // the counts above
};

}  // namespace orrery::fluid
