// The workload kinds a scenario can name under `workload: { kind: ... }`. To
// add one: a Params::read, a class deriving Workload, one line here, tests in
// tests/workloads/ and a scenario.
#include "workloads/chakra/chakra_workload.hpp"
#include "workloads/neural_graphics/neural_graphics.hpp"
#include "workloads/pipeline_profiled.hpp"
#include "workloads/serving/serving.hpp"
#include "workloads/traffic.hpp"
#include "workloads/training/training.hpp"
#include "workloads/vector_search/vector_search.hpp"

namespace orrery::workload {

void register_builtin(WorkloadRegistry& workloads, const ScheduleRegistry& schedules,
                      const CollectiveNames& collectives) {
  workloads.add("chakra",
                "a Chakra execution trace (MLCommons; what ASTRA-sim replays), one file per rank: compute nodes with "
                "their measured times (or priced by the device model), sends, receives and collectives on the network",
                [&collectives](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<chakra::ChakraWorkload>(chakra::ChakraParams::read(r, collectives));
                });
  workloads.add("neural_graphics",
                "frames of a neural-graphics application (NeRF, SDF, gigapixel image, volume) on GPUs or NGPCs: rays × "
                "samples through a grid encoding and tiny MLPs, pre- and post-processing, tiles composited over the "
                "network",
                [](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<neural_graphics::NeuralGraphicsWorkload>(
                      neural_graphics::NeuralGraphicsParams::read(r));
                });
  workloads.add("pipeline", "a pipeline of stages with profiled forward/backward/weight-gradient times per stage",
                [&schedules](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<PipelineWorkload>(PipelineParams::read(r, schedules));
                });
  workloads.add("serving",
                "LLM inference serving: request arrivals or a trace, a router over replicas (tp, pp), continuous "
                "batching with chunked prefill over a paged KV cache, preemption; iterations priced by the device model",
                [](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<serving::ServingWorkload>(serving::ServingParams::read(r));
                });
  workloads.add("traffic",
                "network traffic for network studies: flow patterns (permutation, all_to_all, ring, "
                "incast, hot_spot, CSV file) and collectives",
                [&collectives](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<TrafficWorkload>(TrafficParams::read(r, collectives));
                });
  workloads.add("training",
                "one iteration of transformer training: dp/tp/pp/vpp/cp/ep plan, pipeline schedule, ZeRO, "
                "offload, recompute; operations priced by the device model (or profiled)",
                [&schedules](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<training::TrainingWorkload>(training::TrainingParams::read(r, schedules));
                });
  workloads.add("vector_search",
                "approximate nearest-neighbour search (IVF-PQ) over an index partitioned across the devices: query "
                "arrivals, batching, broadcast, per-shard search (FANNS's design on FPGAs, Faiss's kernels on GPUs "
                "and CPUs), top-k merge",
                [](config::Reader& r) -> std::shared_ptr<const Workload> {
                  return std::make_shared<vector_search::VectorSearchWorkload>(
                      vector_search::VectorSearchParams::read(r));
                });
}

}  // namespace orrery::workload
