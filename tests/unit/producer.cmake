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
