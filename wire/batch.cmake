add_library(strand_wire STATIC
  ${CMAKE_CURRENT_LIST_DIR}/buf.c
  ${CMAKE_CURRENT_LIST_DIR}/kafka.c
)
target_link_libraries(strand_wire PUBLIC PkgConfig::LZ4 PkgConfig::ZSTD PkgConfig::ZLIB ${SNAPPY_LIBRARY})
target_include_directories(strand_wire PUBLIC ${SNAPPY_INCLUDE_DIR})
