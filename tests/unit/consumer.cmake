# Unit tests of the consumer's internals (records parser, message blocks,
# partition state and prefetch budget). They compile the consumer sources
# they test directly, so they do not depend on the rest of libstrand.
set(STRAND_CONSUMER_UNIT_SOURCES
  ${CMAKE_SOURCE_DIR}/consumer/message.c
  ${CMAKE_SOURCE_DIR}/consumer/records.c
  ${CMAKE_SOURCE_DIR}/consumer/partition.c
  ${CMAKE_SOURCE_DIR}/consumer/assignor.c
)
foreach(t records partition assignor)
  add_executable(test_consumer_${t} ${CMAKE_CURRENT_LIST_DIR}/test_consumer_${t}.c
    ${STRAND_CONSUMER_UNIT_SOURCES})
  target_link_libraries(test_consumer_${t} PRIVATE strand_wire PkgConfig::CMOCKA)
  add_test(NAME unit_consumer_${t} COMMAND test_consumer_${t})
endforeach()

# Integration: the consumer against a real broker (tests/integration/
# test_consumer_*.sh drive consumer_itest). Links the client core and the
# consumer sources directly, so it does not wait for the producer.
if(TARGET strand_core)
  add_executable(consumer_itest ${CMAKE_SOURCE_DIR}/tests/integration/consumer_itest.c
    ${CMAKE_SOURCE_DIR}/consumer/message.c
    ${CMAKE_SOURCE_DIR}/consumer/records.c
    ${CMAKE_SOURCE_DIR}/consumer/partition.c
    ${CMAKE_SOURCE_DIR}/consumer/fetcher.c
    ${CMAKE_SOURCE_DIR}/consumer/consumer.c
    ${CMAKE_SOURCE_DIR}/consumer/assignor.c
    ${CMAKE_SOURCE_DIR}/consumer/group.c
    ${CMAKE_SOURCE_DIR}/consumer/group_join.c
    ${CMAKE_SOURCE_DIR}/consumer/group_offsets.c
    ${CMAKE_SOURCE_DIR}/consumer/group_api.c)
  target_link_libraries(consumer_itest PRIVATE strand_core PkgConfig::RDKAFKA)

  if(TARGET strand-broker)
    set(STRAND_CONSUMER_BROKER $<TARGET_FILE:strand-broker>)
  else()
    set(STRAND_CONSUMER_BROKER ${CMAKE_BINARY_DIR}/bin/strand-broker)
  endif()
  find_program(STRAND_CONSUMER_KCAT kcat)
  foreach(t roundtrip positions retention restart)
    set(script ${CMAKE_SOURCE_DIR}/tests/integration/test_consumer_${t}.sh)
    if(EXISTS ${script})
      add_test(NAME integration_consumer_${t} COMMAND bash ${script})
      set_tests_properties(integration_consumer_${t} PROPERTIES
        TIMEOUT 180
        LABELS integration
        ENVIRONMENT "STRAND_BROKER=${STRAND_CONSUMER_BROKER};RDK_CLIENT=${CMAKE_BINARY_DIR}/bin/rdk_client;CONSUMER_ITEST=$<TARGET_FILE:consumer_itest>;STRAND_CLI=${CMAKE_BINARY_DIR}/bin/strand;KCAT=${STRAND_CONSUMER_KCAT};ITEST_LIB=${CMAKE_SOURCE_DIR}/tests/integration/lib.sh")
    endif()
  endforeach()
endif()
