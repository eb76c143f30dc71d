# The C++ code protoc generates from orrery's Chakra schema
# (workloads/chakra/et_def.proto, a subset of MLCommons Chakra's, and
# et_text.proto, its text form) into OUT_DIR/workloads/chakra/*.pb.{h,cc};
# the .cc files are listed in the variable named by SOURCES_VAR. Used by the
# project (workloads/chakra) and by the fuzz harness, a project of its own.
function(orrery_chakra_proto SOURCES_VAR ROOT OUT_DIR)
  find_package(Protobuf REQUIRED)
  set(sources)
  foreach(name et_def et_text)
    set(out ${OUT_DIR}/workloads/chakra/${name})
    add_custom_command(
      OUTPUT ${out}.pb.cc ${out}.pb.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${OUT_DIR}
      COMMAND protobuf::protoc --cpp_out=${OUT_DIR} -I ${ROOT} ${ROOT}/workloads/chakra/${name}.proto
      DEPENDS ${ROOT}/workloads/chakra/${name}.proto ${ROOT}/workloads/chakra/et_def.proto protobuf::protoc
      COMMENT "protoc ${name}.proto"
      VERBATIM)
    list(APPEND sources ${out}.pb.cc)
  endforeach()
  set(${SOURCES_VAR} ${sources} PARENT_SCOPE)
endfunction()
