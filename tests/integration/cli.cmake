# Integration tests of the `strand` command-line tool. Each is a bash script
# that runs the built binaries found through STRAND_BIN_DIR; a missing
# binary fails the test.

# A misbehaving peer for the client error paths (test helper, not installed).
add_executable(cli_fake_broker ${CMAKE_CURRENT_LIST_DIR}/cli_fake_broker.c)

set(_cli_tests offline client topic log_dump produce_consume perf)
foreach(_t ${_cli_tests})
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_cli_${_t}.sh)
    add_test(NAME integration_cli_${_t}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_cli_${_t}.sh)
    set_tests_properties(integration_cli_${_t} PROPERTIES
      ENVIRONMENT "STRAND_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
      TIMEOUT 300
      LABELS "integration;cli")
  endif()
endforeach()

# Unit test of the consume output formats (tools/cli_format.c), no broker.
add_executable(test_cli_format ${CMAKE_SOURCE_DIR}/tests/unit/test_cli_format.c
  ${CMAKE_SOURCE_DIR}/tools/cli_format.c)
target_link_libraries(test_cli_format PRIVATE PkgConfig::CMOCKA)
add_test(NAME unit_cli_format COMMAND test_cli_format)
set_tests_properties(unit_cli_format PROPERTIES LABELS "unit;cli" TIMEOUT 60)
