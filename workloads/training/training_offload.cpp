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

// `bytes` over one of the host's paths (the pricing pass prices it), shared
// by the node's devices where they share it: host memory and NVMe.
DelayWork over(DeviceId dev, HostPath path, double bytes, Bytes counted, const ClusterShape& cluster) {
  DelayWork w{dev, Duration{}, counted};
  w.path = path;
  w.path_bytes = bytes;
  w.sharers = path == HostPath::kPcie ? 1 : cluster.devices_per_node;
  return w;
}

}  // namespace

DelayWork parameter_fetch(const TrainingLowering& l, DeviceId dev, double bytes) {
  return over(dev, l.p.offload_params == Offload::kNvme ? HostPath::kNvmeRead : HostPath::kPcie, bytes,
              Bytes(static_cast<std::int64_t>(bytes)), l.cluster);
}

TaskId add_host_optimizer_step(TrainingLowering& l, DeviceId dev, double local, int stage,
                               const std::vector<TaskId>& before) {
  const bool nvme = l.p.offload == Offload::kNvme;
  TaskGraph& g = l.g;
  // One link of the chain: `bytes` moved (or, for Adam, read and written) over `path`.
  TaskId last;
  const auto then = [&](double bytes, HostPath path, Bytes counted, TaskKind kind, std::string_view name) {
    const TaskId x = g.add(over(dev, path, bytes, counted, l.cluster), kind, name, -1, stage);
    if (last.valid()) g.depend(last, x);
    last = x;
    return x;
  };
  const double grads = local * l.grad_bytes();
  const TaskId down = then(grads, HostPath::kPcie, Bytes(static_cast<std::int64_t>(grads)), TaskKind::kSend,
                           "gradients to host");
  for (TaskId b : before) g.depend(b, down);
  const double states = local * l.p.optimizer_state_bytes();  // master weights, momentum and variance
  if (nvme) {
    then(states, HostPath::kNvmeRead, Bytes(static_cast<std::int64_t>(states)), TaskKind::kSend,
         "optimizer states from nvme");
  }
  then(local * l.p.adam_bytes_per_parameter(), HostPath::kHostMemory, Bytes(0), TaskKind::kOptimizer,
       "optimizer step (host)");
  if (nvme) {
    then(states, HostPath::kNvmeWrite, Bytes(static_cast<std::int64_t>(states)), TaskKind::kSend,
         "optimizer states to nvme");
  }
  const double weights = local * kWeightBytes;
  return then(weights, HostPath::kPcie, Bytes(static_cast<std::int64_t>(weights)), TaskKind::kSend,
              "weights to device");
}

}  // namespace orrery::workload::training
