// Merging a Chakra trace's ranks into tasks (workloads/chakra/chakra_graph.hpp):
// sends meet receives by (source, destination, tag), a group's collective
// nodes meet across its ranks in file order, dependencies resolve within a
// rank, nodes without work pass them on; and the failures, each at the node
// (text traces: the dependency's own line:column). Expected tasks and edges
// are read off the small traces written here.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/core/rng.hpp"
#include "tests/support/chakra_support.hpp"
#include "workloads/chakra/chakra_graph.hpp"

namespace orrery::chakra_graph_test {
namespace {

using namespace chakra_support;
using workload::chakra::ImportedTask;
using workload::chakra::ImportedTrace;
using Kind = ImportedTask::Kind;

std::vector<workload::chakra::RankTrace> ranks_of(const std::vector<std::string>& texts) {
  std::vector<workload::chakra::RankTrace> out;
  for (std::size_t r = 0; r < texts.size(); ++r)
    out.push_back(workload::chakra::parse_text_trace(texts[r], fmt::format("t.{}.et.txt", r), "workload.trace"));
  return out;
}

ImportedTrace merge(const std::vector<std::string>& texts, const workload::chakra::CommGroups* groups = nullptr) {
  workload::chakra::MergeOptions o;
  o.key = "workload.trace";
  o.groups = groups;
  o.groups_file = "t.comm_groups.json";
  return workload::chakra::merge_ranks(ranks_of(texts), o);
}

std::string merge_error(const std::vector<std::string>& texts, const workload::chakra::CommGroups* groups = nullptr) {
  return config_error([&] { (void)merge(texts, groups); });
}

std::string comp(int id, int micros, const std::string& deps = "") {
  return fmt::format("node {{ id: {} type: COMP_NODE duration_micros: {} {} }}\n", id, micros,
                     deps.empty() ? "" : "data_deps: [" + deps + "]");
}
std::string p2p(int id, const char* type, int src, int dst, int tag, int bytes, const std::string& deps = "") {
  return fmt::format(
      "node {{ id: {} type: {} {} attr {{ name: \"comm_src\" int32_val: {} }} attr {{ name: \"comm_dst\" int32_val: {} "
      "}} attr {{ name: \"comm_tag\" int32_val: {} }} attr {{ name: \"comm_size\" int64_val: {} }} }}\n",
      id, type, deps.empty() ? "" : "data_deps: [" + deps + "]", src, dst, tag, bytes);
}
std::string coll(int id, int type, int bytes, const std::string& pg = "", const std::string& deps = "") {
  return fmt::format(
      "node {{ id: {} type: COMM_COLL_NODE {} attr {{ name: \"comm_type\" int64_val: {} }} attr {{ name: \"comm_size\" "
      "int64_val: {} }} {} }}\n",
      id, deps.empty() ? "" : "data_deps: [" + deps + "]", type, bytes,
      pg.empty() ? "" : "attr { name: \"pg_name\" string_val: \"" + pg + "\" }");
}

TEST(ChakraGraph, SendMeetsReceive) {
  const auto t = merge({comp(1, 10) + p2p(2, "COMM_SEND_NODE", 0, 1, 5, 100, "1"),
                        p2p(2, "COMM_RECV_NODE", 0, 1, 5, 100) + comp(3, 20, "2")});
  ASSERT_EQ(t.tasks.size(), 3u);  // by least (node id, rank): compute (1, 0), transfer (2, 0), compute (3, 1)
  EXPECT_EQ(t.tasks[0].kind, Kind::kCompute);
  EXPECT_EQ(t.tasks[0].duration_ns, 10'000);
  EXPECT_EQ(t.tasks[1].kind, Kind::kTransfer);
  EXPECT_EQ(t.tasks[1].device, 0);
  EXPECT_EQ(t.tasks[1].dst, 1);
  EXPECT_EQ(t.tasks[1].bytes, 100);
  EXPECT_EQ(t.tasks[2].device, 1);
  EXPECT_EQ(t.preds, (std::vector<std::vector<std::int32_t>>{{}, {0}, {1}}));
  EXPECT_EQ(t.nodes, 4);
}

TEST(ChakraGraph, CollectiveOnAGroupInItsOrder) {
  // An all-gather's comm_size is each rank's part, as ASTRA-sim reads it: S = 2 × 10.
  const workload::chakra::CommGroups groups{{"1", {2, 0}}};
  const auto t = merge({coll(1, 2, 10, "1"), comp(1, 5), comp(0, 5) + coll(1, 2, 10, "1", "0")}, &groups);
  ASSERT_EQ(t.tasks.size(), 3u);  // (0, 2) compute, (1, 0) all-gather, (1, 1) compute
  const ImportedTask& g = t.tasks[1];
  ASSERT_EQ(g.kind, Kind::kCollective);
  EXPECT_EQ(g.collective.op, task::CollectiveOp::kAllGather);
  EXPECT_EQ(g.collective.group, (std::vector<DeviceId>{DeviceId(2), DeviceId(0)}));
  EXPECT_EQ(g.collective.bytes, Bytes(20));
  EXPECT_EQ(t.preds[1], (std::vector<std::int32_t>{0}));
}

TEST(ChakraGraph, NodesWithoutWorkPassDependenciesOn) {
  const auto t = merge({comp(1, 1) + "node { id: 2 type: METADATA_NODE data_deps: 1 }\n" + comp(3, 1, "2")});
  ASSERT_EQ(t.tasks.size(), 2u);
  EXPECT_EQ(t.preds[1], (std::vector<std::int32_t>{0}));
}

TEST(ChakraGraph, DependencyErrors) {
  EXPECT_EQ(merge_error({"node {\n  id: 5\n  type: COMP_NODE\n  data_deps: 9\n}\n"}),
            "t.0.et.txt:4:3: error: workload.trace.node[5].data_deps: no node of rank 0 has id 9 (dependencies name "
            "nodes of the same file)");
  EXPECT_EQ(merge_error({comp(5, 1, "5")}),
            "t.0.et.txt:1:49: error: workload.trace.node[5].data_deps: the node depends on itself");
  EXPECT_EQ(merge_error({comp(1, 1) + comp(1, 1)}),
            "t.0.et.txt:2:1: error: workload.trace.node[1].id: node id 1 appears twice in rank 0 (first at "
            "t.0.et.txt:1:1)");
}

TEST(ChakraGraph, DependencyCycles) {
  EXPECT_EQ(merge_error({comp(1, 1, "2") + comp(2, 1, "1")}),
            "t.0.et.txt:1:1: error: workload.trace.node[1].data_deps: a dependency cycle: node 1 of rank 0, which "
            "waits for node 2 of rank 0, which waits for node 1 of rank 0");
  // Across ranks, through the messages: each rank receives before it sends what the other receives first.
  // The transfer 1 -> 0 (named by its send, node 2 of rank 1) waits for the transfer 0 -> 1, which waits for it.
  EXPECT_EQ(merge_error({p2p(1, "COMM_RECV_NODE", 1, 0, 0, 8) + p2p(2, "COMM_SEND_NODE", 0, 1, 1, 8, "1"),
                         p2p(1, "COMM_RECV_NODE", 0, 1, 1, 8) + p2p(2, "COMM_SEND_NODE", 1, 0, 0, 8, "1")}),
            "t.1.et.txt:2:1: error: workload.trace.node[2].data_deps: a dependency cycle: node 2 of rank 1, which "
            "waits for node 2 of rank 0, which waits for node 2 of rank 1");
}

TEST(ChakraGraph, UnmatchedCommunication) {
  EXPECT_EQ(merge_error({p2p(2, "COMM_SEND_NODE", 0, 1, 3, 8), comp(1, 1)}),
            "t.0.et.txt:1:1: error: workload.trace.node[2]: COMM_SEND_NODE 0 -> 1 with comm_tag 3 has no "
            "COMM_RECV_NODE in rank 1's file to meet it (1 sends, 0 receives with these ranks and tag)");
  EXPECT_EQ(merge_error({p2p(2, "COMM_SEND_NODE", 0, 1, 3, 8), p2p(7, "COMM_RECV_NODE", 0, 1, 3, 9)}),
            "t.1.et.txt:1:1: error: workload.trace.node[7].comm_size: the receive of 9 bytes meets a send of 8 bytes "
            "(t.0.et.txt:1:1)");
  EXPECT_EQ(merge_error({p2p(2, "COMM_SEND_NODE", 0, 4, 3, 8), comp(1, 1)}),
            "t.0.et.txt:1:1: error: workload.trace.node[2].comm_dst: rank 4 is not in the trace (ranks 0 to 1)");
  EXPECT_EQ(merge_error({coll(1, 0, 64), coll(1, 0, 32)}),
            "t.1.et.txt:1:1: error: workload.trace.node[1].comm_size: comm_type 0, comm_size 32, but the same "
            "collective in rank 0's file has comm_type 0, comm_size 64 (t.0.et.txt:1:1)");
  EXPECT_EQ(merge_error({coll(1, 0, 64) + coll(2, 0, 64, "", "1"), coll(1, 0, 64)}),
            "t.0.et.txt:2:1: error: workload.trace.node[2]: collective 2 of communicator group '0 (every rank)' in "
            "rank 0's file has no partner in every rank of the group: some rank has only 1");
  EXPECT_EQ(merge_error({coll(1, 0, 64, "3")}),
            "t.0.et.txt:1:1: error: workload.trace.node[1].pg_name: names communicator group '3', but there is no "
            "communicator group file (give workload.comm_groups, or write PREFIX.comm_groups.json beside the trace)");
  const workload::chakra::CommGroups groups{{"1", {1}}};
  EXPECT_EQ(merge_error({coll(1, 0, 64, "1"), comp(1, 1)}, &groups),
            "t.0.et.txt:1:1: error: workload.trace.node[1].pg_name: rank 0 is not in communicator group '1' "
            "(t.comm_groups.json)");
}

TEST(ChakraGraph, PricedComputeNeedsBothNumbers) {
  const std::string node = "node { id: 1 type: COMP_NODE attr { name: \"num_ops\" int64_val: 100 } }\n";
  EXPECT_EQ(merge_error({node}),
            "t.0.et.txt:1:1: error: workload.trace.node[1].tensor_size: num_ops without tensor_size: a node without "
            "duration_micros is priced by the device model from both (FLOPs and bytes); give tensor_size, or "
            "duration_micros");
  const auto t = merge({"node { id: 1 type: COMP_NODE attr { name: \"num_ops\" int64_val: 100 } attr { name: "
                        "\"tensor_size\" uint64_val: 40 } }\n"});
  EXPECT_TRUE(t.tasks[0].priced);
  EXPECT_EQ(t.tasks[0].num_ops, 100);
  EXPECT_EQ(t.tasks[0].tensor_size, 40);
}

// Bad input never crashes: thousands of mutations of a valid two-rank binary
// trace (bytes overwritten, files cut short) each either read and merge into
// tasks whose dependencies name tasks, or fail with a ConfigError; any other
// exception fails the test (and the sanitizers watch the rest).
TEST(ChakraGraph, MutatedFilesReadOrFailLocated) {
  pb::Node c0 = node(1, pb::COMP_NODE, {}, 3);
  pb::Node s0 = node(2, pb::COMM_SEND_NODE, {1});
  with(with(with(s0, "comm_dst", 1), "comm_size", 64), "comm_tag", 2);
  pb::Node k0 = node(3, pb::COMM_COLL_NODE, {2});
  with(with(k0, "comm_type", 0), "comm_size", 1 << 20);
  pb::Node r1 = node(2, pb::COMM_RECV_NODE);
  with(with(with(r1, "comm_src", 0), "comm_size", 64), "comm_tag", 2);
  pb::Node k1 = node(3, pb::COMM_COLL_NODE, {2});
  with(with(k1, "comm_type", 0), "comm_size", 1 << 20);
  const std::vector<std::string> files{file_of({c0, s0, k0}), file_of({r1, k1})};
  Rng rng(2024);
  int failed = 0;
  int read = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::vector<std::string> bytes = files;
    std::string& f = bytes[rng.below(2)];
    if (trial % 4 == 0) {
      f.resize(rng.below(f.size()));
    } else {
      for (std::uint64_t k = 0, n = 1 + rng.below(3); k < n; ++k)
        f[rng.below(f.size())] = static_cast<char>(rng.below(256));
    }
    try {
      std::vector<workload::chakra::RankTrace> ranks;
      for (std::size_t r = 0; r < bytes.size(); ++r)
        ranks.push_back(workload::chakra::parse_binary_trace(bytes[r], fmt::format("t.{}.et", r), "workload.trace"));
      workload::chakra::MergeOptions o;
      o.key = "workload.trace";
      const auto t = workload::chakra::merge_ranks(ranks, o);
      for (const auto& preds : t.preds)
        for (const auto u : preds) ASSERT_LT(static_cast<std::size_t>(u), t.tasks.size());
      ++read;
    } catch (const ConfigError& e) {
      ASSERT_NE(std::string(e.what()).find("error: workload.trace"), std::string::npos) << e.what();
      ++failed;
    }
  }
  EXPECT_GT(failed, 0);  // the mutations did reach the checks
  EXPECT_GT(read, 0);    // and some left a valid trace (a changed duration, a name)
}

}  // namespace
}  // namespace orrery::chakra_graph_test
