#include "sim/task/pricing.hpp"

namespace orrery::task {

Bandwidth DeviceFacts::bandwidth(HostPath path) const {
  switch (path) {
    case HostPath::kPcie: return pcie_bandwidth();
    case HostPath::kHostMemory: return host_memory_bandwidth();
    case HostPath::kNvmeRead: return nvme_read_bandwidth();
    case HostPath::kNvmeWrite: return nvme_write_bandwidth();
    case HostPath::kNone: break;
  }
  return Bandwidth{};
}

}  // namespace orrery::task
