#include "models/compute/fpga_dataflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace orrery::models {

DataflowPipeline::DataflowPipeline(std::vector<DataflowStage> stages, const Device& device)
    : stages_(std::move(stages)) {
  if (stages_.empty()) throw ValueError("a dataflow pipeline needs at least one stage");
  std::int64_t channels = 0;
  std::int64_t on_chip = 0;
  for (auto& s : stages_) {
    if (!(s.clock.hz() > 0)) throw ValueError(fmt::format("stage {}: clock must be positive", s.name));
    if (!(s.initiation_interval > 0)) throw ValueError(fmt::format("stage {}: II must be positive", s.name));
    if (s.lanes < 1 || s.depth < 1)
      throw ValueError(fmt::format("stage {}: lanes and depth must be at least 1", s.name));
    if (s.hbm_channels > 0 && s.channel_bandwidth.bytes_per_s() <= 0) {
      if (!device.hbm_channel_bandwidth.present) {
        throw ValueError(
            fmt::format("stage {}: device {} has no hbm_channel_bandwidth", s.name, device.name));
      }
      s.channel_bandwidth = device.hbm_channel_bandwidth.value;
    }
    channels += s.hbm_channels;
    on_chip += s.on_chip_memory.count();
  }
  if (device.hbm_channels.present && channels > device.hbm_channels.value) {
    throw ValueError(fmt::format("the stages use {} HBM channels; device {} has {}", channels, device.name,
                                 device.hbm_channels.value));
  }
  if (device.on_chip_memory.present && on_chip > device.on_chip_memory.value.count()) {
    throw ValueError(fmt::format("the stages hold {} on chip; device {} has {}", to_string(Bytes(on_chip)),
                                 device.name, to_string(device.on_chip_memory.value)));
  }
  throughput_ = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const auto& s = stages_[i];
    StageRate r;
    r.compute_items_per_s = s.clock.hz() * static_cast<double>(s.lanes) / s.initiation_interval;
    r.hbm_items_per_s = std::numeric_limits<double>::infinity();
    if (s.hbm_channels > 0 && s.hbm_bytes_per_item > 0) {
      r.hbm_items_per_s =
          static_cast<double>(s.hbm_channels) * s.channel_bandwidth.bytes_per_s() / s.hbm_bytes_per_item;
    }
    r.hbm_bound = r.hbm_items_per_s < r.compute_items_per_s;
    r.items_per_s = std::min(r.compute_items_per_s, r.hbm_items_per_s);
    if (r.items_per_s < throughput_) {
      throughput_ = r.items_per_s;
      bottleneck_ = i;
    }
    rates_.push_back(r);
  }
}

StageRate DataflowPipeline::rate(std::size_t stage) const {
  return rates_.at(stage);
}

Duration DataflowPipeline::fill_latency() const {
  double seconds = 0;
  for (const auto& s : stages_) seconds += static_cast<double>(s.depth) / s.clock.hz();
  return Duration::ceil_ns(seconds * 1e9 - 1e-6);
}

Duration DataflowPipeline::time(double items) const {
  double seconds = 0;
  for (const auto& s : stages_) seconds += static_cast<double>(s.depth) / s.clock.hz();
  seconds += items / throughput_;
  return Duration::ceil_ns(seconds * 1e9 - 1e-6);
}

}  // namespace orrery::models
