// Building Chakra trace files in tests: nodes with the protobuf classes
// generated from workloads/chakra/et_def.proto, framed as Chakra frames them
// (a varint32 length before each message), written to a fresh folder.
#pragma once

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "tests/support/temp_dir.hpp"
#include "workloads/chakra/et_def.pb.h"

namespace orrery::chakra_support {

namespace pb = ::ChakraProtoMsg;

inline std::string frame(const google::protobuf::MessageLite& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteVarint32(static_cast<std::uint32_t>(m.ByteSizeLong()));
    m.SerializeWithCachedSizes(&coded);
  }
  return out;
}

inline std::string metadata() {
  pb::GlobalMetadata m;
  m.set_version("1.0.0");
  return frame(m);
}

inline pb::Node node(std::uint64_t id, pb::NodeType type, std::initializer_list<std::uint64_t> deps = {},
                     std::uint64_t micros = 0) {
  pb::Node n;
  n.set_id(id);
  n.set_name(fmt::format("n{}", id));
  n.set_type(type);
  for (const auto d : deps) n.add_data_deps(d);
  n.set_duration_micros(micros);
  return n;
}

inline pb::Node& with(pb::Node& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_int64_val(v);
  return n;
}

inline std::string file_of(const std::vector<pb::Node>& nodes) {
  std::string out = metadata();
  for (const auto& n : nodes) out += frame(n);
  return out;
}

using test::TempDir;  // tests/support/temp_dir.hpp

// The message of the ConfigError `f` throws ("" when it throws none).
template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace orrery::chakra_support
