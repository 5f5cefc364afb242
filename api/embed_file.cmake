# Build step (cmake -P): writes a C++ source defining one function that returns the bytes of a
# file, the way cmake/embed.cmake embeds the dashboard: bytes as char literals, so no size limit
# on string literals (-Wpedantic) and no byte can end the literal early.
#   -DEMBED_INPUT=<file> -DEMBED_OUTPUT=<file.cpp> -DEMBED_HEADER=<include path>
#   -DEMBED_NAMESPACE=<ns> -DEMBED_FUNCTION=<name>
foreach(var EMBED_INPUT EMBED_OUTPUT EMBED_HEADER EMBED_NAMESPACE EMBED_FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file: -D${var}=... is required")
  endif()
endforeach()

file(READ "${EMBED_INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
if(size EQUAL 0)
  message(FATAL_ERROR "embed_file: ${EMBED_INPUT} is empty")
endif()
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n    " bytes "${bytes}")

get_filename_component(input_name "${EMBED_INPUT}" NAME)
file(WRITE "${EMBED_OUTPUT}"
  "// Generated from ${input_name} by api/embed_file.cmake; do not edit.\n"
  "#include \"${EMBED_HEADER}\"\n\n"
  "namespace ${EMBED_NAMESPACE} {\n\nnamespace {\n\n"
  "constexpr char kBytes[] = {\n    ${bytes}};\n\n"
  "}  // namespace\n\n"
  "std::string_view ${EMBED_FUNCTION}() { return std::string_view(kBytes, ${size}); }\n\n"
  "}  // namespace ${EMBED_NAMESPACE}\n")
