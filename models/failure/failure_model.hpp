// What breaks in a cluster, how often, and what a failure takes with it.
// A failure class is a population of like components (GPUs, nodes, NICs,
// switches, links, or the job's software) whose times to failure follow one
// distribution per component — exponential (memoryless: the class is a Poisson
// process of rate count/MTBF) or Weibull (shape k, scale λ; k < 1 infant
// mortality, k > 1 wear-out; each component renews when it is replaced). Every
// failure of a component the job uses interrupts the synchronous job; its
// scope says what else goes with it: a GPU, NIC or node failure takes its
// node out until repaired or replaced by a spare, a switch failure the nodes
// behind it, a link failure one node's uplink, a software failure nothing but
// the job. Each class has a detection time (timeout or health check before
// anyone acts) and a repair time (until the taken nodes are back).
//
// `llama3_profile` is the named profile of the Llama 3 report
// (shared/validation/README.md: 419 unexpected interruptions in 54 days of
// 405B pre-training on 16,384 H100, by cause), as rates per GPU so that it
// scales with the cluster.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/core/time.hpp"

namespace orrery::models {

enum class FailureScope : std::uint8_t { kGpu, kNode, kNic, kSwitch, kLink, kJob };
[[nodiscard]] std::string_view name_of(FailureScope s);

struct FailureDistribution {
  enum class Kind : std::uint8_t { kExponential, kWeibull };
  Kind kind = Kind::kExponential;
  double shape = 1.0;    // Weibull k
  double scale_s = 0;    // seconds: exponential, the mean (MTBF); Weibull, λ (per component: may exceed a
                         // century, beyond what an int64 of nanoseconds holds)
  // Mean time to failure of one component: λ·Γ(1 + 1/k) (= scale when exponential).
  [[nodiscard]] double mean_s() const;
  [[nodiscard]] double draw_s(Rng& rng) const;
};

struct FailureClass {
  std::string name;
  FailureScope scope = FailureScope::kGpu;
  std::int64_t components = 1;       // how many the cluster has
  FailureDistribution time_to_failure;  // of one component
  Duration detection;
  Duration repair;
  int nodes_taken = 1;  // nodes out of service per failure (0 for software)
};

// The class population's rate of failures per second: Σ components / mean.
[[nodiscard]] double failure_rate(const std::vector<FailureClass>& classes);
// 1 / failure_rate: the job's mean time between interruptions.
[[nodiscard]] Duration job_mtbf(const std::vector<FailureClass>& classes);

// What the cluster has, for counting components.
struct ClusterCounts {
  std::int64_t gpus = 0, nodes = 0, nics = 0, switches = 0, links = 0;
  int nodes_per_switch = 1;  // behind one leaf switch
};
[[nodiscard]] std::int64_t components_of(FailureScope s, const ClusterCounts& c);

// The Llama 3 profile (Grattafiori et al. 2024, §3.3.4, Table 5), each cause's
// count over 54 days on 16,384 GPUs turned into an exponential time to failure
// per GPU (so rate = count × gpus / (16,384 × 54 days)), with the scope its
// cause implies. Detection and repair times are ours (the report gives none):
// given as arguments.
[[nodiscard]] std::vector<FailureClass> llama3_profile(const ClusterCounts& c, Duration detection, Duration repair);

}  // namespace orrery::models
