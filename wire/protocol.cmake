# strand_proto: Kafka request/response codecs (wire/protocol.h). One source
# file per API family; only list files that exist.
add_library(strand_proto STATIC
  ${CMAKE_CURRENT_LIST_DIR}/proto_common.c
)
target_link_libraries(strand_proto PUBLIC strand_wire)
