# kafkajs interoperability test: the npm client kafkajs 2.2.4 against a
# strand-broker, checked with kcat (see test_kafkajs.sh). Included from
# tests/CMakeLists.txt.
#
# kafkajs is installed at test time, never at build time and never into the
# source tree: package.json and package-lock.json (which pin kafkajs 2.2.4)
# are copied into <build>/kafkajs at configure time and the ctest fixture
# integration_kafkajs_npm_ci runs `npm ci` there. That needs node and npm
# (scripts/install-deps.sh installs Debian's nodejs and npm when missing)
# and the npm registry or a warm npm cache. Without node or npm both tests
# fail with a message that says so.

set(STRAND_KAFKAJS_DIR ${CMAKE_BINARY_DIR}/kafkajs)
configure_file(${CMAKE_CURRENT_LIST_DIR}/kafkajs/package.json
               ${STRAND_KAFKAJS_DIR}/package.json COPYONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/kafkajs/package-lock.json
               ${STRAND_KAFKAJS_DIR}/package-lock.json COPYONLY)

find_program(STRAND_NODE node)
find_program(STRAND_NPM npm)
find_program(STRAND_KCAT kcat)

if(TARGET strand-broker)
  set(STRAND_KAFKAJS_BROKER $<TARGET_FILE:strand-broker>)
else()
  set(STRAND_KAFKAJS_BROKER ${CMAKE_BINARY_DIR}/bin/strand-broker)
endif()

if(STRAND_NPM)
  add_test(NAME integration_kafkajs_npm_ci
           COMMAND ${STRAND_NPM} ci --prefix ${STRAND_KAFKAJS_DIR}
                   --prefer-offline --no-audit --no-fund --loglevel=error)
else()
  add_test(NAME integration_kafkajs_npm_ci
           COMMAND sh -c "echo 'npm not found: run scripts/install-deps.sh' >&2; exit 1")
endif()
set_tests_properties(integration_kafkajs_npm_ci PROPERTIES
  TIMEOUT 180
  LABELS integration
  FIXTURES_SETUP kafkajs_installed)

add_test(NAME integration_kafkajs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_kafkajs.sh)
set_tests_properties(integration_kafkajs PROPERTIES
  TIMEOUT 120
  LABELS integration
  FIXTURES_REQUIRED kafkajs_installed
  ENVIRONMENT "STRAND_BROKER=${STRAND_KAFKAJS_BROKER};KCAT=${STRAND_KCAT};NODE=${STRAND_NODE};KAFKAJS_NODE_PATH=${STRAND_KAFKAJS_DIR}/node_modules;ITEST_LIB=${CMAKE_CURRENT_LIST_DIR}/lib.sh")
