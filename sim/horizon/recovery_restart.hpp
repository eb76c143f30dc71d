// `recovery: { kind: restart }`, also what a scenario without policies.recovery
// gets: manual operations — someone notices (30 min) and relaunches by hand
// (1 h); our round figures, stated as such.
#pragma once

#include "sim/horizon/recovery_policy.hpp"

namespace orrery::horizon {

class ManualRestart final : public RecoveryPolicy {
 public:
  static constexpr std::string_view kDescription =
      "manual restart from the last checkpoint: detection and relaunch by operators";
  static constexpr Duration kDetection = Duration::s(1800);
  static constexpr Duration kRestart = Duration::s(3600);
  static std::shared_ptr<const RecoveryPolicy> read(config::Reader& r) {
    return std::make_shared<ManualRestart>(Recovery::read(r, kDetection, kRestart));
  }
  explicit ManualRestart(Recovery r = {kDetection, kRestart}) : r_(r) {}

  [[nodiscard]] const Recovery& recovery() const override { return r_; }

 private:
  Recovery r_;
};

}  // namespace orrery::horizon
