// Bubble filling: after one iteration has been simulated, extra work is
// placed into each device's idle gaps without moving anything that ran — so
// the iteration cannot get longer. PipeFisher (Osawa et al. 2023) puts K-FAC's
// work there: per linear layer, the Kronecker factors A = a·aᵀ (inputs) and
// G = g·gᵀ (output gradients), their inversion (a refresh of the curvature),
// and the preconditioning of the gradient with both inverses (every step).
//
// Placement, per device: fillers in the order given (for K-FAC: every step's
// preconditioning first, then refresh work), each into the earliest gap it
// fits whole (first fit); a filler that fits no gap stays unplaced. The gaps
// are the device's idle intervals inside [0, T] of the iteration. A refresh
// done in k iterations counts 1/k refreshes per iteration.
#pragma once

#include <string>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/trace/recorder.hpp"

namespace orrery::horizon {

struct Interval {
  Time start, end;
};

struct Filler {
  std::string name;
  Duration duration;
  bool refresh = false;  // part of a curvature refresh (else needed every step)
};

struct DeviceFill {
  int device = 0;
  std::vector<Interval> busy;    // what ran, sorted, not overlapping
  std::vector<Filler> fillers;   // what to place, in order
};

struct PlacedFiller {
  int device;
  std::size_t filler;  // index into that device's fillers
  Time start, end;
};

struct FillResult {
  std::vector<PlacedFiller> placed;
  double utilization_before = 0;  // mean over devices of busy / T
  double utilization_after = 0;
  double unplaced_s = 0;          // filler time that fit nowhere
  double every_step_unplaced_s = 0;
  double refreshes_per_iteration = 0;  // min over devices of placed refresh work / all refresh work
  double smallest_gap_s = 0;           // of the gaps left
};

// The idle gaps of `busy` (sorted, possibly overlapping) inside [0, end).
[[nodiscard]] std::vector<Interval> gaps(std::vector<Interval> busy, Time end);

[[nodiscard]] FillResult fill_bubbles(const std::vector<DeviceFill>& devices, Time iteration_end);

// Adds the summary keys (utilization before/after, refreshes per iteration,
// unplaced work) and a /fillers table (device, start_s, end_s, filler).
void record(const FillResult& r, const std::vector<DeviceFill>& devices, trace::Recorder& rec);

}  // namespace orrery::horizon
