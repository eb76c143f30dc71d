// The host tier (ZeRO-Offload, Ren et al. ATC'21; ZeRO-Infinity, Rajbhandari
// et al. SC21): the optimizer step on the host instead of the device —
// gradients down over PCIe, optimizer states read from and written back to
// NVMe when they live there, Adam on the host, the updated 16-bit weights back
// up. Adam on the host is memory-bound: fp32 master weights, momentum,
// variance and gradient read, the three states and the 16-bit weights written,
// 30 bytes per parameter. The GPUs of a node share the host's memory and NVMe
// bandwidth; each has its own PCIe link.
#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

namespace {

Bandwidth per_device(Bandwidth node, const ClusterShape& cluster) {
  return Bandwidth::bytes_per_s(node.bytes_per_s() / static_cast<double>(cluster.devices_per_node));
}

}  // namespace

Bandwidth parameter_fetch_bandwidth(const TrainingLowering& l) {
  const DeviceModel& host = *l.cluster.device;
  return l.p.offload_params == Offload::kNvme ? per_device(host.nvme_read_bandwidth(), l.cluster)
                                              : host.pcie_bandwidth();
}

TaskId add_host_optimizer_step(TrainingLowering& l, DeviceId dev, double local, int stage,
                               const std::vector<TaskId>& before) {
  const DeviceModel& host = *l.cluster.device;
  const bool nvme = l.p.offload == Offload::kNvme;
  TaskGraph& g = l.g;
  // One link of the chain: `bytes` moved (or, for Adam, read and written) at `bw`.
  TaskId last;
  const auto then = [&](double bytes, Bandwidth bw, Bytes counted, TaskKind kind, std::string_view name) {
    const TaskId x = g.add(DelayWork{dev, bytes_over(bytes, bw), counted}, kind, name, -1, stage);
    if (last.valid()) g.depend(last, x);
    last = x;
    return x;
  };
  const double grads = local * l.grad_bytes();
  const TaskId down = then(grads, host.pcie_bandwidth(), Bytes(static_cast<std::int64_t>(grads)),
                           TaskKind::kSend, "gradients to host");
  for (TaskId b : before) g.depend(b, down);
  const double states = local * l.p.optimizer_state_bytes();  // master weights, momentum and variance
  if (nvme) {
    then(states, per_device(host.nvme_read_bandwidth(), l.cluster), Bytes(static_cast<std::int64_t>(states)),
         TaskKind::kSend, "optimizer states from nvme");
  }
  then(local * l.p.adam_bytes_per_parameter(),
       per_device(host.host_memory_bandwidth(), l.cluster), Bytes(0), TaskKind::kOptimizer,
       "optimizer step (host)");
  if (nvme) {
    then(states, per_device(host.nvme_write_bandwidth(), l.cluster), Bytes(static_cast<std::int64_t>(states)),
         TaskKind::kSend, "optimizer states to nvme");
  }
  const double weights = local * kWeightBytes;
  return then(weights, host.pcie_bandwidth(), Bytes(static_cast<std::int64_t>(weights)), TaskKind::kSend,
              "weights to device");
}

}  // namespace orrery::workload::training
