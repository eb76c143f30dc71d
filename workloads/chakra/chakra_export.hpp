// A simulated task graph as a Chakra execution trace (`orrery run --chakra
// PREFIX`): one file per device, PREFIX.RANK.et, each a varint32-length-
// prefixed stream of a GlobalMetadata and the rank's Nodes (et_def.proto), and
// ASTRA-sim's communicator group file PREFIX.comm_groups.json. The mapping:
//
//  * node ids are task indices (every rank's node of task i has id i); the
//    extra nodes below take ids from the task count up;
//  * compute task → COMP_NODE on its device, duration_micros its simulated
//    time (the head and tail collectives orrery prices into the task
//    included), orrery_duration_ns the same in ns, num_ops and tensor_size
//    the FLOPs and bytes of its priced operations (none for a profiled time);
//  * delay (a wait that holds no device: host transfers, measured
//    communication) → COMP_NODE with is_cpu_op, its time, tensor_size its bytes;
//  * transfer src → dst → COMM_SEND_NODE on src and COMM_RECV_NODE on dst,
//    comm_src, comm_dst, comm_size (bytes), comm_tag = the task index;
//  * collective → COMM_COLL_NODE on every rank of its group: comm_type
//    (ALL_REDUCE, REDUCE, ALL_GATHER, BROADCAST, ALL_TO_ALL, REDUCE_SCATTER; a
//    sparse all-reduce is an ALL_REDUCE with orrery_density), comm_size as
//    ASTRA-sim reads it — S, the buffer NCCL counts, except an all-gather's
//    S/p, each rank's part (orrery_comm_bytes holds S when p does not divide
//    it) —, pg_name the group's number in PREFIX.comm_groups.json unless the
//    group is every device in order, orrery_algorithm unless `auto`,
//    orrery_root, orrery_dims; its duration the simulated one;
//  * a dependency X → Y becomes data_deps on every rank the two share; when
//    they share none, a zero-byte COMM_SEND_NODE on X's last rank and
//    COMM_RECV_NODE on Y's first rank carry it, marked orrery_dependency (the
//    import drops them; ASTRA-sim sends an empty message);
//  * a task's not_before time, orrery_not_before_ns.
//
// Memory effects are not exported. Throws InfeasibleError when the graph has
// too many tasks for Chakra's 32-bit comm_tag.
#pragma once

#include <functional>
#include <string>

#include "workloads/vocabulary.hpp"

namespace orrery::workload::chakra {

// Calls `rank_file(rank, bytes)` for each rank 0 to devices − 1 in turn (one
// file's bytes at a time) and returns the communicator group file (JSON).
[[nodiscard]] std::string export_trace(const TaskGraph& graph, const TaskTimes& times, int devices,
                                       const std::function<void(int, const std::string&)>& rank_file);

}  // namespace orrery::workload::chakra
