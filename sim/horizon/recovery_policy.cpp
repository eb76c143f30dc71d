// The recovery keys every kind shares.
#include "sim/horizon/recovery_policy.hpp"

namespace orrery::horizon {

Recovery Recovery::read(config::Reader& r, Duration detection, Duration restart) {
  Recovery c;
  c.detection =
      r.optional<Duration>("detection", detection, "time to detect a failure (overrides the classes')");
  c.restart = r.optional<Duration>(
      "restart", restart, "time to evict, reschedule and relaunch the job, before loading the checkpoint");
  c.spares = r.optional<int>("spares", 0, "spare nodes that replace failed ones at once");
  c.repair = r.optional<bool>("repair", true, "failed nodes come back after their repair time");
  r.check(c.spares >= 0, "spares", "must not be negative");
  r.check(*c.detection >= Duration{}, "detection", "must not be negative");
  r.check(c.restart >= Duration{}, "restart", "must not be negative");
  r.check(c.spares > 0 || c.repair, "spares",
          "with no spares and no repair a failed node never comes back: the job can never restart");
  return c;
}

}  // namespace orrery::horizon
