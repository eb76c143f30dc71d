#include "sim/horizon/policies.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/horizon/checkpoint_async.hpp"
#include "sim/horizon/checkpoint_in_memory.hpp"
#include "sim/horizon/checkpoint_none.hpp"
#include "sim/horizon/checkpoint_sync.hpp"
#include "sim/horizon/failure_classes.hpp"
#include "sim/horizon/failure_llama3.hpp"
#include "sim/horizon/recovery_restart.hpp"
#include "sim/horizon/recovery_transom.hpp"

namespace orrery::horizon {

void register_builtin(PolicyRegistries& reg) {
  reg.failures.add("classes", std::string(FailureClasses::kDescription), FailureClasses::read);
  reg.failures.add("llama3", std::string(Llama3Failures::kDescription), Llama3Failures::read);
  reg.checkpoints.add("none", std::string(NoCheckpoint::kDescription), NoCheckpoint::read);
  reg.checkpoints.add("sync", std::string(SyncCheckpoint::kDescription), SyncCheckpoint::read);
  reg.checkpoints.add("async", std::string(AsyncCheckpoint::kDescription), AsyncCheckpoint::read);
  reg.checkpoints.add("in_memory", std::string(InMemoryCheckpoint::kDescription), InMemoryCheckpoint::read);
  reg.recoveries.add("restart", std::string(ManualRestart::kDescription), ManualRestart::read);
  reg.recoveries.add("transom", std::string(TransomRecovery::kDescription), TransomRecovery::read);
  reg.fillers.add("kfac", "PipeFisher: K-FAC curvature, inversion and preconditioning placed in the pipeline's bubbles",
                [](config::Reader& r) {
                  auto b = std::make_shared<BubbleFillingSpec>();
                  b->kind = "kfac";
                  b->kfac_refreshes = r.optional<int>("refreshes", 1, "curvature refreshes wanted per iteration");
                  r.check(b->kfac_refreshes >= 1, "refreshes", "must be at least 1");
                  return std::shared_ptr<const BubbleFillingSpec>(b);
                });
  reg.fillers.add("tasks", "a list of filler tasks placed in the pipeline's bubbles", [](config::Reader& r) {
    auto b = std::make_shared<BubbleFillingSpec>();
    b->kind = "tasks";
    r.list("tasks", "filler tasks: { name, duration, count }", true, [&](config::Reader& t, std::size_t) {
      FillerTask f;
      f.name = t.required<std::string>("name", "what the task is");
      f.duration = t.required<Duration>("duration", "how long one takes");
      f.count = t.optional<int>("count", 1, "how many per device and iteration");
      t.check(f.duration > Duration{}, "duration", "must be positive");
      t.check(f.count >= 1, "count", "must be at least 1");
      b->tasks.push_back(f);
    });
    return std::shared_ptr<const BubbleFillingSpec>(b);
  });
}

Policies read_policies(config::Reader& r, const PolicyRegistries& reg) {
  Policies p;
  p.at = r.where("");
  // Each policy applies only when its section is there.
  const auto present = [&r](const char* key) { return r.describing() || r.has(key); };
  if (present("failures")) {
    r.section("failures", "what fails and how often (enables the long-horizon simulation)", false,
              [&](config::Reader& s) { p.failures = reg.failures.create(s); });
  }
  if (present("checkpoint")) {
    r.section("checkpoint", "how the job checkpoints", false,
              [&](config::Reader& s) { p.checkpoint = reg.checkpoints.create(s); });
  }
  if (present("recovery")) {
    r.section("recovery", "how the job recovers", false,
              [&](config::Reader& s) { p.recovery = reg.recoveries.create(s); });
  }
  if (present("horizon")) r.section("horizon", "how long to simulate", false, [&](config::Reader& s) {
    HorizonSpec h;
    const auto days = s.maybe<double>("days", "simulate this many days of wall time");
    const auto length = s.maybe<Duration>("length", "simulate this much wall time (instead of days)");
    h.iterations = s.optional<std::int64_t>("iterations", 0, "train this many iterations (time to train)");
    h.iteration_time = s.maybe<Duration>("iteration_time", "one iteration, given instead of simulated from the workload");
    h.replicas = s.optional<int>("replicas", 20, "Monte Carlo replicas (seeds); `orrery run --replicas R` overrides");
    if (s.describing()) return;
    s.check(!(days && length), "length", "give days or length, not both");
    if (days) {
      s.check(*days > 0, "days", fmt::format("must be positive, got {}", *days));
      h.length = Duration::ns(static_cast<std::int64_t>(*days * 86400e9));
    }
    if (length) {
      s.check(*length > Duration{}, "length", "must be positive");
      h.length = *length;
    }
    s.check(h.iterations >= 0, "iterations", "must not be negative");
    s.check(h.length > Duration{} || h.iterations > 0, "days", "give days, length or iterations");
    if (h.iteration_time) s.check(*h.iteration_time > Duration{}, "iteration_time", "must be positive");
    s.check(h.replicas >= 1, "replicas", "must be at least 1");
    p.horizon = h;
  });
  if (present("bubble_filling")) {
    r.section("bubble_filling", "extra work placed in the pipeline's idle gaps", false,
              [&](config::Reader& s) { p.bubble_filling = reg.fillers.create(s); });
  }
  return p;
}

}  // namespace orrery::horizon
