// One replica's run: progress integrated between events, checkpoints as the
// checkpoint policy's CheckpointCopies says, failures drawn per class (or
// replayed from a script), recovery after detection + restart + load.
#include "sim/horizon/horizon_replica.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "sim/core/rng.hpp"
#include "sim/engine/engine.hpp"

namespace orrery::horizon {

namespace {

// One replica's run (see horizon.hpp for the model).
class Replica {
 public:
  Replica(const Setup& s, int index)
      : s_(s),
        rng_(RngStreams(s.seed).stream("failures", static_cast<std::uint64_t>(index))),
        copies_(s.checkpoint->start(s.costs, NodeLayout{s.nodes, s.nodes_per_switch})),
        periodic_(s.checkpoint->periodic() != nullptr),
        spares_(s.spares) {}

  ReplicaOut run() {
    work_ = Duration::ns(s_.iteration_time.count() * s_.iterations);
    if (s_.script.empty()) {
      for (std::size_t c = 0; c < s_.classes.size(); ++c) arm_class(static_cast<int>(c));
    } else {
      for (const auto& f : s_.script) {
        engine_.schedule_at(Time::zero() + f.at, [this, c = f.cls, i = f.component] { on_failure(c, i); });
      }
    }
    next_checkpoint_ = periodic_ ? s_.interval : Duration::max();
    // A run that cannot finish within 1000 times its ideal length is cut there (not finished).
    const Time end = s_.length > Duration{} ? Time::zero() + s_.length
                                            : Time::zero() + Duration::ns(std::min<std::int64_t>(
                                                                 work_.count(), std::numeric_limits<std::int64_t>::max() / 2000) *
                                                             1000);
    engine_.schedule_at(end, [this] { finish(false); });
    reschedule();
    engine_.run();
    return std::move(out_);
  }

 private:
  enum class State : std::uint8_t { kRunning, kPaused, kDown };

  [[nodiscard]] double rate() const { return persisting_ ? 1.0 - s_.costs.interference : 1.0; }

  // Brings progress up to now.
  void integrate() {
    const Time now = engine_.now();
    if (state_ == State::kRunning) {
      const double dt = static_cast<double>((now - last_).count());
      if (rate() == 1.0) {
        progress_ = progress_ + (now - last_);
      } else {
        progress_ = progress_ + Duration::ns(static_cast<std::int64_t>(dt * rate()));
        out_.stats.checkpoint_s += dt * (1.0 - rate()) * 1e-9;  // interference counts as checkpoint overhead
      }
    }
    last_ = now;
  }

  // The next progress-driven event: a checkpoint or the end of the work.
  void reschedule() {
    engine_.cancel(progress_event_);
    progress_event_ = {};
    if (state_ != State::kRunning) return;
    Duration target = next_checkpoint_;
    if (work_ > Duration{} && work_ < target) target = work_;
    if (target == Duration::max()) return;
    const double left = static_cast<double>((target - progress_).count());
    const auto wait = Duration::ns(static_cast<std::int64_t>(std::ceil(std::max(0.0, left) / rate())));
    progress_event_ = engine_.schedule_after(wait, [this] { on_progress(); });
  }

  void on_progress() {
    progress_event_ = {};
    integrate();
    if (work_ > Duration{} && progress_ >= work_) {
      finish(true);
      return;
    }
    if (progress_ >= next_checkpoint_) start_checkpoint();
  }

  void start_checkpoint() {
    state_ = State::kPaused;
    checkpoint_value_ = progress_;
    const CheckpointStep step = copies_->begin(engine_.now());
    to_storage_ = step.to_storage;
    pause_started_ = engine_.now();
    pause_event_ = engine_.schedule_after(step.pause, [this] { end_checkpoint(); });
  }

  void end_checkpoint() {
    pause_event_ = {};
    out_.stats.checkpoint_s += (engine_.now() - pause_started_).seconds();
    ++out_.stats.checkpoints;
    if (to_storage_) durable_storage_ = checkpoint_value_;
    if (const auto background = copies_->end(engine_.now(), checkpoint_value_, to_storage_)) {
      start_persist(background->length, background->to_storage ? std::optional(checkpoint_value_) : std::nullopt);
    }
    out_.checkpoints.push_back({engine_.now().seconds(), checkpoint_value_.seconds(), to_storage_ ? 1 : 0});
    next_checkpoint_ = checkpoint_value_ + s_.interval;
    state_ = State::kRunning;
    last_ = engine_.now();
    reschedule();
  }

  // Background work after a snapshot: a write that makes `value` durable on
  // storage (async), or work that makes nothing durable (the in-memory parity
  // exchange: nullopt); training slows by the interference.
  void start_persist(Duration length, std::optional<Duration> value) {
    engine_.cancel(persist_event_);
    integrate();
    persisting_ = true;
    persist_event_ = engine_.schedule_after(length, [this, value] {
      persist_event_ = {};
      integrate();
      persisting_ = false;
      if (value) durable_storage_ = *value;
      reschedule();
    });
  }

  int node_of(const models::FailureClass& c, std::int64_t component) const {
    switch (c.scope) {
      case models::FailureScope::kGpu:
        return static_cast<int>(component / std::max(1, s_.gpus_per_node));
      case models::FailureScope::kNic:
        return static_cast<int>(component / std::max(1, s_.nics_per_node));
      case models::FailureScope::kNode:
      case models::FailureScope::kLink:
        return static_cast<int>(component % s_.nodes);
      case models::FailureScope::kSwitch:
        return static_cast<int>((component * s_.nodes_per_switch) % s_.nodes);
      case models::FailureScope::kJob:
        return -1;
    }
    return -1;
  }

  // Failure processes: one pending arrival per exponential class (their
  // superposition is Poisson), one per component for Weibull classes (each
  // renews when replaced).
  void arm_class(int c) {
    const auto& k = s_.classes[static_cast<std::size_t>(c)];
    if (k.time_to_failure.kind == models::FailureDistribution::Kind::kExponential) {
      arm(c, -1, k.time_to_failure.mean_s() / static_cast<double>(k.components));
    } else {
      for (std::int64_t i = 0; i < k.components; ++i) arm(c, i, 0);
    }
  }
  void arm(int c, std::int64_t component, double exponential_mean_s) {
    const auto& k = s_.classes[static_cast<std::size_t>(c)];
    const double dt = component < 0 ? rng_.exponential(exponential_mean_s) : k.time_to_failure.draw_s(rng_);
    if (engine_.now().seconds() + dt >= 9.0e9) return;  // beyond any horizon (~285 years)
    engine_.schedule_after(Duration::ns(static_cast<std::int64_t>(std::llround(dt * 1e9))),
                        [this, c, component, exponential_mean_s] {
                          const auto& cls = s_.classes[static_cast<std::size_t>(c)];
                          const std::int64_t which =
                              component >= 0 ? component
                                             : static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(cls.components)));
                          on_failure(c, which);
                          arm(c, component, exponential_mean_s);
                        });
  }

  void on_failure(int c, std::int64_t component) {
    const auto& k = s_.classes[static_cast<std::size_t>(c)];
    ++out_.stats.failures;
    integrate();
    // The nodes it takes out.
    std::vector<int> lost_nodes;
    const int first = node_of(k, component);
    if (first >= 0) {
      const int n = k.scope == models::FailureScope::kSwitch ? s_.nodes_per_switch : 1;
      for (int i = 0; i < n; ++i) lost_nodes.push_back((first + i) % s_.nodes);
    }
    // Roll back to the newest checkpoint this failure leaves usable.
    const Restore storage{durable_storage_, s_.costs.restore_storage, RestoreSource::kStorage};
    const Restore restore = state_ == State::kDown
                                ? Restore{progress_, down_load_, RestoreSource::kWhileDown}  // the recovery starts over
                                : copies_->restore(lost_nodes, storage);
    const Duration lost = progress_ - restore.progress;
    out_.stats.lost_s += lost.seconds();
    progress_ = restore.progress;
    // Whatever was in progress is lost with the job.
    engine_.cancel(pause_event_);
    pause_event_ = {};
    engine_.cancel(persist_event_);
    persist_event_ = {};
    persisting_ = false;
    if (state_ == State::kPaused) out_.stats.checkpoint_s += (engine_.now() - pause_started_).seconds();
    if (state_ == State::kDown) out_.stats.down_s += (engine_.now() - down_started_).seconds();
    copies_->lose(lost_nodes);
    // Spares or repair.
    Duration wait;
    for (std::size_t i = 0; i < lost_nodes.size(); ++i) {
      if (spares_ > 0) {
        --spares_;
        if (s_.repair) engine_.schedule_after(k.repair, [this] { ++spares_; });
      } else {
        wait = std::max(wait, k.repair);  // the node itself, back from repair
      }
    }
    const Duration detection = s_.detection.value_or(k.detection);
    const Duration down = detection + wait + s_.restart + restore.load;
    out_.failures.push_back({engine_.now().seconds(), c, component, lost.seconds(), down.seconds(), restore.source});
    state_ = State::kDown;
    down_started_ = engine_.now();
    down_load_ = restore.load;
    engine_.cancel(progress_event_);
    progress_event_ = {};
    engine_.cancel(recover_event_);
    recover_event_ = engine_.schedule_after(down, [this] { recover(); });
  }

  void recover() {
    recover_event_ = {};
    out_.stats.down_s += (engine_.now() - down_started_).seconds();
    out_.restarts.push_back({down_started_.seconds(), engine_.now().seconds()});
    state_ = State::kRunning;
    last_ = engine_.now();
    if (periodic_) next_checkpoint_ = progress_ + s_.interval;
    reschedule();
  }

  void finish(bool done) {
    if (stopped_) return;
    stopped_ = true;
    integrate();
    if (state_ == State::kPaused) out_.stats.checkpoint_s += (engine_.now() - pause_started_).seconds();
    if (state_ == State::kDown) out_.stats.down_s += (engine_.now() - down_started_).seconds();
    out_.stats.wall_s = engine_.now().seconds();
    out_.stats.useful_s = progress_.seconds();
    out_.stats.finished = done;
    engine_.stop();
  }

  const Setup& s_;
  Rng rng_;
  sim::Engine engine_;
  std::unique_ptr<CheckpointCopies> copies_;
  const bool periodic_;
  ReplicaOut out_;
  State state_ = State::kRunning;
  Time last_ = Time::zero();
  Duration progress_, work_, next_checkpoint_;
  Duration durable_storage_, checkpoint_value_;
  Time pause_started_, down_started_;
  Duration down_load_;
  bool to_storage_ = false, persisting_ = false, stopped_ = false;
  int spares_;
  sim::EventHandle progress_event_, pause_event_, persist_event_, recover_event_;
};


}  // namespace

ReplicaOut run_replica(const Setup& s, int index) { return Replica(s, index).run(); }

}  // namespace orrery::horizon
