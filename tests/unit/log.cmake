# Unit tests of strand_log: one executable per test file, registered as
# unit_log_<name>.
foreach(t basic recovery logdir compact epoch replica headers)
  add_executable(test_log_${t} ${CMAKE_CURRENT_LIST_DIR}/test_log_${t}.c)
  target_link_libraries(test_log_${t} PRIVATE strand_log PkgConfig::CMOCKA)
  add_test(NAME unit_log_${t} COMMAND test_log_${t})
endforeach()
