// Where things are in an XML text: a small scanner that checks that the text
// is well-formed XML (one root element, tags closed in order, attribute
// values quoted, known entities) and lists its elements with their
// attributes, character data and byte offsets. It does not interpret the
// document: Boost.Graph's GraphML reader reads the graph (graphml_network.*).
// Boost's reader says what is wrong but not where (its parse_error has no
// position), so every located message about a GraphML file comes from the
// offsets this scan keeps: file:line:column, as the YAML reader gives.
//
// What it accepts is the subset of XML 1.0 that GraphML files use: the XML
// declaration and other processing instructions, comments, CDATA sections,
// a DOCTYPE without an internal subset, the five predefined entities and
// character references. Names are not resolved against namespaces.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/error.hpp"

namespace orrery::topo {

struct XmlAttribute {
  std::string name;
  std::string value;          // entities decoded
  std::size_t offset = 0;     // of the attribute's name
  std::size_t value_offset = 0;  // of the value's first character, inside the quotes
};

struct XmlElement {
  std::string name;
  int parent = -1;
  std::size_t offset = 0;  // of its '<'
  std::vector<XmlAttribute> attributes;
  std::vector<int> children;  // element indices, in document order
  // Character data directly inside the element (not its children's),
  // entities decoded, and where each run of it starts in the file.
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> text_runs;  // (index into text, file offset)

  [[nodiscard]] const XmlAttribute* attribute(std::string_view attribute_name) const;
  // The file offset of text[i] (exact outside entities; an entity's first
  // character maps to its '&').
  [[nodiscard]] std::size_t text_offset(std::size_t i) const;
};

class XmlDocument {
 public:
  // Throws ConfigError "FILE:LINE:COL: error: KEY_PATH: not well-formed XML: ..."
  // at the first fault.
  static XmlDocument scan(std::string text, std::string file, std::string key_path);

  // Every element in document order; element 0 is the root.
  [[nodiscard]] const std::vector<XmlElement>& elements() const { return elements_; }
  [[nodiscard]] const XmlElement& root() const { return elements_.front(); }
  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& key_path() const { return key_path_; }
  // The 1-based line and column (in bytes) of a file offset.
  [[nodiscard]] SourceLocation at(std::size_t offset) const;
  // A ConfigError at `offset` of this file.
  [[nodiscard]] ConfigError error(std::size_t offset, const std::string& message) const;

 private:
  XmlDocument(std::string text, std::string file, std::string key_path);
  void index_lines();

  std::string text_;
  std::string file_;
  std::string key_path_;
  std::vector<std::size_t> line_starts_;
  std::vector<XmlElement> elements_;
  friend class XmlScanner;
};

}  // namespace orrery::topo
