// `failures: { kind: llama3 }`: the Llama 3 report's interruptions by cause as
// rates per GPU (models::llama3_profile), scaled to the cluster.
#pragma once

#include "sim/horizon/failure_policy.hpp"

namespace orrery::horizon {

class Llama3Failures final : public FailurePolicy {
 public:
  static constexpr std::string_view kDescription =
      "the Llama 3 report's interruptions (419 in 54 days on 16,384 H100, by cause) as rates per GPU";
  static std::shared_ptr<const FailurePolicy> read(config::Reader& r);
  Llama3Failures(Duration detection, Duration repair, int nodes_per_switch)
      : detection_(detection), repair_(repair), nodes_per_switch_(nodes_per_switch) {}

  [[nodiscard]] int nodes_per_switch() const override { return nodes_per_switch_; }
  [[nodiscard]] std::vector<models::FailureClass> classes(
      const models::ClusterCounts& counts) const override {
    return models::llama3_profile(counts, detection_, repair_);
  }

 private:
  Duration detection_, repair_;
  int nodes_per_switch_ = 8;
};

}  // namespace orrery::horizon
