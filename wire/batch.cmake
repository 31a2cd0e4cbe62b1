# strand_wire: byte reader/writer, Kafka constants, CRC-32C, RecordBatch v2
# and the compression codecs. Only list files that exist.
add_library(strand_wire STATIC
  ${CMAKE_CURRENT_LIST_DIR}/buf.c
  ${CMAKE_CURRENT_LIST_DIR}/kafka.c
  ${CMAKE_CURRENT_LIST_DIR}/crc32c.c
  ${CMAKE_CURRENT_LIST_DIR}/batch.c
  ${CMAKE_CURRENT_LIST_DIR}/batch_reader.c
  ${CMAKE_CURRENT_LIST_DIR}/batch_builder.c
  ${CMAKE_CURRENT_LIST_DIR}/compress.c
)
target_link_libraries(strand_wire PUBLIC PkgConfig::LZ4 PkgConfig::ZSTD PkgConfig::ZLIB
  ${SNAPPY_LIBRARY} Threads::Threads)
target_include_directories(strand_wire PUBLIC ${SNAPPY_INCLUDE_DIR})
