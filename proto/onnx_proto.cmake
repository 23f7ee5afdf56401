# proto/onnx_proto.cmake - generate protobuf-c code for ONNX at build time.
#
# The schema is the onnx.proto that Debian's libonnx-dev installs; it is
# never copied into the repository.  The generated onnx.pb-c.{c,h} land in
# ${CMAKE_BINARY_DIR}/proto and are compiled into the onnx_proto library,
# which only src/importer and src/exporter link against directly.

find_program(PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
find_file(ONNX_PROTO onnx.proto
  PATHS /usr/include/onnx /usr/local/include/onnx
  NO_DEFAULT_PATH)
if(NOT ONNX_PROTO)
  message(FATAL_ERROR "onnx.proto not found: apt-get install libonnx-dev")
endif()
find_path(PROTOBUF_C_INCLUDE protobuf-c/protobuf-c.h REQUIRED)
find_library(PROTOBUF_C_LIB protobuf-c REQUIRED)

set(OPR_PROTO_DIR ${CMAKE_BINARY_DIR}/proto)
add_custom_command(
  OUTPUT ${OPR_PROTO_DIR}/onnx.pb-c.c ${OPR_PROTO_DIR}/onnx.pb-c.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${OPR_PROTO_DIR}
  COMMAND ${CMAKE_COMMAND} -E copy ${ONNX_PROTO} ${OPR_PROTO_DIR}/onnx.proto
  COMMAND ${PROTOC_C} --proto_path=${OPR_PROTO_DIR} --c_out=${OPR_PROTO_DIR}
          ${OPR_PROTO_DIR}/onnx.proto
  DEPENDS ${ONNX_PROTO}
  COMMENT "protoc-c: generating ONNX protobuf code from ${ONNX_PROTO}")

add_library(onnx_proto STATIC ${OPR_PROTO_DIR}/onnx.pb-c.c)
target_include_directories(onnx_proto PUBLIC ${OPR_PROTO_DIR} ${PROTOBUF_C_INCLUDE})
target_link_libraries(onnx_proto PUBLIC ${PROTOBUF_C_LIB})
# Generated code is not ours to warn about.
set_target_properties(onnx_proto PROPERTIES COMPILE_OPTIONS "-w")
