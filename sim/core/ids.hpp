// Strong integer ids, so that a device index cannot be passed where a link
// index is expected. Folders refer to each other's objects by these ids.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace orrery {

template <class Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(std::int32_t v) : v_(v) {}
  [[nodiscard]] constexpr std::int32_t value() const { return v_; }
  [[nodiscard]] constexpr bool valid() const { return v_ >= 0; }
  constexpr auto operator<=>(const Id&) const = default;

 private:
  std::int32_t v_ = -1;
};

using DeviceId = Id<struct DeviceTag>;  // an accelerator
using VertexId = Id<struct VertexTag>;  // a vertex of the cluster graph (endpoint or switch)
using LinkId = Id<struct LinkTag>;      // a directed link of the cluster graph
using TaskId = Id<struct TaskTag>;      // a task of a task graph

}  // namespace orrery

template <class Tag>
struct std::hash<orrery::Id<Tag>> {
  std::size_t operator()(orrery::Id<Tag> id) const noexcept { return std::hash<std::int32_t>{}(id.value()); }
};
