// The solver's interface beside its rates: reserved ids (reserve_flow,
// place_flow), the messages for bad arguments, and the completion queue's
// order.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/fluid/completion_queue.hpp"
#include "sim/fluid/max_min.hpp"

namespace orrery::fluid {
namespace {

TEST(MaxMin, AReservedIdIsInvisibleUntilPlacedAndThenSolvesAsAnAddedFlow) {
  // One link of capacity 12. A reserved id is no flow: the other two share
  // the link, 6 each; placed on it, the three get 4 each (12/3), as when
  // added at once; released ids are given out again, last freed first.
  MaxMinSolver s;
  s.add_link(12.0);
  const std::vector<std::int32_t> on{0};
  const std::int32_t a = s.add_flow(on);
  const std::int32_t r = s.reserve_flow();
  const std::int32_t b = s.add_flow(on);
  EXPECT_FALSE(s.live(r));
  s.solve();
  EXPECT_EQ(s.rate(a), 6.0);
  EXPECT_EQ(s.rate(b), 6.0);
  s.place_flow(r, on);
  EXPECT_TRUE(s.live(r));
  s.solve();
  EXPECT_EQ(s.rate(a), 4.0);
  EXPECT_EQ(s.rate(r), 4.0);
  EXPECT_EQ(s.rate(b), 4.0);
  const std::int32_t unused = s.reserve_flow();
  s.release_flow(unused);
  EXPECT_EQ(s.reserve_flow(), unused);
}

// Random networks of every density, from a few flows per link to hundreds of
// flows in one component (as the flow benchmark's churn), with capped flows,
// integer capacities (ties between levels, and shares that rounding makes
// equal to a level just passed) or real ones, and one to five changes
// between solves: after every solve the incremental rates equal bit for bit
// a from-scratch solve of a copy, and no lazy link is woken below its bound.

TEST(CompletionQueue, OrdersByTimeThenSequenceAndMovesUpdatedIds) {
  CompletionQueue q;
  q.set(3, 50, 0);
  q.set(1, 20, 5);
  q.set(2, 20, 1);
  q.set(0, 70, 2);
  q.set(3, 10, 0);  // moved earlier
  q.set(0, 20, 9);  // moved, ties at 20 by sequence
  q.erase(1);
  std::vector<std::int32_t> order;
  while (!q.empty()) order.push_back(q.pop());
  EXPECT_EQ(order, (std::vector<std::int32_t>{3, 2, 0}));
}

TEST(MaxMinInvalid, BadArgumentsAreRejectedWithAMessage) {
  MaxMinSolver s;
  const auto message = [](auto&& call) {
    try {
      call();
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message([&] { s.add_link(0); }), "a link's capacity must be positive and finite, got 0");
  EXPECT_EQ(message([&] { s.add_link(-2.5); }), "a link's capacity must be positive and finite, got -2.5");
  s.add_link(1.0);
  EXPECT_EQ(message([&] { s.add_flow(std::vector<std::int32_t>{}); }), "a flow must cross at least one link");
  EXPECT_EQ(message([&] {
              s.add_flow(std::vector<std::int32_t>{0, 1});
            }),
            "a flow crosses link 1, but there are 1 links");
  EXPECT_EQ(message([&] { s.add_flow(std::vector<std::int32_t>{0}, 0.0); }),
            "a flow's rate cap must be positive, got 0");
  EXPECT_EQ(message([&] { s.remove_flow(0); }), "flow 0 is not live");
  // Reserved ids (reserve_flow / place_flow): only an id that exists and is not live may be placed.
  EXPECT_EQ(message([&] { s.place_flow(0, std::vector<std::int32_t>{0}); }), "flow 0 is not a reserved id");
  const std::int32_t r = s.reserve_flow();
  EXPECT_EQ(message([&] { s.place_flow(r, std::vector<std::int32_t>{3}); }),
            "a flow crosses link 3, but there are 1 links");
  s.place_flow(r, std::vector<std::int32_t>{0});
  EXPECT_EQ(message([&] { s.place_flow(r, std::vector<std::int32_t>{0}); }),
            fmt::format("flow {} is not a reserved id", r));
}

}  // namespace
}  // namespace orrery::fluid
