# Integration tests of the `strand` command-line tool. Each is a bash script
# that runs the built binaries found through STRAND_BIN_DIR; a missing
# binary fails the test.

# A misbehaving peer for the client error paths (test helper, not installed).
add_executable(cli_fake_broker ${CMAKE_CURRENT_LIST_DIR}/cli_fake_broker.c)

set(_cli_tests offline client topic log_dump produce_consume perf group)
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

# Unit test of the broker-free parts of `strand group reset-offsets`
# (tools/group_reset.c: dates, topic specs, new offsets) and the JSON string
# writer of the group --json outputs.
add_executable(test_cli_group ${CMAKE_SOURCE_DIR}/tests/unit/test_cli_group.c
  ${CMAKE_SOURCE_DIR}/tools/group_reset.c ${CMAKE_SOURCE_DIR}/tools/cli_format.c)
target_link_libraries(test_cli_group PRIVATE PkgConfig::CMOCKA)
add_test(NAME unit_cli_group COMMAND test_cli_group)
set_tests_properties(unit_cli_group PROPERTIES LABELS "unit;cli" TIMEOUT 60)

# The group admin requests (tools/kgroup.c) against a fake two-broker
# cluster: coordinator routing, ListOffsets at each leader, retries.
add_executable(test_cli_kgroup ${CMAKE_SOURCE_DIR}/tests/unit/test_cli_kgroup.c
  ${CMAKE_SOURCE_DIR}/tools/kgroup.c ${CMAKE_SOURCE_DIR}/tools/kadmin.c
  ${CMAKE_SOURCE_DIR}/tools/kclient.c)
target_link_libraries(test_cli_kgroup PRIVATE strand_proto strand_wire PkgConfig::CMOCKA
  Threads::Threads)
add_test(NAME unit_cli_kgroup COMMAND test_cli_kgroup)
set_tests_properties(unit_cli_kgroup PROPERTIES LABELS "unit;cli" TIMEOUT 60)
