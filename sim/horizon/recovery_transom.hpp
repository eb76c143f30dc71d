// `recovery: { kind: transom }`: automatic fault tolerance after TRANSOM (Wu
// et al. 2023) — anomaly detection (TEE) and eviction + relaunch (TOL) in
// minutes; our figures (the paper gives the 28% total and the 20× checkpoint
// speed-up, which its async checkpoint, `checkpoint: async`, carries).
#pragma once

#include "sim/horizon/recovery_policy.hpp"

namespace orrery::horizon {

class TransomRecovery final : public RecoveryPolicy {
 public:
  static constexpr std::string_view kDescription =
      "automatic fault tolerance (TRANSOM-like): anomaly detection, eviction, relaunch";
  static constexpr Duration kDetection = Duration::s(120);
  static constexpr Duration kRestart = Duration::s(600);
  static std::shared_ptr<const RecoveryPolicy> read(config::Reader& r) {
    return std::make_shared<TransomRecovery>(Recovery::read(r, kDetection, kRestart));
  }
  explicit TransomRecovery(Recovery r) : r_(r) {}

  [[nodiscard]] const Recovery& recovery() const override { return r_; }

 private:
  Recovery r_;
};

}  // namespace orrery::horizon
