#!/usr/bin/env python3
"""Writes the Chakra trace of scenarios/chakra_allreduce.yaml: chakra_allreduce.RANK.et, 4 ranks.

Each rank runs a forward (100 us), a backward (200 us; rank 3: 250 us), an all-reduce of the
64 MiB gradients over every rank, then an optimizer step (50 us), each waiting for the one
before it. The files are Chakra's binary format (MLCommons Chakra, schema/protobuf/et_def.proto:
a varint32 length before each message, a GlobalMetadata and then the Nodes), encoded here by
hand, with no protobuf library, so that the scenario also checks orrery's reader against an
encoder that is not its own.

Usage: chakra_allreduce.py [OUTPUT_PREFIX]   (default: chakra_allreduce beside this script)
"""
import pathlib
import sys

COMP_NODE, COMM_COLL_NODE = 4, 7  # et_def.proto NodeType
ALL_REDUCE = 0  # et_def.proto CollectiveCommType


def varint(n):
    n &= (1 << 64) - 1  # negative int64 as protobuf writes it: two's complement, ten bytes
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def attribute_int64(name, value):
    # AttributeProto: name = 1, int64_val = 9; Node.attr = 10.
    return field_bytes(10, field_bytes(1, name.encode()) + field_varint(9, value))


def node(node_id, name, node_type, deps, micros=0, attrs=b""):
    # Node: id = 1, name = 2, type = 3, data_deps = 5 (packed), duration_micros = 7.
    body = field_varint(1, node_id) + field_bytes(2, name.encode()) + field_varint(3, node_type)
    if deps:
        body += field_bytes(5, b"".join(varint(d) for d in deps))
    if micros:
        body += field_varint(7, micros)
    return body + attrs


def record(message):
    return varint(len(message)) + message


def rank_file(rank):
    metadata = field_bytes(1, b"1.0.0")  # GlobalMetadata.version
    nodes = [
        node(0, "forward", COMP_NODE, [], 100),
        node(1, "backward", COMP_NODE, [0], 250 if rank == 3 else 200),
        node(2, "gradient all-reduce", COMM_COLL_NODE, [1], 0,
             attribute_int64("comm_type", ALL_REDUCE) + attribute_int64("comm_size", 64 << 20)),
        node(3, "optimizer", COMP_NODE, [2], 50),
    ]
    return record(metadata) + b"".join(record(n) for n in nodes)


def main():
    here = pathlib.Path(__file__).resolve().parent
    prefix = sys.argv[1] if len(sys.argv) > 1 else str(here / "chakra_allreduce")
    for rank in range(4):
        pathlib.Path(f"{prefix}.{rank}.et").write_bytes(rank_file(rank))


if __name__ == "__main__":
    main()
