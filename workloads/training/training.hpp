// `training`: one iteration of transformer training under a parallel plan and
// a pipeline schedule, lowered to a task graph that sim/exec runs event by
// event. Nothing is a closed-form shortcut: the schedule orders each stage's
// F, B, W (or fused backward) operations; the lowering adds the data
// dependencies, the pipeline sends, the tensor-, context- and expert-parallel
// collectives inside each operation, the bucketed data-parallel gradient
// reduction after each chunk's last backward, ZeRO's parameter gathers and
// gradient reduce-scatters, offload transfers and the optimizer step; bubbles,
// overlap and contention come out of the run. training_lowering.hpp lists the
// concerns of the lowering, one file each.
//
// Granularity (a decision, stated in scenarios/README.md): the tp × cp ranks of
// a pipeline stage in one data-parallel replica run in lockstep, so their
// compute is one task on the group's first device (the "lead"), with the
// layers of a model chunk priced together by the device model; the collectives
// inside the group (tp all-reduce or reduce-scatter + all-gather, cp key/value
// ring, ep all-to-all) are priced collectives on the group's own routes (see
// CollectiveWork::priced). Pipeline sends go lead to lead through the network
// (each tp rank sends its share over its own NIC at the same time; the lead's
// flow stands for them). Data-parallel and ZeRO collectives run for every tp
// rank through the network, where they contend. Memory is tracked on the leads
// and reported for every rank of the group (memory_mirrors).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "workloads/training/plan.hpp"
#include "workloads/training/transformer.hpp"
#include "workloads/weight_format.hpp"
#include "workloads/calibration_coverage.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::training {

enum class Offload : std::uint8_t { kNone, kCpu, kNvme };
// The values of `training.offload` (and `offload_params`) and `training.recompute`.
inline const std::vector<std::string> kOffloadNames{"none", "cpu", "nvme"};
inline const std::vector<std::string> kRecomputeNames{"none", "selective", "full"};
enum class AttentionKernel : std::uint8_t { kFlash, kUnfused };
// The framework whose kernels a step launches (training_layer_ops.hpp):
// Megatron-LM / Megatron-Core (fused norm, bias+activation, bias-dropout-add,
// vocabulary-parallel cross entropy) or eager PyTorch (one kernel per op:
// LayerNorm, GELU or SwiGLU, residual adds, fp32 logits and cross entropy for
// the loss), whose memory-bound kernels the calibration's layer rows price.
enum class KernelSet : std::uint8_t { kMegatron, kEager };
// How each micro-batch's weight gradients join the iteration's (training.grad_accumulation):
// fused into the weight-gradient GEMM's epilogue (Megatron-LM's
// gradient_accumulation_fusion, on by default since February 2022), added into
// Megatron's contiguous main-gradient buffer by main_grad.add_ (local DDP with
// contiguous buffers, 2021), or by PyTorch autograd's AccumulateGrad into
// param.grad (torch DDP, 2021's local DDP without buffers, eager PyTorch): the
// first micro-batch's gradient is kept as produced (Megatron and torch zero
// gradients by setting them to None), each later one added in place.
enum class GradAccumulation : std::uint8_t { kFused, kBuffer, kAutograd };
enum class GradReduce : std::uint8_t { kAfterBackward, kPerChunk, kOverlap };

struct TrainingParams {
  TransformerSpec model;
  ParallelPlan plan;
  std::int64_t global_batch = 0;
  std::int64_t micro_batch = 1;
  std::shared_ptr<const Schedule> schedule;
  int zero_stage = 0;
  bool distributed_optimizer = false;
  bool post_validation = false;  // optimizer_step: iterations overlap per device (Qi et al. §4)
  bool synchronous_sends = true;  // pipeline_sends: the sender waits for its send (Megatron-LM's p2p)
  Offload offload = Offload::kNone;         // optimizer states (ZeRO-Offload; ZeRO-Infinity with nvme)
  Offload offload_params = Offload::kNone;  // parameters (ZeRO-Infinity; needs ZeRO stage 3)
  Recompute recompute = Recompute::kNone;
  DType precision = DType::kBf16;
  // Quantization-aware training (BitDistiller, OHQ) and sparse feed-forward
  // layers: the forward and input-gradient GEMMs read the layer's weights in
  // their stored format; weight gradients stay in `precision` (dense, or
  // sampled at the sparse pattern: SDDMM). The model states (master weights,
  // gradients, optimizer) keep their dense sizes.
  WeightFormat weights;
  DType gradient_precision = DType::kFp32;
  bool master_weights = true;                   // an fp32 master copy of the weights
  DType optimizer_precision = DType::kFp32;     // Adam's momentum and variance
  AttentionKernel attention = AttentionKernel::kFlash;
  KernelSet kernels = KernelSet::kMegatron;
  GradAccumulation grad_accumulation = GradAccumulation::kFused;
  bool scatter_gather = true;
  // grad_reduce: the data-parallel gradient buckets of a stage start after its
  // whole backward, one chunk after another (Megatron-LM's default, and 2021's
  // local DDP), each chunk's after its own last backward (per_chunk), or each
  // bucket as soon as its gradients are ready in the chunk's last backward
  // (overlap: torch DDP, Megatron-Core's --overlap-grad-reduce).
  GradReduce grad_reduce = GradReduce::kAfterBackward;
  [[nodiscard]] bool reduce_per_chunk() const { return grad_reduce == GradReduce::kPerChunk; }
  // overlap applies: data-parallel buckets (not ZeRO-2/3's per-micro-batch
  // reduce-scatters) leave during each chunk's last backward, run in pieces.
  [[nodiscard]] bool overlaps_reduce() const {
    return grad_reduce == GradReduce::kOverlap && plan.dp * plan.cp > 1 && zero_stage < 2;
  }
  bool vocab_parallel = false;
  bool check_memory = true;
  Bytes bucket_size;
  // Profiled compute: per stage, one micro-batch through the whole stage.
  bool profiled = false;
  std::vector<Duration> forward, backward, weight, comm;

  double max_tasks = config::Limits{}.tasks;  // the scenario's limits.tasks
  SourceLocation plan_at, batch_at, layers_at, device_at;
  std::map<std::string, SourceLocation> at;  // nested keys ("parallel.pp") for checks made after reading

  static TrainingParams read(config::Reader& r, const ScheduleRegistry& schedules);
  // The checks that need dp (batch over micro-batches and replicas, the graph's
  // size, the schedule): at read time, or once `dp: auto` is filled.
  void check_batch();
  // 16-bit weights (fp8 training keeps them too).
  [[nodiscard]] double weight_bytes() const { return precision == DType::kFp8 ? 2.0 : bytes_per_element(precision); }
  // Adam's state per parameter, ZeRO's K generalised: the fp32 master weight (4 B,
  // none when the 16-bit weights are updated in place) and momentum and variance
  // in optimizer_precision. Mixed-precision Adam: 4 + 2·4 = 12.
  [[nodiscard]] double optimizer_state_bytes() const {
    return (master_weights ? 4.0 : 0.0) + 2.0 * bytes_per_element(optimizer_precision);
  }
  // One Adam step over `parameters`: reads the states, the gradient (and the
  // 16-bit weight when there is no master copy), writes the states and the
  // 16-bit weight. Mixed precision with fp32 gradients: 16 B read, 14 written.
  [[nodiscard]] OptimizerStep adam_step(std::int64_t parameters) const {
    OptimizerStep o;
    o.parameters = parameters;
    o.bytes_read_per_parameter =
        optimizer_state_bytes() + bytes_per_element(gradient_precision) + (master_weights ? 0.0 : weight_bytes());
    o.bytes_written_per_parameter = optimizer_state_bytes() + weight_bytes();
    return o;
  }
  // What one Adam step moves per parameter, read and written (the host step's traffic).
  [[nodiscard]] double adam_bytes_per_parameter() const {
    const OptimizerStep o = adam_step(1);
    return o.bytes_read_per_parameter + o.bytes_written_per_parameter;
  }
  [[nodiscard]] std::int64_t micro_batches() const { return global_batch / (micro_batch * plan.dp); }
  // The type the weight-gradient GEMMs add into (Gemm::accumulate) when the
  // accumulation is fused: the main gradient's; else none (they write dW).
  [[nodiscard]] std::optional<DType> accumulates_in_gemm() const {
    return grad_accumulation == GradAccumulation::kFused ? std::optional<DType>(gradient_precision) : std::nullopt;
  }
  // What the separate accumulation kernel moves per parameter and micro-batch
  // (0 when fused): main_grad.add_(grad) reads the fresh 16-bit gradient and the
  // main gradient (gradient_precision) and writes the main gradient;
  // autograd's in-place add reads two gradients and writes one, all of the
  // parameter's own 16-bit type (param.grad has its parameter's dtype).
  [[nodiscard]] double accumulation_bytes_per_parameter() const {
    switch (grad_accumulation) {
      case GradAccumulation::kFused: return 0.0;
      case GradAccumulation::kBuffer: return weight_bytes() + 2.0 * bytes_per_element(gradient_precision);
      case GradAccumulation::kAutograd: return 3.0 * weight_bytes();
    }
    return 0.0;
  }
};

// One operation (F, B or W) of one virtual stage for one micro-batch: the
// operations that make it up as cost terms for the pricing pass (or, when
// profiled, its measured time), the model FLOPs it does as Megatron-LM counts
// them (per rank), and the collectives inside it.
struct CommCall {
  CollectiveOp op = CollectiveOp::kAllReduce;
  Axis axis = Axis::kTp;  // the group: tp, cp or (for ep) dp
  Bytes bytes;
  int count = 1;
};
struct OpCost {
  std::vector<CostTerm> terms;  // priced by the pricing pass (TaskGraph::add_cost)
  Duration measured;            // profiled: the time as measured, the in-group communication included
  double model_flops = 0;       // Megatron's count (attention over the full s², recompute included)
  double flops_no_recompute = 0;
  std::vector<CommCall> comm;
};
struct VirtualStageCost {
  OpCost forward, backward, weight;  // backward: B alone when the schedule splits it
  std::array<std::int32_t, 3> entry{-1, -1, -1};  // cost-table entries of F, B, W (-1 when profiled)
  // Under autograd accumulation, the operation that computes the weight
  // gradients (W when the schedule splits the backward, else B) as the
  // iteration's first micro-batch runs it: without the add. Its entry, or -1.
  OpCost first_micro_batch;
  std::int32_t first_entry = -1;
  // grad_reduce overlap: the last micro-batch's backward runs as `layers`
  // equal pieces, one per layer in backward order (backward_piece, its entry),
  // so that each gradient bucket can leave once its layers are done. The
  // output layer's gradients are ready with the first piece
  // (first_piece_parameters), the input embedding's after the last
  // (last_piece_parameters); the layers' in between.
  int layers = 1;
  OpCost backward_piece;
  std::int32_t piece_entry = -1;
  double first_piece_parameters = 0, last_piece_parameters = 0;
  double parameters = 0;             // on one tp rank
  double activation_bytes = 0;       // held per micro-batch from F to the end of the backward (W)
};

struct VocabCosts {
  OpCost s, t;              // the output layer's passes, per stage and micro-batch
  OpCost input_f, input_b;  // the input layer's shard: lookup, gradient accumulation
  std::array<std::int32_t, 4> entry{-1, -1, -1, -1};  // cost-table entries of s, t, input_f, input_b
  double logits_bytes = 0;  // held from S to T
  double hidden_bytes = 0;  // the last stage's output, broadcast; the input gradient, reduced
  double stats_bytes = 0;   // the softmax's partial max and sum, all-reduced
};


using workload::kThinCalibration;  // workloads/calibration_coverage.hpp

// What lowering counts for summarize() (Lowered::facts): constant per run.
struct TrainingFacts {
  double model_flops = 0;               // all ranks, Megatron's count with recompute (hfu)
  double model_flops_no_recompute = 0;  // idem, without (mfu)
  double peak_flops = 0;                // one device's dense peak at the training precision, FLOP/s; 0 when profiled
  // The cost-table entries of one micro-batch's compute over every stage, each
  // with how many times it counts (the vocabulary passes run on every stage).
  std::vector<std::pair<std::int32_t, std::int64_t>> per_micro_batch;
  std::string device;  // the device model's name ("" when profiled)
};

// One micro-batch's compute over every stage as priced, and the part of it
// that no calibration row covered (priced at default efficiencies).
struct CalibrationCoverage {
  std::int64_t uncalibrated_ops = 0;
  std::int64_t priced_ns = 0;
  std::int64_t uncalibrated_ns = 0;
  std::int64_t far_ns = 0;  // calibrated from rows farther than kFarCalibration
  // uncalibrated_ns / priced_ns and far_ns / priced_ns (0 when nothing was priced).
  [[nodiscard]] double uncalibrated_fraction() const;
  [[nodiscard]] double far_fraction() const;
};
[[nodiscard]] CalibrationCoverage coverage(const TrainingFacts& f, const Prices& prices);

class TrainingWorkload final : public Workload {
 public:
  explicit TrainingWorkload(TrainingParams p) : p_(std::move(p)) {}
  // The task graph (training_lowering.hpp lists the concerns that build it) and its TrainingFacts.
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  // Replica r's devices, from replica 0's (none with expert parallelism).
  [[nodiscard]] ReplicaMaps replica_maps(const ClusterShape& cluster) const override;
  // The job with the work of data-parallel replicas `replicas` (ascending; lower(): all of them).
  [[nodiscard]] Lowered lower_replicas(const ClusterShape& cluster, const std::vector<int>& replicas) const override;
  void summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const override;
  [[nodiscard]] bool iterates() const override { return true; }
  // The makespan, or under post-validation the longest device span (training_summary.cpp).
  [[nodiscard]] Duration iteration_period(const Lowered& lowered, const TaskTimes& times) const override;
  // `dp: auto`: dp = devices / (tp × pp × cp), then the checks that need dp.
  [[nodiscard]] Fitted fit_devices(int devices) const override;
  void check_memory(const ClusterShape& cluster, const std::vector<MemoryPeak>& peaks) const override;
  // A warning when more than kThinCalibration of the compute time stands on no calibration row.
  [[nodiscard]] std::vector<std::string> warnings(const Lowered& lowered) const override;
  // The tp × cp ranks of each stage group hold what its lead holds.
  [[nodiscard]] std::vector<std::pair<DeviceId, DeviceId>> memory_mirrors(const ClusterShape& cluster) const override;
  // Data-parallel rank 0: every tp, cp and pp rank of it.
  [[nodiscard]] std::vector<DeviceId> replica_devices(const ClusterShape& cluster) const override;
  // Weights and optimizer states of each device (as sharded by ZeRO).
  [[nodiscard]] std::vector<std::int64_t> checkpoint_bytes(const ClusterShape& cluster) const override;
  // PipeFisher's K-FAC work on data-parallel replica 0's stage leads.
  [[nodiscard]] std::vector<std::pair<DeviceId, std::vector<FillerWork>>> kfac_work(
      const ClusterShape& cluster) const override;

  [[nodiscard]] const TrainingParams& params() const { return p_; }
  // The operations of each virtual stage (p·v of them).
  [[nodiscard]] std::vector<VirtualStageCost> stage_costs() const;
  // The output layer's passes on each stage under vocabulary parallelism.
  [[nodiscard]] VocabCosts vocab_costs() const;
  // Model-state bytes on one device of pipeline stage `stage` (parameters of its chunks).
  [[nodiscard]] ModelStateBytes model_state(int stage, bool offload = true) const;
  // The same, from stage_costs() computed once by a caller that loops over the stages.
  [[nodiscard]] ModelStateBytes model_state(int stage, const std::vector<VirtualStageCost>& costs,
                                            bool offload = true) const;
  // A floor under the memory peak of the busiest device, without simulating:
  // model states plus the most activations the schedule holds at once
  // (training_memory_floor.cpp says what it leaves out). Bytes.
  [[nodiscard]] double memory_floor() const;
  // The position (0..pp−1) of model chunk `chunk` that pipeline stage `stage` holds.
  [[nodiscard]] int position_of(int chunk, int stage) const;

 private:
  // The checks that need the cluster, and the costs of the virtual stages as lower() uses them.
  void check_cluster(const ClusterShape& cluster) const;
  [[nodiscard]] std::vector<VirtualStageCost> lowered_costs() const;

  TrainingParams p_;
};

}  // namespace orrery::workload::training
