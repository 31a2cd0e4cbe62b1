# strand_proto: Kafka request/response codecs (wire/protocol.h). One source
# file per API family; only list files that exist.
add_library(strand_proto STATIC
  ${CMAKE_CURRENT_LIST_DIR}/proto_common.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_api_versions.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_metadata.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_produce.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_fetch.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_list_offsets.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_offset_for_leader_epoch.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_init_producer_id.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_cluster_admin.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_find_coordinator.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_admin.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_group.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_group_offsets.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_group_admin.c
  ${CMAKE_CURRENT_LIST_DIR}/proto_consumer_protocol.c
)
target_link_libraries(strand_proto PUBLIC strand_wire)
