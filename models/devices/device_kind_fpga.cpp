// `kind: fpga` — an FPGA card. It runs IVF-PQ searches as FANNS's dataflow
// design (models/compute/fpga_ivfpq: the co-design within the card's
// resources, the stages as a models/compute/fpga_dataflow pipeline); other
// dataflow designs are priced by fpga_dataflow directly.
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "models/compute/fpga_dataflow.hpp"
#include "models/compute/fpga_ivfpq.hpp"
#include "models/devices/device.hpp"
#include "models/devices/device_kind.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {

namespace {

// The search's design and shape without its batch: what the co-design depends on.
bool same_design(const task::IvfPqSearch& a, const task::IvfPqSearch& b) {
  return a.dim == b.dim && a.vectors == b.vectors && a.nlist == b.nlist && a.nprobe == b.nprobe && a.m == b.m &&
         a.k == b.k && a.opq == b.opq && a.opq_unroll == b.opq_unroll && a.ivf_pes == b.ivf_pes &&
         a.cell_queues == b.cell_queues && a.lut_pes == b.lut_pes && a.scan_channels == b.scan_channels &&
         a.scan_pes == b.scan_pes && a.utilization == b.utilization;
}

// An IVF-PQ search of B queries: the co-designed (or given) design's stages
// as a dataflow pipeline with queries as items — each stage's II and depth
// its cycles per query, PQDist fed by its HBM channels — so the batch takes
// fill + (B − 1) ÷ throughput and holds the pipeline's entry for B ÷ throughput
// (`issue`: the next batch may enter then).
class FpgaIvfPqModel final : public OperationModel {
 public:
  explicit FpgaIvfPqModel(std::shared_ptr<const Device> device) : device_(std::move(device)) {}

  Cost cost(const task::Operation& op) const override {
    const auto* s = std::get_if<task::IvfPqSearch>(&op);
    if (!s) {
      throw ValueError(fmt::format("{} is an FPGA: it runs ivfpq (FANNS's dataflow design) only, not {}",
                                   device_->name, task::name_of(op)));
    }
    const Design& d = design(*s);
    Cost c;
    const double b = static_cast<double>(std::max<std::int64_t>(s->batch, 1));
    c.time = d.pipeline.time(b - 1);
    c.issue = Duration::ceil_ns(b / d.pipeline.throughput() * 1e9 - 1e-6);
    c.bound = d.pipeline.rate(d.pipeline.bottleneck()).hbm_bound ? Bound::kMemory : Bound::kCompute;
    c.efficiency = 1;
    const task::OperationWork w = task::work_of(op);
    c.flops = Flops(w.flops);
    c.bytes = Bytes(static_cast<std::int64_t>(d.plan.scan_bytes_per_query * b));
    c.detail = d.detail;
    return c;
  }
  std::string_view method() const override { return "FANNS dataflow pipeline (models/compute/fpga_ivfpq.hpp)"; }

 private:
  struct Design {
    task::IvfPqSearch key;
    IvfPqPlan plan;
    DataflowPipeline pipeline;
    std::string detail;
  };
  // The co-design of the last shape asked (a workload asks one shape in many batch sizes).
  const Design& design(const task::IvfPqSearch& s) const {
    if (memo_ && same_design(memo_->key, s)) return *memo_;
    const FpgaBudget budget = fpga_budget(*device_, s.utilization);
    IvfPqPlan plan = codesign(s, budget);
    std::vector<DataflowStage> stages;
    for (const IvfPqStage& st : plan.stages) {
      DataflowStage d;
      d.name = st.name;
      d.clock = budget.clock;
      d.initiation_interval = st.cycles;
      d.depth = static_cast<std::int64_t>(std::ceil(st.cycles));
      if (st.name == "pq_dist") {
        d.hbm_channels = plan.design.scan_channels;
        d.hbm_bytes_per_item = plan.scan_bytes_per_query;
      }
      stages.push_back(std::move(d));
    }
    DataflowPipeline pipeline(std::move(stages), *device_);
    const IvfPqDesign& g = plan.design;
    std::string detail = fmt::format(
        "opq_unroll={} ivf_pes={} cell_queues={} lut_pes={} scan_channels={} scan_pes={}; {:.0f} QPS, {} binds;",
        g.opq_unroll, g.ivf_pes, g.cell_queues, g.lut_pes, g.scan_channels, g.scan_pes, pipeline.throughput(),
        plan.stages[pipeline.bottleneck()].name);
    for (int i = 0; i < kFpgaResourceCount; ++i) {
      const auto r = static_cast<FpgaResource>(i);
      detail += fmt::format(" {} {:.0f}/{:.0f}", name_of(r), plan.used[r], budget.limit(r));
    }
    memo_.emplace(Design{s, std::move(plan), std::move(pipeline), std::move(detail)});
    return *memo_;
  }

  std::shared_ptr<const Device> device_;
  mutable std::optional<Design> memo_;
};

class FpgaKind final : public DeviceKindSpec {
 public:
  std::string_view name() const override { return "fpga"; }
  std::string_view description() const override {
    return "an FPGA card: IVF-PQ search as FANNS's co-designed dataflow pipeline (models/compute/fpga_ivfpq)";
  }
  std::span<const std::string_view> required_fields() const override {
    static constexpr std::string_view kFields[] = {"memory_capacity", "memory_bandwidth", "hbm_channels",
                                                   "hbm_channel_bandwidth"};
    return kFields;
  }
  bool runs_operations() const override { return true; }
  std::unique_ptr<OperationModel> operation_model(std::shared_ptr<const Device> device,
                                                  const CalibrationTable* /*table*/) const override {
    return std::make_unique<FpgaIvfPqModel>(std::move(device));
  }
};

}  // namespace

const DeviceKindSpec& fpga_device_kind() {
  static const FpgaKind kind;
  return kind;
}

}  // namespace orrery::models
