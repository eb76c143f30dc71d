// Reading Chakra trace files (workloads/chakra/chakra_trace.hpp): the binary
// stream's framing and its failures, each located as FILE:record N (byte B)
// where B is the offset of the record's length prefix, counted here from the
// frames the test builds; the text form's errors at line:column; nodes'
// attributes and their checks; finding a trace's files.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/chakra_support.hpp"
#include "workloads/chakra/chakra_trace.hpp"

namespace orrery::chakra_trace_test {
namespace {

using namespace chakra_support;
using workload::chakra::parse_binary_trace;
using workload::chakra::parse_text_trace;

const std::string kKey = "workload.trace";

std::string binary_error(const std::string& bytes) {
  return config_error([&] { (void)parse_binary_trace(bytes, "t.0.et", kKey); });
}
std::string text_error(const std::string& text) {
  return config_error([&] { (void)parse_text_trace(text, "t.0.et.txt", kKey); });
}

TEST(ChakraTrace, ReadsNodesAndTheirAttributes) {
  pb::Node compute = node(3, pb::COMP_NODE, {1, 2}, 75);
  compute.add_ctrl_deps(7);
  with(compute, "num_ops", 1000);
  auto* size = compute.add_attr();
  size->set_name("tensor_size");
  size->set_uint64_val(64);
  auto* unknown = compute.add_attr();  // PyTorch's converter writes many that orrery does not read
  unknown->set_name("rf_id");
  unknown->set_string_val("x");
  pb::Node send = node(4, pb::COMM_SEND_NODE, {3});
  with(with(with(send, "comm_dst", 1), "comm_size", 4096), "comm_tag", 9);
  const auto trace = parse_binary_trace(file_of({compute, send}), "t.0.et", kKey);
  ASSERT_EQ(trace.nodes.size(), 2u);
  const auto& c = trace.nodes[0];
  EXPECT_EQ(c.id, 3u);
  EXPECT_EQ(c.type, workload::chakra::kCompNode);
  EXPECT_EQ(c.deps, (std::vector<std::uint64_t>{1, 2, 7}));  // data_deps, then ctrl_deps
  EXPECT_EQ(c.duration_micros, 75u);
  EXPECT_EQ(c.num_ops, 1000);
  EXPECT_EQ(c.tensor_size, 64);
  // Record 2 starts after the GlobalMetadata's frame.
  EXPECT_EQ(c.at.str(), fmt::format("t.0.et:record 2 (byte {})", metadata().size()));
  const auto& s = trace.nodes[1];
  EXPECT_EQ(s.comm_dst, 1);
  EXPECT_EQ(s.comm_size, 4096);
  EXPECT_EQ(s.comm_tag, 9);
  EXPECT_FALSE(s.comm_src.has_value());
}

TEST(ChakraTrace, TruncatedFile) {
  const pb::Node a = node(0, pb::COMP_NODE, {}, 5);
  const pb::Node b = node(1, pb::COMP_NODE, {0}, 5);
  std::string bytes = file_of({a, b});
  bytes.pop_back();
  const std::size_t third = metadata().size() + frame(a).size();
  const std::size_t length = b.ByteSizeLong();
  EXPECT_EQ(binary_error(bytes),
            fmt::format("t.0.et:record 3 (byte {}): error: workload.trace: the length prefix says {} bytes, but only {} "
                        "are left: a truncated file, or not a Chakra trace",
                        third, length, length - 1));
}

TEST(ChakraTrace, LengthPrefixPastTheEnd) {
  const std::string bytes = metadata() + "\x64" + "abcde";  // 100 bytes announced, 5 follow
  EXPECT_EQ(binary_error(bytes),
            fmt::format("t.0.et:record 2 (byte {}): error: workload.trace: the length prefix says 100 bytes, but only 5 "
                        "are left: a truncated file, or not a Chakra trace",
                        metadata().size()));
}

TEST(ChakraTrace, FileEndsInsideALengthPrefix) {
  const std::string bytes = metadata() + "\x80";  // a varint whose continuation bit promises more
  EXPECT_EQ(binary_error(bytes), fmt::format("t.0.et:record 2 (byte {}): error: workload.trace: the file ends inside "
                                             "a record's length prefix: a truncated file",
                                             metadata().size()));
}

TEST(ChakraTrace, MessageThatDoesNotParse) {
  // One byte, 0x0f: field 1 with wire type 7, which protobuf does not have.
  const std::string bytes = metadata() + std::string("\x01\x0f", 2);
  EXPECT_EQ(binary_error(bytes), fmt::format("t.0.et:record 2 (byte {}): error: workload.trace: record 2 does not "
                                             "parse as a Chakra Node",
                                             metadata().size()));
  EXPECT_EQ(binary_error(""), "t.0.et: error: workload.trace: the file is empty: it holds no GlobalMetadata");
}

TEST(ChakraTrace, AttributeChecks) {
  const std::string at = fmt::format("t.0.et:record 2 (byte {})", metadata().size());
  pb::Node negative = node(3, pb::COMM_COLL_NODE);
  with(with(negative, "comm_type", 0), "comm_size", -5);
  EXPECT_EQ(binary_error(file_of({negative})),
            at + ": error: workload.trace.node[3].comm_size: must not be negative, got -5");
  pb::Node unknown = node(3, pb::COMM_COLL_NODE);
  with(with(unknown, "comm_type", 42), "comm_size", 8);
  EXPECT_EQ(binary_error(file_of({unknown})),
            at + ": error: workload.trace.node[3].comm_type: unknown comm_type 42; Chakra's are 0 ALL_REDUCE, 1 "
                 "REDUCE, 2 ALL_GATHER, 3 GATHER, 4 SCATTER, 5 BROADCAST, 6 ALL_TO_ALL, 7 REDUCE_SCATTER, 8 "
                 "REDUCE_SCATTER_BLOCK, 9 BARRIER");
  pb::Node gather = node(3, pb::COMM_COLL_NODE);
  with(with(gather, "comm_type", 3), "comm_size", 8);
  EXPECT_NE(binary_error(file_of({gather})).find("comm_type 3 (GATHER) has no orrery collective"), std::string::npos);
  pb::Node bare = node(3, pb::COMM_COLL_NODE);
  with(bare, "comm_type", 0);
  EXPECT_EQ(binary_error(file_of({bare})),
            at + ": error: workload.trace.node[3].comm_size: missing: a COMM_COLL_NODE needs it (its bytes)");
  pb::Node text_size = node(3, pb::COMM_SEND_NODE);
  with(text_size, "comm_dst", 1);
  auto* a = text_size.add_attr();
  a->set_name("comm_size");
  a->set_string_val("4 MiB");
  EXPECT_EQ(binary_error(file_of({text_size})),
            at + ": error: workload.trace.node[3].comm_size: expected an integer, found the string '4 MiB'");
  pb::Node typed = node(3, pb::COMP_NODE);
  typed.GetReflection()->SetEnumValue(&typed, typed.GetDescriptor()->FindFieldByName("type"), 12);
  EXPECT_EQ(binary_error(file_of({typed})),
            at + ": error: workload.trace.node[3].type: unknown node type 12; Chakra's are 0 INVALID_NODE to 7 "
                 "COMM_COLL_NODE");
}

TEST(ChakraTrace, TextFormErrorsAtLineAndColumn) {
  const std::string good = R"(global_metadata { version: "1.0.0" }
node { id: 1 name: "fwd" type: COMP_NODE duration_micros: 10 }
node {
  id: 2
  type: COMP_NODE
  data_deps: 1
  attr { name: "num_ops" int64_val: 7 }
}
)";
  const auto trace = parse_text_trace(good, "t.0.et.txt", kKey);
  ASSERT_EQ(trace.nodes.size(), 2u);
  EXPECT_EQ(trace.nodes[1].deps, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(trace.nodes[1].at.str(), "t.0.et.txt:3:1");
  EXPECT_EQ(trace.nodes[1].dep_at.at(0).str(), "t.0.et.txt:6:3");
  // protobuf's own parser error, where its tokenizer stands: just past the misspelt field's name
  // (which starts at column 14 of line 2).
  const std::string misspelt = "global_metadata { }\nnode { id: 1 typ: COMP_NODE }\n";
  EXPECT_EQ(text_error(misspelt),
            "t.0.et.txt:2:17: error: workload.trace: Message type \"ChakraProtoMsg.Node\" has no field named \"typ\".");
  // An attribute's check, at the attribute.
  const std::string bad = "node {\n  id: 4\n  type: COMM_COLL_NODE\n  attr { name: \"comm_type\" int64_val: 0 }\n"
                          "  attr { name: \"comm_size\" int64_val: -1 }\n}\n";
  EXPECT_EQ(text_error(bad), "t.0.et.txt:5:3: error: workload.trace.node[4].comm_size: must not be negative, got -1");
}

TEST(ChakraTrace, FindsEveryRanksFile) {
  const TempDir dir;
  for (const int r : {0, 1, 2}) dir.write(fmt::format("job.{}.et", r), file_of({}));
  dir.write("other.txt", "not a trace");
  const auto files = workload::chakra::find_trace_files(dir.path("job"));
  EXPECT_EQ(files.prefix, dir.path("job"));
  EXPECT_EQ(files.files, (std::vector<std::string>{dir.path("job.0.et"), dir.path("job.1.et"), dir.path("job.2.et")}));
  EXPECT_EQ(workload::chakra::find_trace_files(dir.path("")).files.size(), 3u);  // the folder itself
}

TEST(ChakraTrace, FileErrors) {
  const TempDir dir;
  const auto error = [&](const std::string& path) {
    try {
      (void)workload::chakra::find_trace_files(path);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error(dir.path("none")), fmt::format("no trace files '{0}.RANK.et' (or .et.txt): '{0}.0.et' does not exist",
                                                 dir.path("none")));
  EXPECT_EQ(error(dir.path("nowhere/x")),
            fmt::format("no trace '{}': the folder '{}' does not exist", dir.path("nowhere/x"), dir.path("nowhere")));
  dir.write("gap.0.et", file_of({}));
  dir.write("gap.2.et", file_of({}));
  EXPECT_EQ(error(dir.path("gap")), fmt::format("rank 1 is missing: '{}.1.et' does not exist (ranks found: 0, 2)",
                                                dir.path("gap")));
  dir.write("two.0.et", file_of({}));
  dir.write("two.0.et.txt", "");
  EXPECT_EQ(error(dir.path("two")), fmt::format("rank 0 has two files, '{}' and '{}'", dir.path("two.0.et"),
                                                dir.path("two.0.et.txt")));
  EXPECT_NE(error(dir.path("")).find("holds two traces"), std::string::npos);
}

}  // namespace
}  // namespace orrery::chakra_trace_test
