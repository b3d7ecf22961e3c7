# Installation and the Debian package (`cpack -G DEB` in the build directory).
#
# The package holds pdhooks, its manual pages (compressed, as Debian wants them), the JSON
# schemas, the copyright file in Debian's machine-readable format, the changelogs and the
# shell completions. pdhooks-fake is not in it: it is a test double of Pipedrive for this
# project's tests and demo (`cmake --install build --component fake` installs it).
#
# Shell completions: when the built pdhooks has a `completion` command (`pdhooks help
# completion` succeeds), the install step runs `pdhooks completion bash|zsh|fish` and
# installs the output where bash-completion, zsh and fish look for vendor completions;
# without the command it installs none. Nothing else needs to change when the command lands.

find_program(PDH_GZIP gzip REQUIRED)

# Compressed copies, made reproducibly (-n: no name or time stamp in the header).
set(PDH_GZ_DIR ${CMAKE_BINARY_DIR}/gz)
set(PDH_GZ_FILES "")
function(pdh_gzip src out)
  add_custom_command(OUTPUT ${PDH_GZ_DIR}/${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PDH_GZ_DIR}
    COMMAND ${PDH_GZIP} -9n -c ${src} > ${PDH_GZ_DIR}/${out}
    DEPENDS ${src} VERBATIM)
  set(PDH_GZ_FILES ${PDH_GZ_FILES} ${PDH_GZ_DIR}/${out} PARENT_SCOPE)
endfunction()

set(PDH_PACKAGE_MAINTAINER "The pdhooks authors <pdhooks@example.org>" CACHE STRING
    "The Maintainer field of the Debian package (and its changelog)")
set(PDH_PACKAGE_RELEASE 1 CACHE STRING "The Debian revision of the package")

# Debian's changelog for the package (changelog.Debian.gz), pointing at the project's own.
string(TIMESTAMP PDH_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${CMAKE_BINARY_DIR}/changelog.Debian
"pdhooks (${PROJECT_VERSION}-${PDH_PACKAGE_RELEASE}) unstable; urgency=medium

  * pdhooks ${PROJECT_VERSION}: see /usr/share/doc/pdhooks/changelog.gz.

 -- ${PDH_PACKAGE_MAINTAINER}  ${PDH_PACKAGE_DATE}
")

pdh_gzip(${CMAKE_SOURCE_DIR}/docs/pdhooks.1 pdhooks.1.gz)
pdh_gzip(${CMAKE_SOURCE_DIR}/docs/pdhooks.yaml.5 pdhooks.yaml.5.gz)
pdh_gzip(${CMAKE_SOURCE_DIR}/CHANGELOG.md changelog.gz)
pdh_gzip(${CMAKE_BINARY_DIR}/changelog.Debian changelog.Debian.gz)
add_custom_target(pdh_gz ALL DEPENDS ${PDH_GZ_FILES})

install(TARGETS pdhooks RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS pdhooks-fake RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT fake EXCLUDE_FROM_ALL)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pdhooks/schemas)
install(FILES ${PDH_GZ_DIR}/pdhooks.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PDH_GZ_DIR}/pdhooks.yaml.5.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_SOURCE_DIR}/docs/copyright ${PDH_GZ_DIR}/changelog.gz
              ${PDH_GZ_DIR}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pdhooks)

install(FILES ${CMAKE_SOURCE_DIR}/packaging/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME pdhooks)

# The completions hook (see the top of this file). Written straight into the install tree
# and added to the install manifest, so parallel installs share no temporary file.
install(CODE "
  set(pdh_bin \"$<TARGET_FILE:pdhooks>\")
  if(DEFINED ENV{PDH_COMPLETION_BIN})   # tests/test_package.sh: a stand-in with the command
    set(pdh_bin \"\$ENV{PDH_COMPLETION_BIN}\")
  endif()
  execute_process(COMMAND \"\${pdh_bin}\" help completion RESULT_VARIABLE pdh_rc
                  OUTPUT_QUIET ERROR_QUIET)
  if(NOT pdh_rc EQUAL 0)
    message(STATUS \"Completions: this pdhooks has no 'completion' command; none installed\")
  else()
    set(pdh_root \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}\")
    foreach(pdh_pair \"bash;bash-completion/completions/pdhooks\"
                     \"zsh;zsh/vendor-completions/_pdhooks\"
                     \"fish;fish/vendor_completions.d/pdhooks.fish\")
      list(GET pdh_pair 0 pdh_shell)
      list(GET pdh_pair 1 pdh_rel)
      get_filename_component(pdh_dir \"\${pdh_root}/\${pdh_rel}\" DIRECTORY)
      file(MAKE_DIRECTORY \"\${pdh_dir}\")
      execute_process(COMMAND \"\${pdh_bin}\" completion \${pdh_shell}
                      OUTPUT_FILE \"\${pdh_root}/\${pdh_rel}\" RESULT_VARIABLE pdh_rc)
      if(NOT pdh_rc EQUAL 0)
        message(FATAL_ERROR \"pdhooks completion \${pdh_shell} failed (\${pdh_rc})\")
      endif()
      file(CHMOD \"\${pdh_root}/\${pdh_rel}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
      message(STATUS \"Installing: \${pdh_root}/\${pdh_rel}\")
      list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${pdh_root}/\${pdh_rel}\")
    endforeach()
  endif()
")

set(CPACK_PACKAGE_NAME pdhooks)
set(CPACK_PACKAGE_VENDOR "The pdhooks authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "webhooks as code for Pipedrive")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/pdhooks/pdhooks")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT ${PDH_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${PDH_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${PDH_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "pdhooks keeps the webhooks of a Pipedrive company in step with a YAML file
kept in git. 'pdhooks plan' lists the live webhooks and shows the create and
delete calls that would make them match the file, for review in a pull
request; 'pdhooks apply' makes those calls, paced and retried, and checks
that nothing is left to do. 'pdhooks validate' checks the file without any
network call, and 'pdhooks export' writes one from the live webhooks.")
include(CPack)
