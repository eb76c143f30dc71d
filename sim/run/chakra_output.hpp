// `orrery run SCENARIO --chakra PREFIX`: the run's lowered task graph, with
// the times it ran, written as a Chakra execution trace that ASTRA-sim can
// replay (workloads/chakra/chakra_export.hpp has the mapping): PREFIX.RANK.et
// for each device and PREFIX.comm_groups.json. Every file is written to a
// temporary beside it and renamed only with the run's other outputs, after the whole run has
// succeeded; a failed run or a failed write leaves none of them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/task/task_graph.hpp"
#include "sim/trace/atomic_file.hpp"

namespace orrery::run {

class ChakraOutput {
 public:
  // Throws ConfigError when PREFIX's folder cannot take the files.
  explicit ChakraOutput(std::string prefix);
  // Writes the temporaries (call once, after the run).
  void write(const task::TaskGraph& graph, const task::TaskTimes& times, int devices);
  // Its temporaries, for trace::commit_together with the run's other outputs.
  [[nodiscard]] std::vector<trace::AtomicFile*> files() const;

 private:
  std::string prefix_;
  std::vector<std::unique_ptr<trace::AtomicFile>> files_;
};

}  // namespace orrery::run
