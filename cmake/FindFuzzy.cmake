# SPDX-License-Identifier: GPL-2.0-only
#
# Finds libfuzzy (ssdeep's library; Debian libfuzzy-dev ships no pkg-config file) and defines
# the imported target Fuzzy::Fuzzy.
find_path(FUZZY_INCLUDE_DIR NAMES fuzzy.h)
find_library(FUZZY_LIBRARY NAMES fuzzy)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Fuzzy REQUIRED_VARS FUZZY_LIBRARY FUZZY_INCLUDE_DIR)
if(FUZZY_FOUND AND NOT TARGET Fuzzy::Fuzzy)
	add_library(Fuzzy::Fuzzy UNKNOWN IMPORTED)
	set_target_properties(Fuzzy::Fuzzy PROPERTIES
		IMPORTED_LOCATION "${FUZZY_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${FUZZY_INCLUDE_DIR}")
endif()
mark_as_advanced(FUZZY_INCLUDE_DIR FUZZY_LIBRARY)
