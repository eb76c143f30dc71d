// Engine: the event loop's contract from engine.hpp — events run in (time,
// insertion sequence) order, cancelled events never run, bounded runs and
// stop() leave the clock where the header says — then handler lifetimes, two
// engines side by side, and a randomized comparison against a reference queue.
// Every expected order below follows from that (time, sequence) rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/time.hpp"
#include "sim/engine/engine.hpp"

namespace orrery::sim {
namespace {

Time at(std::int64_t ns) {
  return Time::from_ns(ns);
}

TEST(Engine, RunsEventsInTimeOrder) {
  Engine e;
  std::vector<std::int64_t> log;
  for (std::int64_t t : {50, 10, 40, 20, 30}) e.schedule_at(at(t), [&log, t] { log.push_back(t); });
  EXPECT_EQ(e.pending(), 5u);
  e.run();
  EXPECT_EQ(log, (std::vector<std::int64_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(e.now(), at(50));
  EXPECT_EQ(e.events_processed(), 5u);
  EXPECT_EQ(e.pending(), 0u);
}

TEST(Engine, ThousandEventsAtOneTimeRunInInsertionOrder) {
  Engine e;
  std::vector<int> log;
  for (int i = 0; i < 1000; ++i) e.schedule_at(at(100), [&log, i] { log.push_back(i); });
  e.run();
  ASSERT_EQ(log.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(log[i], i) << "position " << i;
  EXPECT_EQ(e.now(), at(100));
}

TEST(Engine, EqualTimesAmongSeveralTimesRunInInsertionOrder) {
  // Event i is scheduled at kTimes[i % 3]; expected: all events at 3 ns by
  // ascending i, then those at 5 ns, then those at 7 ns.
  constexpr std::array<std::int64_t, 3> kTimes = {7, 3, 5};
  Engine e;
  std::vector<int> log;
  for (int i = 0; i < 1000; ++i) e.schedule_at(at(kTimes[i % 3]), [&log, i] { log.push_back(i); });
  std::vector<int> expected;
  for (std::int64_t t : {3, 5, 7}) {
    for (int i = 0; i < 1000; ++i) {
      if (kTimes[i % 3] == t) expected.push_back(i);
    }
  }
  e.run();
  EXPECT_EQ(log, expected);
}

TEST(Engine, EventScheduledAtTheCurrentTimeRunsAfterThoseAlreadyPending) {
  // C is inserted after B, so at the shared time 10 ns it runs after B.
  Engine e;
  std::vector<char> log;
  e.schedule_at(at(10), [&] {
    log.push_back('A');
    e.schedule_after(Duration::ns(0), [&log] { log.push_back('C'); });
  });
  e.schedule_at(at(10), [&log] { log.push_back('B'); });
  e.run();
  EXPECT_EQ(log, (std::vector<char>{'A', 'B', 'C'}));
  EXPECT_EQ(e.now(), at(10));
}

TEST(Engine, ScheduleAfterFromInsideAHandler) {
  // A chain: each link records the clock and schedules the next 5 ns later.
  Engine e;
  std::vector<std::int64_t> seen;
  struct Chain {
    Engine* engine;
    std::vector<std::int64_t>* seen;
    int left;
    void operator()() {
      seen->push_back(engine->now().ns());
      if (--left > 0) engine->schedule_after(Duration::ns(5), Chain{engine, seen, left});
    }
  };
  e.schedule_at(at(100), Chain{&e, &seen, 10});
  e.run();
  std::vector<std::int64_t> expected;
  for (int k = 0; k < 10; ++k) expected.push_back(100 + 5 * k);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(e.events_processed(), 10u);
  EXPECT_EQ(e.now(), at(145));
}

TEST(Engine, CancelSucceedsOnceAndTheCancelledHandlerNeverRuns) {
  Engine e;
  std::vector<int> log;
  const EventHandle a = e.schedule_at(at(10), [&log] { log.push_back(1); });
  const EventHandle b = e.schedule_at(at(20), [&log] { log.push_back(2); });
  const EventHandle c = e.schedule_at(at(30), [&log] { log.push_back(3); });
  EXPECT_EQ(e.pending(), 3u);
  EXPECT_TRUE(e.cancel(b));
  EXPECT_EQ(e.pending(), 2u);
  EXPECT_FALSE(e.cancel(b));
  EXPECT_EQ(e.pending(), 2u);
  e.run();
  EXPECT_EQ(log, (std::vector<int>{1, 3}));
  EXPECT_EQ(e.events_processed(), 2u);
  EXPECT_EQ(e.pending(), 0u);
  EXPECT_FALSE(e.cancel(a));  // already ran
  EXPECT_FALSE(e.cancel(c));  // already ran
  EXPECT_FALSE(e.cancel(b));  // cancelled, and its key has since left the heap
  EXPECT_FALSE(e.cancel(EventHandle{}));
}

TEST(Engine, CancelledLastEventDoesNotMoveTheClock) {
  Engine e;
  e.schedule_at(at(10), [] {});
  const EventHandle late = e.schedule_at(at(99), [] {});
  EXPECT_TRUE(e.cancel(late));
  e.run();
  EXPECT_EQ(e.now(), at(10));
  EXPECT_EQ(e.events_processed(), 1u);
}

TEST(Engine, StaleHandleDoesNotCancelTheEventThatReusedItsSlot) {
  // After `first` runs its slot is free; the next event may take it. The old
  // handle must not reach the new event.
  Engine e;
  std::vector<int> log;
  const EventHandle first = e.schedule_at(at(1), [&log] { log.push_back(1); });
  e.run();
  const EventHandle second = e.schedule_at(at(2), [&log] { log.push_back(2); });
  EXPECT_FALSE(e.cancel(first));
  EXPECT_EQ(e.pending(), 1u);
  e.run();
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
  EXPECT_FALSE(e.cancel(second));
}

TEST(Engine, AnEventCancelsAnotherPendingAtTheSameTime) {
  Engine e;
  std::vector<int> log;
  EventHandle self;
  EventHandle victim;
  bool cancelled_victim = false;
  bool cancelled_self = true;
  self = e.schedule_at(at(10), [&] {
    log.push_back(1);
    cancelled_victim = e.cancel(victim);
    cancelled_self = e.cancel(self);  // the running event is no longer pending
  });
  victim = e.schedule_at(at(10), [&log] { log.push_back(2); });
  e.schedule_at(at(10), [&log] { log.push_back(3); });
  e.run();
  EXPECT_TRUE(cancelled_victim);
  EXPECT_FALSE(cancelled_self);
  EXPECT_EQ(log, (std::vector<int>{1, 3}));
  EXPECT_EQ(e.events_processed(), 2u);
  EXPECT_EQ(e.pending(), 0u);
}

TEST(Engine, RunUntilRunsEventsUpToTheLimitAndSetsTheClock) {
  Engine e;
  std::vector<std::int64_t> log;
  for (std::int64_t t : {10, 20, 30, 40}) e.schedule_at(at(t), [&log, t] { log.push_back(t); });

  e.run(at(25));
  EXPECT_EQ(log, (std::vector<std::int64_t>{10, 20}));
  EXPECT_EQ(e.now(), at(25));
  EXPECT_EQ(e.pending(), 2u);

  e.run(at(30));  // an event exactly at the limit runs
  EXPECT_EQ(log, (std::vector<std::int64_t>{10, 20, 30}));
  EXPECT_EQ(e.now(), at(30));

  e.run();
  EXPECT_EQ(log, (std::vector<std::int64_t>{10, 20, 30, 40}));
  EXPECT_EQ(e.now(), at(40));

  e.run(at(1000));  // nothing left: only the clock moves
  EXPECT_EQ(e.now(), at(1000));
  EXPECT_EQ(e.events_processed(), 4u);
}

TEST(Engine, StopReturnsAfterTheCurrentEventAndRunResumes) {
  Engine e;
  std::vector<int> log;
  e.schedule_at(at(1), [&log] { log.push_back(1); });
  e.schedule_at(at(2), [&] {
    log.push_back(2);
    e.stop();
  });
  e.schedule_at(at(2), [&log] { log.push_back(3); });  // same time as the stopping event
  e.schedule_at(at(4), [&log] { log.push_back(4); });

  e.run();
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
  EXPECT_EQ(e.now(), at(2));
  EXPECT_EQ(e.pending(), 2u);

  e.run();
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(e.now(), at(4));
}

TEST(Engine, StopInsideRunUntilLeavesTheClockAtTheStoppingEvent) {
  Engine e;
  e.schedule_at(at(5), [&e] { e.stop(); });
  e.schedule_at(at(7), [] {});
  e.run(at(100));
  EXPECT_EQ(e.now(), at(5));  // not 100: run(until) was cut short
  EXPECT_EQ(e.pending(), 1u);
  e.run(at(100));
  EXPECT_EQ(e.now(), at(100));
  EXPECT_EQ(e.events_processed(), 2u);
}

// A bug in a model, not an infeasible scenario: std::logic_error, which the
// program reports as an internal error (exit 1), never as the scenario's fault.
TEST(Engine, SchedulingInThePastIsALogicError) {
  Engine e;
  e.run(at(100));
  try {
    e.schedule_at(at(99), [] {});
    FAIL() << "expected std::logic_error";
  } catch (const InfeasibleError&) {
    FAIL() << "scheduling in the past is not the scenario's fault";
  } catch (const std::logic_error& err) {
    EXPECT_EQ(std::string(err.what()), "event scheduled in the past: at 99 ns, now 100 ns");
  }
  EXPECT_THROW(e.schedule_after(Duration::ns(-1), [] {}), std::logic_error);
  EXPECT_EQ(e.pending(), 0u);
  EXPECT_NO_THROW(e.schedule_at(at(100), [] {}));
  EXPECT_NO_THROW(e.schedule_after(Duration::ns(0), [] {}));
  EXPECT_EQ(e.pending(), 2u);
}

TEST(Engine, SchedulingInThePastFromAHandlerThrowsOutOfRun) {
  Engine e;
  e.schedule_at(at(50), [&e] { e.schedule_at(at(49), [] {}); });
  EXPECT_THROW(e.run(), std::logic_error);
}

TEST(Engine, ReleasesHandlerCapturesAfterRunAndAfterCancel) {
  auto token = std::make_shared<int>(0);
  long count_while_running = 0;
  Engine e;
  e.schedule_at(at(10), [token, &count_while_running] {
    ++*token;
    count_while_running = token.use_count();
  });
  const EventHandle h = e.schedule_at(at(20), [token] { ++*token; });
  EXPECT_EQ(token.use_count(), 3);  // ours and one per pending handler

  EXPECT_TRUE(e.cancel(h));
  EXPECT_EQ(token.use_count(), 2);  // the cancelled handler is destroyed at once

  e.run();
  EXPECT_EQ(*token, 1);
  EXPECT_EQ(count_while_running, 2);  // ours and the running handler's
  EXPECT_EQ(token.use_count(), 1);    // destroyed after it ran
}

TEST(Engine, DestroyingAnEngineReleasesPendingHandlers) {
  auto token = std::make_shared<int>(0);
  {
    Engine e;
    for (int i = 0; i < 5000; ++i) e.schedule_at(at(i), [token] { ++*token; });  // more than one slot chunk
    e.run(at(1000));
    EXPECT_EQ(token.use_count(), 1 + 3999);
  }
  EXPECT_EQ(*token, 1001);  // events at 0..1000 ns
  EXPECT_EQ(token.use_count(), 1);
}

TEST(Engine, RunsMoveOnlyAndFullSizeHandlers) {
  Engine e;
  int from_unique = 0;
  std::int64_t sum = 0;
  e.schedule_at(at(1), [p = std::make_unique<int>(7), &from_unique] { from_unique = *p; });
  // 40 bytes of data and one pointer: exactly Engine::kHandlerCapacity (48 bytes).
  const std::array<std::int64_t, 5> data = {1, 2, 3, 4, 5};
  static_assert(sizeof(data) + sizeof(&sum) == Engine::kHandlerCapacity);
  e.schedule_at(at(2), [data, &sum] {
    for (std::int64_t v : data) sum += v;
  });
  e.run();
  EXPECT_EQ(from_unique, 7);
  EXPECT_EQ(sum, 15);  // 1 + 2 + 3 + 4 + 5
}

TEST(Engine, TwoEnginesInterleaveWithoutInterference) {
  // Each engine runs a chain that re-schedules itself on its own engine; the
  // runs are interleaved. Nothing one engine does may show in the other.
  struct Chain {
    Engine* engine;
    std::vector<std::int64_t>* seen;
    std::int64_t step;
    void operator()() {
      seen->push_back(engine->now().ns());
      if (seen->size() < 5) engine->schedule_after(Duration::ns(step), *this);
    }
  };
  Engine a;
  Engine b;
  std::vector<std::int64_t> seen_a;
  std::vector<std::int64_t> seen_b;
  a.schedule_at(at(0), Chain{&a, &seen_a, 10});
  b.schedule_at(at(1), Chain{&b, &seen_b, 7});

  a.run(at(15));
  EXPECT_EQ(b.now(), at(0));
  EXPECT_EQ(b.events_processed(), 0u);
  b.run(at(9));
  EXPECT_EQ(a.now(), at(15));
  a.stop();  // must not leak into b
  b.run();
  a.run();

  EXPECT_EQ(seen_a, (std::vector<std::int64_t>{0, 10, 20, 30, 40}));
  EXPECT_EQ(seen_b, (std::vector<std::int64_t>{1, 8, 15, 22, 29}));
  EXPECT_EQ(a.now(), at(40));
  EXPECT_EQ(b.now(), at(29));
  EXPECT_EQ(a.events_processed(), 5u);
  EXPECT_EQ(b.events_processed(), 5u);
}

// The randomized comparison: the same operations go to the engine and to a
// reference queue, a std::map keyed by (time, insertion sequence) — the
// ordering rule written out directly. Each event, when it runs, logs its id;
// every 7th schedules a child (at a delay that can be 0, so ties with pending
// events arise inside handlers) and every 11th cancels the event 5 ids before
// it, logging whether that succeeded. The two logs must be identical.
class StressHarness {
 public:
  static constexpr int kOperations = 200'000;

  void schedule(std::int64_t delay) {
    schedule_engine(delay);
    schedule_reference(delay);
  }

  // Cancels the same id on both sides and checks they agree.
  void cancel(std::uint64_t id) {
    const bool by_engine = engine_.cancel(handles_[id]);
    const bool by_reference = reference_.erase(keys_[id]) == 1;
    ASSERT_EQ(by_engine, by_reference) << "cancel of id " << id;
  }

  void run_until(std::int64_t until) {
    engine_.run(at(until));
    run_reference(until);
    if (reference_now_ < until) reference_now_ = until;
  }

  void run_to_end() {
    engine_.run();
    run_reference(std::numeric_limits<std::int64_t>::max());
  }

  void check_state() const {
    ASSERT_EQ(engine_next_id_, reference_next_id_);
    ASSERT_EQ(engine_.pending(), reference_.size());
    ASSERT_EQ(engine_.now().ns(), reference_now_);
  }

  void check_logs() const {
    ASSERT_EQ(engine_log_.size(), reference_log_.size());
    for (std::size_t i = 0; i < engine_log_.size(); ++i) {
      ASSERT_EQ(engine_log_[i], reference_log_[i]) << "first difference at log position " << i;
    }
  }

  [[nodiscard]] std::uint64_t ids() const { return engine_next_id_; }
  [[nodiscard]] std::int64_t now() const { return engine_.now().ns(); }
  [[nodiscard]] std::uint64_t processed() const { return engine_.events_processed(); }
  [[nodiscard]] std::size_t pending() const { return engine_.pending(); }

 private:
  using Key = std::pair<std::int64_t, std::uint64_t>;  // (time, insertion sequence)

  static std::int64_t child_delay(std::uint64_t id) {
    return static_cast<std::int64_t>((id * 2654435761u) % 300);
  }

  void schedule_engine(std::int64_t delay) {
    const std::uint64_t id = engine_next_id_++;
    handles_.push_back(engine_.schedule_after(Duration::ns(delay), [this, id] { fire_engine(id); }));
  }

  void fire_engine(std::uint64_t id) {
    engine_log_.push_back(id << 1);
    if (id % 7 == 0) schedule_engine(child_delay(id));
    if (id % 11 == 0 && id >= 5)
      engine_log_.push_back((id - 5) << 1 | (engine_.cancel(handles_[id - 5]) ? 1 : 0));
  }

  void schedule_reference(std::int64_t delay) {
    const std::uint64_t id = reference_next_id_++;
    const Key k{reference_now_ + delay, reference_sequence_++};
    keys_.push_back(k);
    reference_.emplace(k, id);
  }

  void fire_reference(std::uint64_t id) {
    reference_log_.push_back(id << 1);
    if (id % 7 == 0) schedule_reference(child_delay(id));
    if (id % 11 == 0 && id >= 5) reference_log_.push_back((id - 5) << 1 | reference_.erase(keys_[id - 5]));
  }

  void run_reference(std::int64_t until) {
    while (!reference_.empty() && reference_.begin()->first.first <= until) {
      const auto it = reference_.begin();
      reference_now_ = it->first.first;
      const std::uint64_t id = it->second;
      reference_.erase(it);
      fire_reference(id);
    }
  }

  Engine engine_;
  std::vector<EventHandle> handles_;  // by id
  std::vector<std::uint64_t> engine_log_;
  std::uint64_t engine_next_id_ = 0;

  std::map<Key, std::uint64_t> reference_;  // pending events: (time, sequence) -> id
  std::vector<Key> keys_;                   // by id
  std::vector<std::uint64_t> reference_log_;
  std::uint64_t reference_next_id_ = 0;
  std::uint64_t reference_sequence_ = 0;
  std::int64_t reference_now_ = 0;
};

TEST(Engine, MatchesAReferenceQueueOnRandomOperations) {
  // Operation mix: 60% schedule at now + U{0..9999} ns, 15% cancel one of the
  // 20000 most recent ids (pending or not), 25% advance the clock by U{0..3} ns.
  // That is 0.6 schedules per 0.375 simulated ns, each pending for ~5000 ns on
  // average, so ~8000 events are pending and
  // each nanosecond near the clock holds ~1.6 of them: many ties. Twice the
  // clock jumps past every pending event, draining the queue and scrambling
  // the free-slot list.
  Rng rng = RngStreams(20240601).stream("engine-stress");
  StressHarness h;
  std::size_t max_pending = 0;
  for (int op = 0; op < StressHarness::kOperations; ++op) {
    const std::uint64_t r = rng.below(100);
    if (r < 60) {
      h.schedule(static_cast<std::int64_t>(rng.below(10'000)));
    } else if (r < 75) {
      if (h.ids() == 0) continue;
      const std::uint64_t back = rng.below(std::min<std::uint64_t>(h.ids(), 20'000));
      ASSERT_NO_FATAL_FAILURE(h.cancel(h.ids() - 1 - back));
    } else {
      h.run_until(h.now() + static_cast<std::int64_t>(rng.below(4)));
    }
    if (op == 100'000 || op == 150'000) {
      h.run_until(h.now() + 20'000);
      ASSERT_EQ(h.pending(), 0u);
    }
    ASSERT_NO_FATAL_FAILURE(h.check_state()) << "after operation " << op;
    max_pending = std::max(max_pending, h.pending());
  }
  h.run_to_end();
  ASSERT_NO_FATAL_FAILURE(h.check_state());
  ASSERT_NO_FATAL_FAILURE(h.check_logs());
  EXPECT_GT(h.processed(), 100'000u);  // 120724 with this seed; max_pending is 7563
  EXPECT_GT(max_pending, 4096u);
}

TEST(Engine, MatchesAReferenceQueueOnDelaysOfEveryMagnitude) {
  // The queue files a key by the highest 6-bit digit in which its time differs
  // from a base, so keys move between levels only when delays span several
  // digits. Delays here are 2^U{0..47} + U{0..63} ns (every level up to 8),
  // with runs of equal times; 40,000 events go in before the clock moves, so
  // the slot pool grows past one chunk of 32,768 slots; then the same mix of
  // schedules, cancels and short clock advances as above, and a jump to the
  // end.
  Rng rng = RngStreams(20240601).stream("engine-wide-delays");
  StressHarness h;
  const auto wide_delay = [&rng] {
    return (std::int64_t{1} << rng.below(48)) + static_cast<std::int64_t>(rng.below(64));
  };
  for (int i = 0; i < 40'000; ++i) h.schedule(i % 5 == 0 ? 1000 : wide_delay());
  ASSERT_EQ(h.pending(), 40'000u);
  for (int op = 0; op < 50'000; ++op) {
    const std::uint64_t r = rng.below(100);
    if (r < 60) {
      h.schedule(wide_delay());
    } else if (r < 75) {
      const std::uint64_t back = rng.below(std::min<std::uint64_t>(h.ids(), 20'000));
      ASSERT_NO_FATAL_FAILURE(h.cancel(h.ids() - 1 - back));
    } else {
      h.run_until(h.now() + (std::int64_t{1} << rng.below(20)));
    }
  }
  ASSERT_NO_FATAL_FAILURE(h.check_state());
  h.run_to_end();
  ASSERT_NO_FATAL_FAILURE(h.check_state());
  ASSERT_NO_FATAL_FAILURE(h.check_logs());
  EXPECT_GT(h.processed(), 50'000u);
}

}  // namespace
}  // namespace orrery::sim
