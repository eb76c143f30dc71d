#include "workloads/neural_graphics/neural_graphics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "workloads/distribution.hpp"

namespace orrery::workload::neural_graphics {

namespace {

constexpr double kFeatureBytes = 2;       // fp16 grid features and MLP weights
constexpr double kOutputBytes = 32;       // a sample's MLP output, padded to 16 fp16 columns
constexpr double kFrameBufferBytes = 16;  // RGBA fp32 per pixel, accumulated before display

Duration sum_of(const std::vector<Operation>& ops, const DeviceModel& device, bool& calibrated) {
  Duration t;
  for (const Operation& op : ops) {
    const auto c = device.cost(op);
    t += c.time;
    calibrated = calibrated && c.calibrated;
  }
  return t;
}

}  // namespace

std::vector<Kernel> pre_kernels(const NeuralGraphicsParams& p) {
  switch (p.application) {
    case Application::kNerf:
      if (p.fused) return {{"ray_march", 0, 48}};
      return {{"generate_rays", 24, 0}, {"march", 24, 28}, {"encode_direction", 0, 44}};
    case Application::kSdf:
      if (p.fused) return {{"sphere_trace", 0, 12}};
      return {{"generate_rays", 24, 0}, {"trace", 0, 68}};
    case Application::kGigapixel:
      return {{"pixel_coordinates", 0, 8}};
    case Application::kVolume:
      if (p.fused) return {{"ray_march", 0, 16}};
      return {{"generate_rays", 24, 0}, {"sample", 24, 16}};
  }
  return {};
}

std::vector<Kernel> post_kernels(const NeuralGraphicsParams& p) {
  const double px = static_cast<double>(p.pixel_bytes);
  switch (p.application) {
    case Application::kNerf:
    case Application::kVolume:
      if (p.fused) return {{"composite_display", px, kOutputBytes + 4}};
      return {{"composite", kFrameBufferBytes, kOutputBytes + 4}, {"display", kFrameBufferBytes + px, 0}};
    case Application::kSdf:
      if (p.fused) return {{"shade_display", px, kOutputBytes}};
      return {{"shade", 12 + kFrameBufferBytes, 0}, {"display", kFrameBufferBytes + px, 0}};
    case Application::kGigapixel:
      return {{"display", px, kOutputBytes}};
  }
  return {};
}

std::vector<Tile> plan_tiles(const NeuralGraphicsParams& p, int devices) {
  const std::int64_t count = p.tiles > 0 ? p.tiles : std::min<std::int64_t>(devices, p.height);
  std::vector<Tile> tiles;
  tiles.reserve(static_cast<std::size_t>(count));
  for (std::int64_t t = 0; t < count; ++t) {
    Tile tile;
    tile.device = static_cast<int>(t % devices);
    tile.rows = p.height / count + (t < p.height % count ? 1 : 0);
    tile.pixels = tile.rows * p.width;
    tile.points = tile.pixels * p.samples_per_ray;
    tiles.push_back(tile);
  }
  return tiles;
}

TileOps tile_ops(const NeuralGraphicsParams& p, std::int64_t pixels) {
  const double rays = static_cast<double>(pixels);
  const double samples = rays * static_cast<double>(p.samples_per_ray);
  const auto kernels = [&](const std::vector<Kernel>& ks) {
    std::vector<Operation> ops;
    for (const Kernel& k : ks) {
      task::Elementwise e;
      e.bytes = static_cast<std::int64_t>(std::llround(k.bytes_per_ray * rays + k.bytes_per_sample * samples));
      e.flops_per_byte = 0.25;  // as `orrery cost elementwise` (a few FLOPs per element moved)
      ops.emplace_back(e);
    }
    return ops;
  };
  TileOps ops;
  ops.pre = kernels(pre_kernels(p));
  ops.post = kernels(post_kernels(p));
  ops.field.encoding = p.encoding;
  ops.field.encoding.points = pixels * p.samples_per_ray;
  ops.field.mlps = p.mlps;
  for (auto& m : ops.field.mlps) m.points = ops.field.encoding.points;
  return ops;
}

TileTime tile_time(const NeuralGraphicsParams& p, const TileOps& ops, const DeviceModel& device) {
  TileTime t;
  t.pre = sum_of(ops.pre, device, t.calibrated);
  t.post = sum_of(ops.post, device, t.calibrated);
  const auto field = device.cost(ops.field);
  t.field = field.time;
  t.calibrated = t.calibrated && field.calibrated;
  if (!device.neural_engines()) {
    t.total = t.pre + t.field + t.post;
    return t;
  }
  // Two-stage pipeline over n batches: a + b + (n − 1)·max(a, b) = (a + b)... in whole ns.
  const std::int64_t n = std::max<std::int64_t>(1, (ops.field.encoding.points + p.batch_points - 1) / p.batch_points);
  const double a = (t.pre + t.post).seconds() / static_cast<double>(n);
  const double b = t.field.seconds() / static_cast<double>(n);
  t.total = Duration::from_seconds(a + b + static_cast<double>(n - 1) * std::max(a, b));
  return t;
}

FieldMemory field_memory(const NeuralGraphicsParams& p, std::int64_t largest_tile_pixels) {
  FieldMemory m;
  const auto& e = p.encoding;
  for (std::int64_t l = 0; l < e.levels; ++l) m.tables += task::level_entries(e, l) * static_cast<double>(e.features) * kFeatureBytes;
  for (const auto& mlp : p.mlps) {
    const double w = static_cast<double>(mlp.width);
    m.weights += (static_cast<double>(mlp.inputs) * w + static_cast<double>(mlp.depth - 1) * w * w +
                  w * static_cast<double>(mlp.outputs)) *
                 kFeatureBytes;
  }
  // A batch's samples (the widest pre-processing output, the encoding's
  // features, the MLP output) and the tile's frame buffer.
  double per_sample = 0;
  for (const Kernel& k : pre_kernels(p)) per_sample = std::max(per_sample, k.bytes_per_sample);
  per_sample += static_cast<double>(e.levels * e.features) * kFeatureBytes + kOutputBytes;
  const double batch = static_cast<double>(
      std::min(p.batch_points, largest_tile_pixels * p.samples_per_ray));
  m.buffers = batch * per_sample + static_cast<double>(largest_tile_pixels) * kFrameBufferBytes;
  return m;
}

Lowered NeuralGraphicsWorkload::lower(const ClusterShape& cluster) const {
  if (!cluster.device) {
    throw ConfigError(p_.at, "workload", "neural_graphics needs a device that runs operations (cluster.node.device)");
  }
  if (p_.compositor < 0 || p_.compositor >= cluster.devices) {
    throw ConfigError(p_.compositor_at, "workload.compositor",
                      fmt::format("device {} is not in the cluster (devices 0..{})", p_.compositor, cluster.devices - 1));
  }
  NeuralGraphicsFacts facts;
  facts.tiles = plan_tiles(p_, cluster.devices);
  std::int64_t largest = 0;
  for (const Tile& t : facts.tiles) largest = std::max(largest, t.pixels);
  facts.memory = field_memory(p_, largest);
  const double capacity = static_cast<double>(cluster.device->memory_capacity().count());
  if (capacity > 0 && facts.memory.total() > capacity) {
    // The largest level's entries: 2^log2_table where a hashed table caps it,
    // every vertex of its grid for a dense one.
    double largest_level = 0;
    for (std::int64_t l = 0; l < p_.encoding.levels; ++l)
      largest_level = std::max(largest_level, task::level_entries(p_.encoding, l));
    const std::string entries = largest_level == std::ldexp(1.0, static_cast<int>(p_.encoding.log2_table))
                                    ? fmt::format("2^{}", p_.encoding.log2_table)
                                    : fmt::format("{:.4g}", largest_level);
    throw InfeasibleError(fmt::format(
        "the neural field does not fit device {}: its tables take {} ({} levels of up to {} entries × {} "
        "features × "
        "2 B{}), its MLP weights {} and a batch's buffers and the tile's frame buffer {}: {} in all, over "
        "the device's {}",
        cluster.device->name(), to_string(Bytes(static_cast<std::int64_t>(facts.memory.tables))),
        p_.encoding.levels, entries, p_.encoding.features,
        p_.encoding.encoding == task::GridEncoding::kDense ? "; dense grids store every vertex" : "",
        to_string(Bytes(static_cast<std::int64_t>(facts.memory.weights))),
        to_string(Bytes(static_cast<std::int64_t>(facts.memory.buffers))),
        to_string(Bytes(static_cast<std::int64_t>(facts.memory.total()))),
        to_string(Bytes(static_cast<std::int64_t>(capacity)))));
  }
  Lowered out;
  for (int d = 0; d < cluster.devices; ++d) {
    out.graph.initial_memory({DeviceId(d), MemoryCategory::kParameters,
                              Bytes(static_cast<std::int64_t>(facts.memory.tables + facts.memory.weights))});
    out.graph.initial_memory({DeviceId(d), MemoryCategory::kBuffers, Bytes(static_cast<std::int64_t>(facts.memory.buffers))});
  }
  out.facts = std::move(facts);
  out.price_at = p_.at;
  out.price_key = "workload.application";
  return out;
}

std::unique_ptr<RunningWorkload> NeuralGraphicsWorkload::start(const ClusterShape& /*cluster*/, const Lowered& lowered,
                                                               const RuntimePricing& pricing) const {
  const auto& facts = std::any_cast<const NeuralGraphicsFacts&>(lowered.facts);
  try {
    return std::make_unique<NeuralGraphicsRun>(p_, facts, pricing);
  } catch (const ValueError& e) {
    throw ConfigError(p_.at, "workload.application", e.what());
  }
}

NeuralGraphicsRun::NeuralGraphicsRun(const NeuralGraphicsParams& p, const NeuralGraphicsFacts& facts,
                                     const RuntimePricing& pricing)
    : p_(p), facts_(facts) {
  const DeviceModel& device = *pricing.device;
  // Tiles of one size cost the same: price each size once.
  std::vector<std::pair<std::int64_t, TileTime>> priced;
  std::int64_t received = 0;
  for (const Tile& t : facts_.tiles) {
    auto it = std::find_if(priced.begin(), priced.end(), [&](const auto& e) { return e.first == t.pixels; });
    if (it == priced.end()) {
      priced.emplace_back(t.pixels, tile_time(p_, tile_ops(p_, t.pixels), device));
      it = priced.end() - 1;
    }
    tile_times_.push_back(it->second);
    if (t.device != p_.compositor) received += t.pixels * p_.pixel_bytes;
  }
  composite_bytes_ = received;
  if (facts_.tiles.size() > 1) {
    task::Elementwise copy;
    copy.bytes = 2 * received;  // read each received tile, write it into the frame
    copy.flops_per_byte = 0;
    composite_ = device.cost(copy).time;
  }
  frames_.resize(static_cast<std::size_t>(p_.frames));
  for (std::size_t f = 0; f < frames_.size(); ++f) {
    frames_[f].release = Time::zero() + (p_.frame_rate > 0 ? Duration::from_seconds(static_cast<double>(f) / p_.frame_rate)
                                                            : Duration());
  }
}

void NeuralGraphicsRun::begin(TaskSink& sink) {
  sink.wake_at(frames_.front().release, [this, &sink] { submit_frame(sink, 0); });
}

void NeuralGraphicsRun::submit_frame(TaskSink& sink, std::size_t f) {
  const auto frame = static_cast<std::int32_t>(f);
  const bool one = facts_.tiles.size() == 1;
  std::vector<TaskId> parts;
  parts.reserve(facts_.tiles.size());
  for (std::size_t i = 0; i < facts_.tiles.size(); ++i) {
    const Tile& t = facts_.tiles[i];
    const TaskId tile = sink.submit(ComputeWork(DeviceId(t.device), tile_times_[i].total), TaskKind::kCompute, "tile",
                                    {}, {}, frame, static_cast<int>(i));
    pending_[tile.value()] = {frame, one};
    if (t.device == p_.compositor) {
      parts.push_back(tile);
      continue;
    }
    const TransferWork send{DeviceId(t.device), DeviceId(p_.compositor), Bytes(t.pixels * p_.pixel_bytes)};
    const TaskId sent = sink.submit(send, TaskKind::kSend, "tile_pixels", std::span<const TaskId>(&tile, 1), {}, frame,
                                    static_cast<int>(i));
    parts.push_back(sent);
  }
  if (!one) {
    const TaskId composite = sink.submit(ComputeWork(DeviceId(p_.compositor), composite_), TaskKind::kCompute,
                                         "composite", parts, {}, frame);
    pending_[composite.value()] = {frame, true};
  }
  if (f + 1 < frames_.size()) {
    sink.wake_at(std::max(sink.now(), frames_[f + 1].release), [this, &sink, f] { submit_frame(sink, f + 1); });
  }
}

void NeuralGraphicsRun::finished(TaskSink& sink, TaskId task) {
  const auto found = pending_.find(task.value());
  if (found == pending_.end()) return;
  const auto [frame, last] = found->second;
  pending_.erase(found);
  Frame& fr = frames_[static_cast<std::size_t>(frame)];
  if (!last || facts_.tiles.size() == 1) fr.tiles_done = std::max(fr.tiles_done, sink.now());
  if (!last) return;
  fr.end = sink.now();
  if (progress_ && (++done_ & 63) == 0) progress_("frames", static_cast<double>(done_) / static_cast<double>(frames_.size()));
}

void NeuralGraphicsRun::summarize(const TaskTimes& /*times*/, Summary& out) const {
  std::vector<double> latency;
  latency.reserve(frames_.size());
  double composite = 0;
  std::int64_t late = 0;
  const double deadline = p_.frame_rate > 0 ? 1 / p_.frame_rate : 0;
  for (const Frame& f : frames_) {
    latency.push_back((f.end - f.release).seconds());
    composite += (f.end - f.tiles_done).seconds();
    if (deadline > 0 && latency.back() > deadline) ++late;
  }
  const double n = static_cast<double>(frames_.size());
  const double span = (frames_.back().end - frames_.front().end).seconds();
  out.set("fps", frames_.size() > 1 && span > 0 ? (n - 1) / span : 1 / std::max(1e-9, latency.front()));
  out.set("target_fps", p_.frame_rate);
  out.set("frames", static_cast<std::int64_t>(frames_.size()));
  set_distribution(out, "frame_latency", latency, {50, 95});
  out.set("frame_latency_max_s", *std::max_element(latency.begin(), latency.end()));
  out.set("deadline_miss_fraction", deadline > 0 ? static_cast<double>(late) / n : 0.0);
  // The largest tile's stages (the one that sets the frame's pace).
  std::size_t big = 0;
  for (std::size_t i = 0; i < tile_times_.size(); ++i)
    if (tile_times_[i].total > tile_times_[big].total) big = i;
  const TileTime& t = tile_times_[big];
  out.set("tiles", static_cast<std::int64_t>(facts_.tiles.size()));
  out.set("tile_s", t.total.seconds());
  out.set("tile_pre_processing_s", t.pre.seconds());
  out.set("tile_field_s", t.field.seconds());
  out.set("tile_post_processing_s", t.post.seconds());
  out.set("tile_processing_s", (t.pre + t.post).seconds());
  const double serial = (t.pre + t.field + t.post).seconds();
  out.set("field_fraction", serial > 0 ? t.field.seconds() / serial : 0.0);
  out.set("composite_s", composite / n);
  std::int64_t points = 0;
  for (const Tile& tile : facts_.tiles) points += tile.points;
  out.set("points_per_frame", points);
  out.set("bytes_per_frame", composite_bytes_);
  out.set("bytes_moved", composite_bytes_ * static_cast<std::int64_t>(frames_.size()));
  out.set("field_table_bytes", static_cast<std::int64_t>(facts_.memory.tables));
  out.set("uncalibrated_time_fraction", t.calibrated ? 0.0 : 1.0);
}

std::vector<ResultTable> NeuralGraphicsRun::tables() const {
  ResultTable frames{"frames", {"release_s", "tiles_done_s", "end_s", "latency_s"}, {}, {}};
  frames.values.reserve(frames_.size() * frames.columns.size());
  for (const Frame& f : frames_) {
    for (const double v : {(f.release - Time::zero()).seconds(), (f.tiles_done - Time::zero()).seconds(),
                           (f.end - Time::zero()).seconds(), (f.end - f.release).seconds()}) {
      frames.values.push_back(v);
    }
  }
  return {frames};
}

}  // namespace orrery::workload::neural_graphics
