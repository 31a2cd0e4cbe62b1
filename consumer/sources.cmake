# The consumer's sources, compiled into libstrand by the library target.
# message/records/partition are pure (unit-tested alone); consumer.c is the
# public API and fetcher.c the I/O-thread side.
set(STRAND_CONSUMER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/message.c
  ${CMAKE_CURRENT_LIST_DIR}/records.c
  ${CMAKE_CURRENT_LIST_DIR}/partition.c
  ${CMAKE_CURRENT_LIST_DIR}/assignor.c
  ${CMAKE_CURRENT_LIST_DIR}/group.c
  ${CMAKE_CURRENT_LIST_DIR}/group_join.c
  ${CMAKE_CURRENT_LIST_DIR}/group_offsets.c
  ${CMAKE_CURRENT_LIST_DIR}/group_api.c
  ${CMAKE_CURRENT_LIST_DIR}/fetcher.c
  ${CMAKE_CURRENT_LIST_DIR}/consumer.c
)
