#include "sim/trace/recorder.hpp"

namespace orrery::trace {

std::int32_t Recorder::intern(std::string_view name) {
  auto [it, inserted] = index_.try_emplace(std::string(name), static_cast<std::int32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  return it->second;
}

}  // namespace orrery::trace
