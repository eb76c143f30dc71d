// Operations from `key=value` words, as `orrery cost DEVICE OP key=value...`
// takes them: `gemm m=8192 n=8192 k=8192 dtype=bf16`. Each kind declares its
// keys once (name, help, default), which drives parsing, the messages for bad
// input and `orrery cost --help`. Errors are ConfigErrors (exit status 2) that
// name the kind, the key and, for unknown names, the valid ones.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/task/operation.hpp"

namespace orrery::task {

[[nodiscard]] Operation parse_operation(std::string_view kind, std::span<const std::string> args);
// Parses a dtype name ("bf16"); throws ValueError listing the valid names.
[[nodiscard]] DType parse_dtype(std::string_view text);
[[nodiscard]] std::vector<std::string> operation_kinds();
// Every kind with its keys, defaults and help.
[[nodiscard]] std::string operation_help();

}  // namespace orrery::task
