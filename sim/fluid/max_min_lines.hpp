// The max-min solver's line mode: the state MaxMinSolver keeps for it
// (max_min.hpp; the functions are in max_min_lines.cpp).
//
// Lines. When flows only ever cross links along one line — each flow's links,
// in the order given, are consecutive links of a chain that every flow walks
// the same way (a chain of endpoints, one direction of it) — a flow is an
// interval of positions on its line, and a component is a run of positions.
// The solver learns the lines from the flows (each pair of consecutive links
// of a flow says which link follows which) for as long as no flow contradicts
// them; one that does (a link followed by two different links, or a cycle)
// ends line mode for good, and the solves after it are the general ones of
// max_min.hpp (line fills record each flow's bottleneck as the general fill
// does; the links' ledgers, which they do not write, are then exact nowhere).
// In line mode a solve finds each changed component from the counts of flows
// that cross each link and the next (no breadth-first gather), and fills it
// whole over its positions. A round passes over the run's live positions
// only (those an unfrozen flow still crosses: a position whose flows are all
// frozen takes no count again), twice: down, it freezes the flows that cross
// a full link by a sweep over the flows bucketed by first position and
// ordered by last (each flow leaves its bucket once); up, it takes each
// link's k_l from a difference array over the frozen flows' intervals and
// finds the next round's level — O(live positions + frozen flows) a round
// instead of O(incidences). The fill then writes back, and lists in
// solved_flows(), only the flows whose rate or bottleneck moved. The
// rounds, levels and the arithmetic R_l ← base − λ·count are those of the fill
// (max_min.hpp), so the rates are the same, bit for bit (tests/fluid compare
// them with solve_all on random chains). A component whose flows are thousands
// of intervals across a hundred links a flow (a heavily loaded chain) costs
// tens of rounds over its run instead of its incidences. A run's rounds can be
// as many as its links, though, and where flows are short against the run a
// change moves few of them, which the general solve finds in far less: so a
// component is filled over positions only when its flow–link incidences I and
// its run of m links have 4·I ≥ m² (a fill of about m/4 rounds costs what the
// incidences would), and is left to the general solve otherwise — at once,
// without finding the run, when the whole line's incidences and links fail the
// same test. Line fills leave their links' ledgers exact nowhere, so the
// general solve can follow them at any change.
#pragma once

#include <cstdint>
#include <vector>

namespace orrery::fluid::lines {

// Per link: its neighbours on its line, and what a line solve reads of the flows there.
struct Link {
  std::int32_t next = -1;  // the link after it on its line, or -1
  std::int32_t prev = -1;
  std::int32_t line = -1;  // its line (State::lines), or -1: no flow has crossed it
  std::int32_t pos = 0;    // its place on the line
  std::int32_t bridges = 0;  // live flows that cross it and then `next`
  // The live flows whose first link it is, the longest first: those reach
  // farthest along the line.
  struct Start {
    double cap;
    std::int32_t length;  // its links
    std::int32_t flow;
  };
  std::vector<Start> starts;
  std::uint32_t run_epoch = 0;  // the line solve that found its run (State::epoch)
  bool run_by_line = false;     // and whether that run is filled over positions
};

// A run of positions [x, y] on a line.
struct Span {
  std::int32_t line, x, y;
};

// A fill's scratch, by position in the run.
struct Run {
  double left, base, level_now, share;
  std::int32_t unfrozen, count_now, diff;
  std::int32_t next;   // the next live position (the run's length after the last)
  std::int32_t reach;  // the last position of the first flow left in its bucket, or -1
};

// A flow of the run, in its first position's bucket.
struct Entry {
  double cap;
  double rate;
  std::int32_t first, last;  // its positions in the run
  std::int32_t flow;
  std::int32_t bottleneck;
  bool frozen;
};

struct State {
  bool on = true;  // every flow so far has run along the lines
  std::vector<Link> links;
  std::vector<std::vector<std::int32_t>> lines;  // each line's links, in order
  std::vector<double> incidences;                // each line's flow–link incidences
  std::uint32_t epoch = 0;
  std::uint64_t fills = 0;  // runs filled over positions
  std::vector<Span> runs;   // the current solve's runs to fill over positions
  // fill_line()'s scratch
  std::vector<Run> run;
  std::vector<Entry> entries;
  std::vector<std::int32_t> bucket_at, bucket_end;
  std::vector<std::int32_t> capped;        // entries with a cap, by (cap, flow id)
  std::vector<std::int32_t> frozen_round;  // entries frozen in the current round
  std::vector<std::int32_t> live;          // the positions still crossed by an unfrozen flow, in order
};

}  // namespace orrery::fluid::lines
