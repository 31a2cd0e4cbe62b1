# Tests of the client core (client/): configuration, errors, and the core
# against a real broker (connect, ApiVersions, metadata, pipelining,
# reconnect, timeouts). They link strand_core only, so they do not depend on
# the producer and consumer; test_client_fake links strand_static, since its
# fake broker without InitProducerId also serves the producer. test_client_install.sh installs the library into
# a temporary prefix and builds programs against it (pkg-config and
# find_package, shared and static).
foreach(t conf err)
  add_executable(test_client_${t} ${CMAKE_CURRENT_LIST_DIR}/test_client_${t}.c)
  target_link_libraries(test_client_${t} PRIVATE strand_core PkgConfig::CMOCKA)
  add_test(NAME unit_client_${t} COMMAND test_client_${t})
endforeach()

add_executable(test_client_fake ${CMAKE_CURRENT_LIST_DIR}/test_client_fake.c)
target_link_libraries(test_client_fake PRIVATE strand_static PkgConfig::CMOCKA Threads::Threads)
add_test(NAME unit_client_fake COMMAND test_client_fake)
set_tests_properties(unit_client_fake PROPERTIES TIMEOUT 60)

add_executable(test_client_broker ${CMAKE_CURRENT_LIST_DIR}/test_client_broker.c)
target_link_libraries(test_client_broker PRIVATE strand_core PkgConfig::CMOCKA Threads::Threads)
target_compile_definitions(test_client_broker PRIVATE
  STRAND_BROKER_PATH="$<TARGET_FILE:strand-broker>")
add_dependencies(test_client_broker strand-broker)
add_test(NAME unit_client_broker COMMAND test_client_broker)
set_tests_properties(unit_client_broker PROPERTIES TIMEOUT 120)

add_test(NAME unit_client_install COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_client_install.sh
  ${CMAKE_BINARY_DIR} ${CMAKE_C_COMPILER} ${STRAND_SANITIZE})
set_tests_properties(unit_client_install PROPERTIES TIMEOUT 300)
