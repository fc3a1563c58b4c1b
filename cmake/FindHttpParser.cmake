# SPDX-License-Identifier: GPL-2.0-only
# Debian's libhttp-parser-dev (http-parser 2.9) ships no pkg-config file: find its header and
# library and provide the imported target HttpParser::HttpParser.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY NAMES http_parser)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(HttpParser REQUIRED_VARS HTTP_PARSER_LIBRARY
	HTTP_PARSER_INCLUDE_DIR)
if(HttpParser_FOUND AND NOT TARGET HttpParser::HttpParser)
	add_library(HttpParser::HttpParser UNKNOWN IMPORTED)
	set_target_properties(HttpParser::HttpParser PROPERTIES
		IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
endif()
mark_as_advanced(HTTP_PARSER_INCLUDE_DIR HTTP_PARSER_LIBRARY)
