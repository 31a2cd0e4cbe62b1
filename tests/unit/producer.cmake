# Unit tests of the producer's internal modules. They compile the module
# sources directly so that they do not depend on the whole library target.
set(STRAND_PRODUCER_DIR ${CMAKE_SOURCE_DIR}/producer)

add_executable(test_producer_partitioner ${CMAKE_CURRENT_LIST_DIR}/test_producer_partitioner.c
  ${STRAND_PRODUCER_DIR}/partitioner.c)
target_link_libraries(test_producer_partitioner PRIVATE PkgConfig::ZLIB PkgConfig::CMOCKA)
add_test(NAME unit_producer_partitioner COMMAND test_producer_partitioner)

add_executable(test_producer_accumulator ${CMAKE_CURRENT_LIST_DIR}/test_producer_accumulator.c
  ${STRAND_PRODUCER_DIR}/partitioner.c ${STRAND_PRODUCER_DIR}/accumulator.c)
target_link_libraries(test_producer_accumulator PRIVATE strand_wire PkgConfig::ZLIB PkgConfig::CMOCKA)
add_test(NAME unit_producer_accumulator COMMAND test_producer_accumulator)

# test_producer_conf creates producers (checks at creation): strand_static.
if(TARGET strand_static)
  add_executable(test_producer_conf ${CMAKE_CURRENT_LIST_DIR}/test_producer_conf.c)
  target_link_libraries(test_producer_conf PRIVATE strand_static PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME unit_producer_conf COMMAND test_producer_conf)
  set_tests_properties(unit_producer_conf PROPERTIES TIMEOUT 60)
endif()

# Integration: the producer against a real broker (scripts in
# tests/integration/test_producer_*.sh, program producer_client).
if(TARGET strand_static)
  add_executable(producer_client ${CMAKE_SOURCE_DIR}/tests/integration/producer_client.c)
  target_link_libraries(producer_client PRIVATE strand_static PkgConfig::LIBUV PkgConfig::LZ4
    PkgConfig::ZSTD PkgConfig::ZLIB ${SNAPPY_LIBRARY} Threads::Threads)
  if(TARGET strand-broker)
    set(STRAND_PRODUCER_ITEST_BROKER $<TARGET_FILE:strand-broker>)
  else()
    set(STRAND_PRODUCER_ITEST_BROKER ${CMAKE_BINARY_DIR}/bin/strand-broker)
  endif()
  find_program(STRAND_PRODUCER_KCAT kcat)
  add_executable(producer_raw ${CMAKE_SOURCE_DIR}/tests/integration/producer_raw.c)
  target_include_directories(producer_raw PRIVATE ${CMAKE_SOURCE_DIR})
  target_link_libraries(producer_raw PRIVATE strand_static PkgConfig::LIBUV PkgConfig::LZ4
    PkgConfig::ZSTD PkgConfig::ZLIB ${SNAPPY_LIBRARY} Threads::Threads)
  foreach(t roundtrip restart idempotence)
    set(script ${CMAKE_SOURCE_DIR}/tests/integration/test_producer_${t}.sh)
    if(EXISTS ${script})
      add_test(NAME integration_producer_${t} COMMAND bash ${script})
      set_tests_properties(integration_producer_${t} PROPERTIES TIMEOUT 300 LABELS integration
        ENVIRONMENT "STRAND_BROKER=${STRAND_PRODUCER_ITEST_BROKER};RDK_CLIENT=$<TARGET_FILE:rdk_client>;RDK_RAW=$<TARGET_FILE:rdk_raw>;KCAT=${STRAND_PRODUCER_KCAT};ITEST_LIB=${CMAKE_SOURCE_DIR}/tests/integration/lib.sh;STRAND_CLI=${CMAKE_BINARY_DIR}/bin/strand;PRODUCER_CLIENT=$<TARGET_FILE:producer_client>;PRODUCER_RAW=$<TARGET_FILE:producer_raw>")
    endif()
  endforeach()
endif()
