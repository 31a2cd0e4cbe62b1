# Unit tests of the consumer's internals (records parser, message blocks,
# partition state and prefetch budget). They compile the consumer sources
# they test directly, so they do not depend on the rest of libstrand.
set(STRAND_CONSUMER_UNIT_SOURCES
  ${CMAKE_SOURCE_DIR}/consumer/message.c
  ${CMAKE_SOURCE_DIR}/consumer/records.c
  ${CMAKE_SOURCE_DIR}/consumer/partition.c
)
foreach(t records partition)
  add_executable(test_consumer_${t} ${CMAKE_CURRENT_LIST_DIR}/test_consumer_${t}.c
    ${STRAND_CONSUMER_UNIT_SOURCES})
  target_link_libraries(test_consumer_${t} PRIVATE strand_wire PkgConfig::CMOCKA)
  add_test(NAME unit_consumer_${t} COMMAND test_consumer_${t})
endforeach()
