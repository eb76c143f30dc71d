// Task sources: what the executor runs. A fixed task graph, lowered before the
// run, is one source; a workload that decides its next work from what has
// happened — requests that arrive, continuous batching, a router — is another:
// it submits tasks while the simulation runs, when tasks it submitted finish
// or at times it asks to be woken.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "sim/core/ids.hpp"
#include "sim/core/time.hpp"
#include "sim/task/task_graph.hpp"

namespace orrery::task {

// What a source may do while the run goes (the executor implements it).
class TaskSink {
 public:
  virtual ~TaskSink() = default;
  [[nodiscard]] virtual Time now() const = 0;
  // Adds a task that starts once every task in `after` has finished (tasks
  // already finished count as done; an empty list: ready now, or at
  // task.not_before). Its memory effects apply when it ends. `task.name` is
  // ignored: `name` is interned. Returns its id, valid for start_of/end_of.
  virtual TaskId submit(Work work, TaskKind kind, std::string_view name, std::span<const TaskId> after,
                        std::span<const MemoryEffect> on_end = {}, int micro_batch = -1, int stage = -1) = 0;
  // Calls `wake` at time `t` (not before now): arrivals, timers.
  virtual void wake_at(Time t, std::function<void()> wake) = 0;
  [[nodiscard]] virtual bool finished(TaskId id) const = 0;
  [[nodiscard]] virtual Time start_of(TaskId id) const = 0;
  [[nodiscard]] virtual Time end_of(TaskId id) const = 0;
};

class TaskSource {
 public:
  virtual ~TaskSource() = default;
  // At the start of the run (time zero): the first tasks and wake-ups.
  virtual void begin(TaskSink& sink) = 0;
  // A task this source submitted has finished (its end time is sink.now()).
  virtual void finished(TaskSink& /*sink*/, TaskId /*task*/) {}
};

}  // namespace orrery::task
