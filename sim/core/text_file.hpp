// Reading a user's input file whole (a scenario, a GraphML topology, a Chakra
// trace), with the checks every such reader needs: a regular file (a FIFO or
// a device named like one would be read for ever) of at most `max_bytes`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace orrery {

// The file's bytes. Throws ValueError, naming it as `what` ("scenario file",
// "GraphML file"): not a regular file; larger than `max_bytes` (the message
// then ends with `hint`, e.g. where the bulk belongs); cannot be opened or read.
[[nodiscard]] std::string read_text_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes,
                                         std::string_view hint = {});

}  // namespace orrery
