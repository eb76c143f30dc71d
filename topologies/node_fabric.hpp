// What is inside a node: how many devices, and the fabric that joins them.
// `single` is one device attached straight to the scale-out network; the
// NVSwitch, xGMI, PCIe and board-mesh fabrics join it as more kinds.
#pragma once

#include "sim/config/reader.hpp"

namespace orrery::topo {

class NodeSpec {
 public:
  virtual ~NodeSpec() = default;
  [[nodiscard]] virtual int devices() const = 0;
};

class SingleDeviceNode final : public NodeSpec {
 public:
  [[nodiscard]] int devices() const override { return 1; }
};

}  // namespace orrery::topo
