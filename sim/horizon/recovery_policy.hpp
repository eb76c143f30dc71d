// What a recovery kind (`policies.recovery.kind`) decides: how the job comes
// back after a failure — detection (overriding the failure classes'), the
// restart before the checkpoint is loaded, spare nodes, and whether failed
// nodes are repaired. The kinds differ in their defaults (manual operations
// or automatic fault tolerance); one file each (recovery_restart,
// recovery_transom) and one line in policies.cpp's register_builtin.
#pragma once

#include <memory>
#include <optional>

#include "sim/config/reader.hpp"
#include "sim/config/registry.hpp"

namespace orrery::horizon {

struct Recovery {
  std::optional<Duration> detection;  // overrides the failure classes' when set
  Duration restart;                   // reschedule, relaunch, initialise (before the checkpoint is loaded)
  int spares = 0;                     // spare nodes
  bool repair = true;                 // failed nodes come back after their repair time

  // The keys every kind shares, with the kind's defaults.
  static Recovery read(config::Reader& r, Duration detection, Duration restart);
};

class RecoveryPolicy {
 public:
  virtual ~RecoveryPolicy() = default;
  [[nodiscard]] virtual const Recovery& recovery() const = 0;
};
using RecoveryRegistry = config::Registry<std::shared_ptr<const RecoveryPolicy>>;

}  // namespace orrery::horizon
