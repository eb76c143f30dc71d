// The attribute names orrery reads from and writes to Chakra nodes. Chakra's
// own are those its converters write and ASTRA-sim reads (Chakra's
// src/feeder/et_feeder_node.cpp, ASTRA-sim's astra-sim/workload/Workload.cc);
// the `orrery_` ones carry what Chakra has no field for, so that an exported
// graph imports back to the same graph (ASTRA-sim ignores them).
#pragma once

#include <string_view>

namespace orrery::workload::chakra::attr {

// Chakra's.
inline constexpr std::string_view kIsCpuOp = "is_cpu_op";      // bool
inline constexpr std::string_view kNumOps = "num_ops";         // int64: FLOPs of a COMP_NODE
inline constexpr std::string_view kTensorSize = "tensor_size"; // uint64: bytes it moves
inline constexpr std::string_view kCommType = "comm_type";     // int64: CollectiveCommType
inline constexpr std::string_view kCommSize = "comm_size";     // int64: bytes (see chakra_export.hpp)
inline constexpr std::string_view kCommSrc = "comm_src";       // int32: a send's or receive's ranks
inline constexpr std::string_view kCommDst = "comm_dst";
inline constexpr std::string_view kCommTag = "comm_tag";       // int32
inline constexpr std::string_view kPgName = "pg_name";         // string: the communicator group

// orrery's.
inline constexpr std::string_view kDurationNs = "orrery_duration_ns";      // int64: exact duration (ns)
inline constexpr std::string_view kNotBeforeNs = "orrery_not_before_ns";   // int64: earliest start (ns)
inline constexpr std::string_view kAlgorithm = "orrery_algorithm";         // string: a collective's algorithm
inline constexpr std::string_view kRoot = "orrery_root";                   // int64: broadcast/reduce root rank
inline constexpr std::string_view kDensity = "orrery_density";             // double: sparse all-reduce's k
inline constexpr std::string_view kDims = "orrery_dims";                   // int64_list: dim_rings' grid
inline constexpr std::string_view kCommBytes = "orrery_comm_bytes";        // int64: S when comm_size rounds it
inline constexpr std::string_view kDependency = "orrery_dependency";       // bool: a send/recv pair that only orders

}  // namespace orrery::workload::chakra::attr
