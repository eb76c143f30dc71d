// Parsing one Chakra trace file (chakra_trace.hpp): the binary stream's
// framing, the text form, and each node's fields and attributes.
#include "workloads/chakra/chakra_trace.hpp"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <limits>

#include "workloads/chakra/chakra_names.hpp"
#include "workloads/chakra/et_def.pb.h"
#include "workloads/chakra/et_text.pb.h"

namespace orrery::workload::chakra {

namespace pb = ::ChakraProtoMsg;
using google::protobuf::FieldDescriptor;
using Tree = google::protobuf::TextFormat::ParseInfoTree;

std::string node_type_name(int type) {
  if (pb::NodeType_IsValid(type)) return pb::NodeType_Name(static_cast<pb::NodeType>(type));
  return fmt::format("node type {}", type);
}

namespace {

// Where a field of the node being read was written: its own place in a text
// file, the node's record in a binary one.
struct Places {
  const Tree* tree = nullptr;  // text only
  std::string file;
  SourceLocation node;
  [[nodiscard]] SourceLocation of(const char* field, int index) const {
    if (!tree) return node;
    const FieldDescriptor* f = pb::Node::descriptor()->FindFieldByName(field);
    const auto loc = tree->GetLocation(f, index);
    if (loc.line < 0) return node;
    return SourceLocation{file, loc.line + 1, loc.column + 1};
  }
};

struct NodeReader {
  const std::string& key;
  const Places& places;
  TraceNode& n;

  [[noreturn]] void fail(const SourceLocation& at, std::string_view field, const std::string& message) const {
    throw ConfigError(at, fmt::format("{}.node[{}]{}{}", key, n.id, field.empty() ? "" : ".", field), message);
  }

  static std::string kind_of(const pb::AttributeProto& a) {
    switch (a.value_case()) {
      case pb::AttributeProto::kDoubleVal: return "a double";
      case pb::AttributeProto::kInt64List: return "a list";
      case pb::AttributeProto::kBoolVal: return "a bool";
      case pb::AttributeProto::kStringVal: return fmt::format("the string '{}'", a.string_val());
      case pb::AttributeProto::VALUE_NOT_SET: return "no value orrery reads";
      default: return "an integer";
    }
  }
  static std::optional<std::int64_t> integer(const pb::AttributeProto& a) {
    switch (a.value_case()) {
      case pb::AttributeProto::kInt32Val: return a.int32_val();
      case pb::AttributeProto::kInt64Val: return a.int64_val();
      case pb::AttributeProto::kUint32Val: return a.uint32_val();
      case pb::AttributeProto::kSint32Val: return a.sint32_val();
      case pb::AttributeProto::kSint64Val: return a.sint64_val();
      case pb::AttributeProto::kFixed32Val: return a.fixed32_val();
      case pb::AttributeProto::kSfixed32Val: return a.sfixed32_val();
      case pb::AttributeProto::kSfixed64Val: return a.sfixed64_val();
      case pb::AttributeProto::kUint64Val:
        if (a.uint64_val() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          return static_cast<std::int64_t>(a.uint64_val());
        return std::nullopt;
      case pb::AttributeProto::kFixed64Val:
        if (a.fixed64_val() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          return static_cast<std::int64_t>(a.fixed64_val());
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  // A non-negative integer attribute, at most `high`.
  std::int64_t count(const pb::AttributeProto& a, const SourceLocation& at,
                     std::int64_t high = std::numeric_limits<std::int64_t>::max()) const {
    const auto v = integer(a);
    if (!v) fail(at, a.name(), fmt::format("expected an integer, found {}", kind_of(a)));
    if (*v < 0) fail(at, a.name(), fmt::format("must not be negative, got {}", *v));
    if (*v > high) fail(at, a.name(), fmt::format("must be at most {}, got {}", high, *v));
    return *v;
  }
  bool flag(const pb::AttributeProto& a, const SourceLocation& at) const {
    if (a.value_case() == pb::AttributeProto::kBoolVal) return a.bool_val();
    return count(a, at, 1) != 0;
  }
  std::string text(const pb::AttributeProto& a, const SourceLocation& at) const {
    if (a.value_case() == pb::AttributeProto::kStringVal) return a.string_val();
    if (const auto v = integer(a)) return std::to_string(*v);  // a group named by its number
    fail(at, a.name(), fmt::format("expected a string, found {}", kind_of(a)));
  }

  // A collective orrery runs: Chakra's GATHER, SCATTER and BARRIER have no
  // orrery collective (NCCL has none either).
  void check_comm_type(std::int64_t t, const SourceLocation& at) const {
    if (t < 0 || t > std::numeric_limits<int>::max() || !pb::CollectiveCommType_IsValid(static_cast<int>(t))) {
      fail(at, attr::kCommType,
           fmt::format("unknown comm_type {}; Chakra's are 0 ALL_REDUCE, 1 REDUCE, 2 ALL_GATHER, 3 GATHER, "
                       "4 SCATTER, 5 BROADCAST, 6 ALL_TO_ALL, 7 REDUCE_SCATTER, 8 REDUCE_SCATTER_BLOCK, 9 BARRIER",
                       t));
    }
    if (t == pb::GATHER || t == pb::SCATTER || t == pb::BARRIER) {
      fail(at, attr::kCommType,
           fmt::format("comm_type {} ({}) has no orrery collective; orrery runs ALL_REDUCE, REDUCE, ALL_GATHER, "
                       "BROADCAST, ALL_TO_ALL, REDUCE_SCATTER and REDUCE_SCATTER_BLOCK",
                       t, pb::CollectiveCommType_Name(static_cast<pb::CollectiveCommType>(t))));
    }
  }

  void attribute(const pb::AttributeProto& a, const SourceLocation& at) const {
    constexpr std::int64_t kInt32 = std::numeric_limits<std::int32_t>::max();
    // Durations in ns below 2^62: the clock (int64 ns) adds them up.
    constexpr std::int64_t kLongest = std::int64_t{1} << 62;
    const std::string_view name = a.name();
    if (name == attr::kIsCpuOp) {
      n.is_cpu_op = flag(a, at);
    } else if (name == attr::kNumOps) {
      n.num_ops = count(a, at);
    } else if (name == attr::kTensorSize) {
      n.tensor_size = count(a, at);
    } else if (name == attr::kCommType) {
      n.comm_type = integer(a);
      if (!n.comm_type) fail(at, name, fmt::format("expected an integer, found {}", kind_of(a)));
      if (n.type == kCommCollNode) check_comm_type(*n.comm_type, at);
    } else if (name == attr::kCommSize) {
      n.comm_size = count(a, at);
    } else if (name == attr::kCommSrc) {
      n.comm_src = count(a, at, kInt32);
    } else if (name == attr::kCommDst) {
      n.comm_dst = count(a, at, kInt32);
    } else if (name == attr::kCommTag) {
      n.comm_tag = count(a, at, kInt32);
    } else if (name == attr::kPgName) {
      n.pg_name = text(a, at);
    } else if (name == attr::kDurationNs) {
      n.duration_ns = count(a, at, kLongest);
    } else if (name == attr::kNotBeforeNs) {
      n.not_before_ns = count(a, at, kLongest);
    } else if (name == attr::kRoot) {
      n.root = count(a, at, kInt32);
    } else if (name == attr::kCommBytes) {
      n.comm_bytes = count(a, at);
    } else if (name == attr::kAlgorithm) {
      if (a.value_case() != pb::AttributeProto::kStringVal)
        fail(at, name, fmt::format("expected a string, found {}", kind_of(a)));
      n.algorithm = a.string_val();
    } else if (name == attr::kDensity) {
      if (a.value_case() != pb::AttributeProto::kDoubleVal)
        fail(at, name, fmt::format("expected a double, found {}", kind_of(a)));
      if (!(a.double_val() > 0 && a.double_val() <= 1))
        fail(at, name, fmt::format("must be in (0, 1], got {}", a.double_val()));
      n.density = a.double_val();
    } else if (name == attr::kDims) {
      if (a.value_case() != pb::AttributeProto::kInt64List)
        fail(at, name, fmt::format("expected an int64_list, found {}", kind_of(a)));
      for (const std::int64_t e : a.int64_list().values()) {
        if (e < 1 || e > kInt32) fail(at, name, fmt::format("every extent must be in [1, 2^31), got {}", e));
        n.dims.push_back(static_cast<int>(e));
      }
    } else if (name == attr::kDependency) {
      n.dependency_only = flag(a, at);
    }
  }

  // Node-local checks: the attributes a node of its type needs.
  void check() const {
    const auto need = [&](const std::optional<std::int64_t>& v, std::string_view what, std::string_view why) {
      if (!v) fail(n.at, what, fmt::format("missing: a {} needs it ({})", node_type_name(n.type), why));
    };
    if (!pb::NodeType_IsValid(n.type)) {
      fail(places.of("type", 0), "type",
           fmt::format("unknown node type {}; Chakra's are 0 INVALID_NODE to 7 COMM_COLL_NODE", n.type));
    }
    if (n.duration_micros > static_cast<std::uint64_t>(std::int64_t{1} << 62) / 1000) {
      fail(places.of("duration_micros", 0), "duration_micros",
           fmt::format("{} us is longer than the simulated clock holds", n.duration_micros));
    }
    if (n.type == kCommCollNode) {
      need(n.comm_type, attr::kCommType, "which collective");
      need(n.comm_size, attr::kCommSize, "its bytes");
    } else if (n.type == kCommSendNode) {
      need(n.comm_dst, attr::kCommDst, "the receiving rank");
      need(n.comm_size, attr::kCommSize, "its bytes");
    } else if (n.type == kCommRecvNode) {
      need(n.comm_src, attr::kCommSrc, "the sending rank");
      need(n.comm_size, attr::kCommSize, "its bytes");
    }
  }

  void read(const pb::Node& m) {
    n.id = m.id();
    n.name = m.name();
    n.type = m.type();
    n.duration_micros = m.duration_micros();
    for (int i = 0; i < m.data_deps_size(); ++i) {
      n.deps.push_back(m.data_deps(i));
      if (places.tree) n.dep_at.push_back(places.of("data_deps", i));
    }
    for (int i = 0; i < m.ctrl_deps_size(); ++i) {
      n.deps.push_back(m.ctrl_deps(i));
      if (places.tree) n.dep_at.push_back(places.of("ctrl_deps", i));
    }
    for (int i = 0; i < m.attr_size(); ++i) attribute(m.attr(i), places.of("attr", i));
    check();
  }
};

TraceNode read_node(const pb::Node& m, const Places& places, const std::string& key) {
  TraceNode n;
  n.at = places.node;
  NodeReader{key, places, n}.read(m);
  return n;
}

// The first error protobuf's text parser reports, with its place.
class FirstError final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (seen) return;
    seen = true;
    at_line = line + 1;
    at_column = column + 1;
    text = message;
  }
  bool seen = false;
  int at_line = 0;
  int at_column = 0;
  std::string text;
};

}  // namespace

RankTrace parse_binary_trace(std::string_view bytes, const std::string& shown, const std::string& key) {
  // A record that does not parse gets orrery's one located message; protobuf's
  // own log line (e.g. for invalid UTF-8 in a string field) would be a second.
  const google::protobuf::LogSilencer quiet;
  RankTrace out;
  out.file = shown;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t pos = 0;
  int record = 0;
  while (pos < bytes.size()) {
    ++record;
    const SourceLocation at{fmt::format("{}:record {} (byte {})", shown, record, pos), 0, 0};
    const auto left = bytes.size() - pos;
    google::protobuf::io::CodedInputStream in(data + pos, static_cast<int>(std::min<std::size_t>(left, 1 << 30)));
    std::uint32_t length = 0;
    if (!in.ReadVarint32(&length)) {
      throw ConfigError(at, key, "the file ends inside a record's length prefix: a truncated file");
    }
    const auto header = static_cast<std::size_t>(in.CurrentPosition());
    if (length > left - header) {
      throw ConfigError(at, key,
                        fmt::format("the length prefix says {} bytes, but only {} are left: a truncated file, or not "
                                    "a Chakra trace",
                                    length, left - header));
    }
    const auto* message = data + pos + header;
    if (record == 1) {
      pb::GlobalMetadata meta;
      if (!meta.ParseFromArray(message, static_cast<int>(length)))
        throw ConfigError(at, key, "the first record does not parse as Chakra's GlobalMetadata");
    } else {
      pb::Node node;
      if (!node.ParseFromArray(message, static_cast<int>(length)))
        throw ConfigError(at, key, fmt::format("record {} does not parse as a Chakra Node", record));
      out.nodes.push_back(read_node(node, Places{nullptr, shown, at}, key));
    }
    pos += header + length;
  }
  if (record == 0) throw ConfigError(SourceLocation{shown, 0, 0}, key, "the file is empty: it holds no GlobalMetadata");
  return out;
}

RankTrace parse_text_trace(const std::string& text, const std::string& shown, const std::string& key) {
  const google::protobuf::LogSilencer quiet;  // the error collector's first error is the message
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  Tree tree;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  ::orrery::chakra::TextTrace trace;
  if (!parser.ParseFromString(text, &trace)) {
    throw ConfigError(SourceLocation{shown, errors.at_line, errors.at_column}, key,
                      errors.seen ? errors.text : "does not parse as a Chakra trace in text form");
  }
  RankTrace out;
  out.file = shown;
  const FieldDescriptor* node_field = ::orrery::chakra::TextTrace::descriptor()->FindFieldByName("node");
  for (int i = 0; i < trace.node_size(); ++i) {
    const auto loc = tree.GetLocation(node_field, i);
    const Places places{tree.GetTreeForNested(node_field, i), shown, SourceLocation{shown, loc.line + 1, loc.column + 1}};
    out.nodes.push_back(read_node(trace.node(i), places, key));
  }
  return out;
}

}  // namespace orrery::workload::chakra
