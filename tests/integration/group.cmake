# Consumer groups with libstrand: group_itest (member and scenarios modes)
# against a real strand-broker, alone and mixed with librdkafka high-level
# consumers (rdk_group, when built). Included from tests/CMakeLists.txt.

if(TARGET strand_static)
  add_executable(group_itest ${CMAKE_CURRENT_LIST_DIR}/group_itest.c)
  target_link_libraries(group_itest PRIVATE strand_static PkgConfig::RDKAFKA PkgConfig::LIBUV
    PkgConfig::LZ4 PkgConfig::ZSTD PkgConfig::ZLIB ${SNAPPY_LIBRARY} Threads::Threads)

  if(TARGET strand-broker)
    set(STRAND_GROUP_BROKER $<TARGET_FILE:strand-broker>)
  else()
    set(STRAND_GROUP_BROKER ${CMAKE_BINARY_DIR}/bin/strand-broker)
  endif()
  if(TARGET rdk_group)
    set(STRAND_GROUP_RDK $<TARGET_FILE:rdk_group>)
  else()
    set(STRAND_GROUP_RDK "")
  endif()
  if(TARGET strand)
    set(STRAND_GROUP_CLI $<TARGET_FILE:strand>)
  else()
    set(STRAND_GROUP_CLI ${CMAKE_BINARY_DIR}/bin/strand)
  endif()
  foreach(t scenarios mixed lib_restart cli)
    set(script ${CMAKE_CURRENT_LIST_DIR}/test_group_${t}.sh)
    if(EXISTS ${script})
      add_test(NAME integration_group_${t} COMMAND bash ${script})
      set_tests_properties(integration_group_${t} PROPERTIES
        TIMEOUT 300
        LABELS integration
        ENVIRONMENT "STRAND_BROKER=${STRAND_GROUP_BROKER};RDK_CLIENT=$<TARGET_FILE:rdk_client>;GROUP_ITEST=$<TARGET_FILE:group_itest>;RDK_GROUP=${STRAND_GROUP_RDK};STRAND_CLI=${STRAND_GROUP_CLI};ITEST_LIB=${CMAKE_CURRENT_LIST_DIR}/lib.sh")
    endif()
  endforeach()
endif()
