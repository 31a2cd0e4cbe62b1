# Integration tests: real clients (librdkafka, kcat, raw sockets) against a
# strand-broker started per test on a free port. Included from
# tests/CMakeLists.txt; only lists files that exist.

add_executable(rdk_client ${CMAKE_CURRENT_LIST_DIR}/rdk_client.c)
target_link_libraries(rdk_client PRIVATE PkgConfig::RDKAFKA)

add_executable(rdk_group ${CMAKE_CURRENT_LIST_DIR}/rdk_group.c)
target_link_libraries(rdk_group PRIVATE PkgConfig::RDKAFKA)

add_executable(group_raw ${CMAKE_CURRENT_LIST_DIR}/group_raw.c)
target_link_libraries(group_raw PRIVATE strand_proto strand_wire)

add_executable(rdk_raw ${CMAKE_CURRENT_LIST_DIR}/rdk_raw.c)
target_link_libraries(rdk_raw PRIVATE strand_wire)

# The broker may not be part of the build yet; the tests then fail with a
# clear "broker binary not found" instead of disappearing.
if(TARGET strand-broker)
  set(STRAND_ITEST_BROKER $<TARGET_FILE:strand-broker>)
else()
  set(STRAND_ITEST_BROKER ${CMAKE_BINARY_DIR}/bin/strand-broker)
endif()
find_program(STRAND_KCAT kcat)

set(STRAND_ITEST_ENV
  STRAND_BROKER=${STRAND_ITEST_BROKER}
  RDK_CLIENT=$<TARGET_FILE:rdk_client>
  RDK_RAW=$<TARGET_FILE:rdk_raw>
  RDK_GROUP=$<TARGET_FILE:rdk_group>
  GROUP_RAW=$<TARGET_FILE:group_raw>
  KCAT=${STRAND_KCAT}
  STRAND_CLI=${CMAKE_BINARY_DIR}/bin/strand
  ITEST_LIB=${CMAKE_CURRENT_LIST_DIR}/lib.sh)

# One ctest test per script that exists; each starts its own broker.
function(strand_itest name script timeout)
  if(EXISTS ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script})
    add_test(NAME integration_${name}
             COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script})
    set_tests_properties(integration_${name} PROPERTIES
      TIMEOUT ${timeout}
      LABELS integration
      ENVIRONMENT "${STRAND_ITEST_ENV}")
  endif()
endfunction()

# Timeouts hold the slowest case with room to spare: the ASan build on a
# loaded 2-core machine (the round trip took 145 s there; Release ~40 s).
strand_itest(kcat_rdk_roundtrip test_roundtrip.sh 600)
strand_itest(kill9_acked_survive test_kill9.sh 300)
strand_itest(malformed_input test_malformed.sh 240)
strand_itest(apiversions_unsupported test_apiversions.sh 120)
strand_itest(longpoll_wakeup test_longpoll.sh 120)
strand_itest(compaction test_compaction.sh 180)
strand_itest(restart_persists_topics test_restart.sh 300)
strand_itest(leader_epoch_cache test_epoch.sh 180)
strand_itest(idempotent_producer test_idempotence.sh 180)
strand_itest(config_unknown_key test_config.sh 120)
strand_itest(group_consume test_group_consume.sh 300)
strand_itest(group_offsets_restart test_group_restart.sh 240)
strand_itest(group_protocol_errors test_group_protocol.sh 180)
strand_itest(group_static_member test_group_static.sh 180)
strand_itest(group_offsets_compacted test_group_compaction.sh 180)
# Cluster mode: a real ZooKeeper (Debian's zookeeper package) and 3 brokers.
strand_itest(cluster_basic test_cluster.sh 300)
strand_itest(cluster_chroot test_cluster_chroot.sh 180)
strand_itest(cluster_replication test_cluster_replication.sh 300)
strand_itest(cluster_fencing test_cluster_fencing.sh 240)
strand_itest(cluster_admin test_cluster_admin.sh 240)
strand_itest(cluster_consumer test_cluster_consumer.sh 240)
strand_itest(cluster_groups test_cluster_groups.sh 300)
strand_itest(cluster_truncation test_cluster_truncation.sh 240)
strand_itest(cluster_shutdown test_cluster_shutdown.sh 240)
strand_itest(cluster_elect test_cluster_elect.sh 240)
strand_itest(cluster_offsets test_cluster_offsets.sh 240)

# The leader-kill loop drives the libstrand producer (tests/unit/producer.cmake
# builds producer_client) as well as librdkafka.
strand_itest(cluster_failover test_cluster_failover.sh 420)
if(TEST integration_cluster_failover)
  set_property(TEST integration_cluster_failover APPEND PROPERTY ENVIRONMENT
    PRODUCER_CLIENT=${CMAKE_BINARY_DIR}/bin/producer_client)
endif()
strand_itest(cluster_idempotence test_cluster_idempotence.sh 240)
strand_itest(cluster_new_partition test_cluster_new_partition.sh 240)
