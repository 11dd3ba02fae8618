# Checks the layering rule by building probe targets (tests/CMakeLists.txt):
#   cmake -DBUILD_DIR=dir -DPROBES_OK=a,b -DPROBES_FAIL=c:hdr,d:hdr -P probe.cmake
# Each PROBES_OK target must build. Each PROBES_FAIL target must not, and
# the compiler must say why: its header was not found (gcc "No such file",
# clang "file not found"); any other failure fails this check too.
string(REPLACE "," ";" ok "${PROBES_OK}")
string(REPLACE "," ";" forbidden "${PROBES_FAIL}")
set(failures 0)
foreach(probe ${ok})
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${probe}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(STATUS "ok: ${probe} compiles, as it may")
  else()
    message(STATUS "FAIL: ${probe} should compile:\n${out}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
foreach(pair ${forbidden})
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 probe)
  list(GET pair 1 header)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${probe}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REPLACE "." "\\." header_re "${header}")
  if(rc EQUAL 0)
    message(STATUS "FAIL: ${probe} compiles, but its library must not see ${header}")
    math(EXPR failures "${failures} + 1")
  elseif(out MATCHES "${header_re}'?:? (No such file|file not found)")
    message(STATUS "ok: ${probe} does not compile: ${header} is not visible")
  else()
    message(STATUS "FAIL: ${probe} failed for another reason than ${header}:\n${out}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures} layering probe(s) failed")
endif()
