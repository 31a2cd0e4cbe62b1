# Unit tests of strand_wire's byte reader/writer, CRC-32C, record batches and
# codecs: one executable per test file, registered as unit_wire_<name>.
foreach(t crc32c varint batch batch_records compress)
  add_executable(test_wire_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
  target_link_libraries(test_wire_${t} PRIVATE strand_wire PkgConfig::CMOCKA)
  add_test(NAME unit_wire_${t} COMMAND test_wire_${t})
endforeach()
