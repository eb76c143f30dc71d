// The hold model (Vaucher & Duval 1975; PHOLD with one logical process), the
// classic benchmark of event lists: N events are pending; each, when it runs,
// schedules one more at now + Exp(mean 1 us), so the queue stays at N and every
// event costs one pop and one push at that size. Two engines run the same event
// stream (same seed, same draws, same (time, sequence) order):
//  * BM_HoldOrrery: orrery::sim::Engine;
//  * BM_HoldBaselinePriorityQueueFunction: a plain engine, std::priority_queue
//    of {time, sequence, std::function<void()>}, the usual first implementation.
// Each benchmark iteration runs kEventsPerIteration events; items_per_second is
// events per second. The N initial events and a warm-up of N events (which
// brings the pending times to their steady-state spread) run outside the timed
// loop. BM_HoldDelayDrawOnly times the delay draw alone, the part of each event
// that is not the engine's (a log per draw, about 6.5 ns here).
// BM_HoldOrreryPredrawn is the hold model as event-list studies time it
// (Jones 1986, "An empirical comparison of priority-queue and event-set
// implementations", CACM 29(4), subtracts the loop's own cost): the delays,
// from the same distribution, are drawn before the timed loop into a ring of
// 2^16 that the events read in turn, so items_per_second is the engine's rate.
// BM_HoldQueueOnly is that hold model on the engine's queue of keys alone
// (sim/engine/radix_queue.hpp), the same pre-drawn delays, no handlers: an
// event is a pop and a push. Against BM_HoldOrreryPredrawn it splits the
// engine's time per event between its queue and the rest (a handler's slot
// taken, filled, prefetched, run and freed, and its generation bumped).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/core/time.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/radix_queue.hpp"

namespace orrery::sim {
namespace {

constexpr std::int64_t kEventsPerIteration = 1 << 20;
constexpr double kMeanDelayNs = 1000;
constexpr std::uint64_t kSeed = 20240601;

// Exp(1 us) rounded to the nearest ns, at least 1 ns.
std::int64_t draw_delay(Rng& rng) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(rng.exponential(kMeanDelayNs) + 0.5));
}

// Live draws: each event draws its successor's delay.
class LiveDelays {
 public:
  std::int64_t next() { return draw_delay(rng_); }

 private:
  Rng rng_{kSeed};
};

// Pre-drawn: the same draws, made once, read in a ring.
class PredrawnDelays {
 public:
  PredrawnDelays() : ring_(kRing) {
    Rng rng(kSeed);
    for (std::int64_t& d : ring_) d = draw_delay(rng);
  }
  std::int64_t next() { return ring_[next_++ & (kRing - 1)]; }

 private:
  static constexpr std::size_t kRing = 1 << 16;
  std::vector<std::int64_t> ring_;
  std::size_t next_ = 0;
};

template <class Delays>
class OrreryHold {
 public:
  explicit OrreryHold(std::int64_t pending) {
    for (std::int64_t i = 0; i < pending; ++i) {
      engine_.schedule_at(Time::from_ns(delays_.next()), [this] { on_event(); });
    }
  }
  void run(std::int64_t events) {
    remaining_ = events;
    engine_.run();
  }

 private:
  void on_event() {
    engine_.schedule_after(Duration::ns(delays_.next()), [this] { on_event(); });
    if (--remaining_ == 0) engine_.stop();
  }

  Engine engine_;
  Delays delays_;
  std::int64_t remaining_ = 0;
};

// The baseline engine: what one writes first with the standard library.
class BaselineEngine {
 public:
  void schedule_at(std::int64_t t, std::function<void()> handler) {
    queue_.push(Event{t, next_sequence_++, std::move(handler)});
  }
  [[nodiscard]] std::int64_t now() const { return now_; }
  void stop() { stopped_ = true; }
  void run() {
    stopped_ = false;
    while (!stopped_ && !queue_.empty()) {
      // Moving the handler out of top() leaves time and sequence, all that
      // pop() compares, intact; it saves copying the std::function.
      Event event = std::move(const_cast<Event&>(queue_.top()));
      queue_.pop();
      now_ = event.time;
      event.handler();
    }
  }

 private:
  struct Event {
    std::int64_t time;
    std::uint64_t sequence;
    std::function<void()> handler;
  };
  struct RunsLater {
    bool operator()(const Event& a, const Event& b) const {
      return a.time > b.time || (a.time == b.time && a.sequence > b.sequence);
    }
  };
  std::priority_queue<Event, std::vector<Event>, RunsLater> queue_;
  std::uint64_t next_sequence_ = 0;
  std::int64_t now_ = 0;
  bool stopped_ = false;
};

class BaselineHold {
 public:
  explicit BaselineHold(std::int64_t pending) : rng_(kSeed) {
    for (std::int64_t i = 0; i < pending; ++i) engine_.schedule_at(draw_delay(rng_), [this] { on_event(); });
  }
  void run(std::int64_t events) {
    remaining_ = events;
    engine_.run();
  }

 private:
  void on_event() {
    engine_.schedule_at(engine_.now() + draw_delay(rng_), [this] { on_event(); });
    if (--remaining_ == 0) engine_.stop();
  }

  BaselineEngine engine_;
  Rng rng_;
  std::int64_t remaining_ = 0;
};

template <class Hold>
void run_hold(benchmark::State& state) {
  const std::int64_t pending = state.range(0);
  Hold hold(pending);
  hold.run(pending);  // warm-up
  for (auto _ : state) hold.run(kEventsPerIteration);
  state.SetItemsProcessed(state.iterations() * kEventsPerIteration);
}

void BM_HoldOrrery(benchmark::State& state) {
  run_hold<OrreryHold<LiveDelays>>(state);
}
void BM_HoldOrreryPredrawn(benchmark::State& state) {
  run_hold<OrreryHold<PredrawnDelays>>(state);
}
void BM_HoldBaselinePriorityQueueFunction(benchmark::State& state) {
  run_hold<BaselineHold>(state);
}

// The queue alone: each pop pushes its key's successor, as OrreryHold's events do.
void BM_HoldQueueOnly(benchmark::State& state) {
  const std::int64_t pending = state.range(0);
  PredrawnDelays delays;
  RadixQueue queue;
  std::uint64_t order = 0;
  for (std::int64_t i = 0; i < pending; ++i) queue.push(EventKey{delays.next(), order++});
  std::int64_t now = 0;
  bool ordered = true;  // keys come out in time order (checked, as the engine relies on it)
  const auto hold = [&](std::int64_t events) {
    for (std::int64_t i = 0; i < events; ++i) {
      bool refiled = false;
      const EventKey k = queue.pop(refiled);
      ordered &= k.time >= now;
      now = k.time;
      queue.push(EventKey{k.time + delays.next(), order++});
    }
  };
  hold(pending);  // warm-up, as run_hold's
  for (auto _ : state) hold(kEventsPerIteration);
  benchmark::DoNotOptimize(now);
  if (!ordered) state.SkipWithError("the queue gave a key out of time order");
  state.SetItemsProcessed(state.iterations() * kEventsPerIteration);
}

void BM_HoldDelayDrawOnly(benchmark::State& state) {
  Rng rng(kSeed);
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < kEventsPerIteration; ++i) sum += draw_delay(rng);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kEventsPerIteration);
}

BENCHMARK(BM_HoldOrrery)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HoldOrreryPredrawn)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HoldBaselinePriorityQueueFunction)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HoldQueueOnly)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HoldDelayDrawOnly)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orrery::sim
