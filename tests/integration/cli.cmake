# Integration tests of the `strand` command-line tool. Each is a bash script
# that runs the built binaries found through STRAND_BIN_DIR; tests that need
# a broker exit 77 (skipped) while strand-broker is not built.

# A misbehaving peer for the client error paths (test helper, not installed).
add_executable(cli_fake_broker ${CMAKE_CURRENT_LIST_DIR}/cli_fake_broker.c)

set(_cli_tests offline client topic log_dump)
foreach(_t ${_cli_tests})
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_cli_${_t}.sh)
    add_test(NAME integration_cli_${_t}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_cli_${_t}.sh)
    set_tests_properties(integration_cli_${_t} PROPERTIES
      ENVIRONMENT "STRAND_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
      SKIP_RETURN_CODE 77
      TIMEOUT 120
      LABELS "integration;cli")
  endif()
endforeach()
