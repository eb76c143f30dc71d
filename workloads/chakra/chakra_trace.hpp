// Reading the files of a Chakra execution trace (MLCommons Chakra; the schema
// is et_def.proto beside this file): one file per rank, PREFIX.RANK.et, a
// stream of messages each preceded by its length as a varint32 — a
// GlobalMetadata, then the rank's Nodes —, or PREFIX.RANK.et.txt, orrery's text
// form of the same messages (et_text.proto) for traces written by hand.
//
// Each node keeps what orrery uses of it and where it was read. A binary file
// has no lines: a node's place is `FILE:record N (byte B)` (record 1 is the
// GlobalMetadata, B the offset of the record's length prefix); in a text file
// it is FILE:LINE:COLUMN, a dependency's own place where it is listed. Errors
// are ConfigErrors at that place whose key path names the node and field,
// e.g. `workload.trace.node[7].data_deps`. Attributes orrery does not know are
// skipped (PyTorch-converted traces carry many); one it knows with the wrong
// kind of value is an error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"

namespace orrery::workload::chakra {

// Chakra's NodeType and CollectiveCommType values (et_def.proto).
enum NodeType : int {
  kInvalidNode = 0,
  kMetadataNode = 1,
  kMemLoadNode = 2,
  kMemStoreNode = 3,
  kCompNode = 4,
  kCommSendNode = 5,
  kCommRecvNode = 6,
  kCommCollNode = 7,
};
[[nodiscard]] std::string node_type_name(int type);

struct TraceNode {
  std::uint64_t id = 0;
  std::string name;
  int type = kInvalidNode;
  std::vector<std::uint64_t> deps;     // data_deps, then ctrl_deps
  std::vector<SourceLocation> dep_at;  // text files: where each of `deps` is written; binary: empty
  std::uint64_t duration_micros = 0;
  // Chakra's attributes (ASTRA-sim reads the same names), absent when not given.
  std::optional<std::int64_t> comm_type, comm_size, comm_src, comm_dst, comm_tag, num_ops, tensor_size;
  std::string pg_name;
  bool is_cpu_op = false;
  // orrery's own attributes, for what Chakra cannot say (chakra_export.hpp).
  std::optional<std::int64_t> duration_ns, root, comm_bytes, not_before_ns;
  std::optional<double> density;
  std::vector<int> dims;
  std::string algorithm;
  bool dependency_only = false;
  SourceLocation at;
};

struct RankTrace {
  std::string file;  // as shown in messages
  std::vector<TraceNode> nodes;
};

// One file's content. `key` is the key path errors start with (workload.trace).
[[nodiscard]] RankTrace parse_binary_trace(std::string_view bytes, const std::string& shown, const std::string& key);
[[nodiscard]] RankTrace parse_text_trace(const std::string& text, const std::string& shown, const std::string& key);

// The files of a trace: `path` is a prefix (PREFIX.0.et, PREFIX.1.et, ...) or
// a folder that holds one trace's files. Throws ValueError (no such files, a
// rank missing, two files for one rank, two traces in the folder).
struct TraceFiles {
  std::string prefix;              // the path before `.RANK.et`
  std::vector<std::string> files;  // by rank
};
[[nodiscard]] TraceFiles find_trace_files(const std::string& path);

// Reads every rank's file (binary or, for `.et.txt`, text).
[[nodiscard]] std::vector<RankTrace> read_trace(const TraceFiles& files, const std::string& key);

// Communicator groups, as ASTRA-sim's --comm-group-configuration file gives
// them: a JSON object from a group's name (pg_name) to its ranks in order,
// {"1": [0, 1], "2": [2, 3]}. Throws ConfigError at the file's line:column.
using CommGroups = std::map<std::string, std::vector<int>>;
[[nodiscard]] CommGroups read_comm_groups(const std::string& path, const std::string& key);

}  // namespace orrery::workload::chakra
