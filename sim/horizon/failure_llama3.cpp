// The Llama 3 profile's keys: only the times the report does not give.
#include "sim/horizon/failure_llama3.hpp"

namespace orrery::horizon {

std::shared_ptr<const FailurePolicy> Llama3Failures::read(config::Reader& r) {
  const auto detection = r.optional<Duration>(
      "detection", kFailureDetection, "time from a failure to its detection (ours: the report gives none)");
  const auto repair = r.optional<Duration>("repair", kFailureRepair,
                                           "time until a failed node is back (ours: the report gives none)");
  const int nodes_per_switch =
      r.optional<int>("nodes_per_switch", 8, "nodes that a switch failure takes out");
  r.check(detection >= Duration{}, "detection", "must not be negative");
  r.check(repair >= Duration{}, "repair", "must not be negative");
  return std::make_shared<Llama3Failures>(detection, repair, nodes_per_switch);
}

}  // namespace orrery::horizon
