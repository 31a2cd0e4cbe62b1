# Unit tests of strand_proto (wire/protocol.h): one executable per test file,
# registered as unit_wire_proto_<name>.
foreach(t header topics admin fuzz group epoch init_pid cluster_admin)
  add_executable(test_proto_${t} ${CMAKE_CURRENT_LIST_DIR}/test_proto_${t}.c)
  target_link_libraries(test_proto_${t} PRIVATE strand_proto PkgConfig::CMOCKA)
  add_test(NAME unit_wire_proto_${t} COMMAND test_proto_${t})
endforeach()
