# Installation (cmake --install BUILD [--prefix P]): docs/library.md.
#   bin/hkstat                                   the CLI (rule-sets and the default template are built in)
#   lib/libhkstat.a, include/hkstat/...          the library and its public headers (HKSTAT_PUBLIC_HEADERS)
#   lib/cmake/hkstat/                            find_package(hkstat) → hkstat::hkstat
#   lib/pkgconfig/hkstat.pc                      pkg-config --cflags --libs --static hkstat
#   share/man/man1/hkstat.1, share/man/ja/man1/hkstat.1   the man page (generated from cli/options.cpp)
#   share/bash-completion/completions/hkstat     bash completion (generated from cli/options.cpp)
#   share/hkstat/{rulesets,templates,samples}/   the built-in rule-sets and report template as files to copy
#                                                and edit, and the synthetic sample surveys
# (lib is CMAKE_INSTALL_LIBDIR: lib/x86_64-linux-gnu with the prefix /usr.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(HKSTAT_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/hkstat)
set(HKSTAT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/hkstat)

install(TARGETS hkstat RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hkstat_lib EXPORT hkstatTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(header IN LISTS HKSTAT_PUBLIC_HEADERS)
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${HKSTAT_PUBLIC_HEADER_ROOT}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir})
endforeach()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/rulesets/ DESTINATION ${HKSTAT_INSTALL_DATADIR}/rulesets FILES_MATCHING PATTERN "*.toml")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/reports/templates/ DESTINATION ${HKSTAT_INSTALL_DATADIR}/templates)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/samples/ DESTINATION ${HKSTAT_INSTALL_DATADIR}/samples
        FILES_MATCHING PATTERN "*.csv" PATTERN "*.toml" PATTERN "*.json")

install(EXPORT hkstatTargets NAMESPACE hkstat:: DESTINATION ${HKSTAT_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hkstatConfig.cmake.in ${PROJECT_BINARY_DIR}/hkstatConfig.cmake
                              INSTALL_DESTINATION ${HKSTAT_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR HKSTAT_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hkstatConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hkstatConfig.cmake ${PROJECT_BINARY_DIR}/hkstatConfigVersion.cmake
        DESTINATION ${HKSTAT_INSTALL_CMAKEDIR})

# hkstat.pc, relocatable: the prefix is found from the file's own place (${pcfiledir}), so that
# `cmake --install build --prefix P` gives a working file under any P.
file(RELATIVE_PATH HKSTAT_PC_PREFIX_FROM_PCDIR /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(${PROJECT_SOURCE_DIR}/cmake/hkstat.pc.in ${PROJECT_BINARY_DIR}/hkstat.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hkstat.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The man page (English, and Japanese under man/ja) and the bash completion, generated from the option table
# (cli/options.cpp) at build time.
install(FILES ${HKSTAT_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${HKSTAT_MAN_PAGE_JA} DESTINATION ${CMAKE_INSTALL_MANDIR}/ja/man1 RENAME hkstat.1)
install(FILES ${HKSTAT_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME hkstat)
