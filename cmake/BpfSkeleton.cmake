# SPDX-License-Identifier: GPL-2.0-only
#
# bpf_skeleton(<name> <file.bpf.c>): compiles a CO-RE BPF object with clang -target bpf, turns it
# into <name>.skel.h with `bpftool gen skeleton`, and defines the INTERFACE target <name>_skel
# that carries the skeleton's include directory and links libbpf.
#
# vmlinux.h comes from the running kernel's BTF (/sys/kernel/btf/vmlinux) through bpftool, into
# the build tree; set RAQIB_VMLINUX_H to a checked file to build elsewhere. Dependencies are
# tracked with clang's depfile so editing include/raqib/ rebuilds the objects.
find_program(BPF_CLANG NAMES clang-14 clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(RAQIB_VMLINUX_H "" CACHE FILEPATH "vmlinux.h to use instead of generating one from /sys/kernel/btf/vmlinux")
set(BPF_VMLINUX_DIR ${CMAKE_BINARY_DIR}/bpf/vmlinux)
if(RAQIB_VMLINUX_H)
	configure_file(${RAQIB_VMLINUX_H} ${BPF_VMLINUX_DIR}/vmlinux.h COPYONLY)
	add_custom_target(vmlinux_h)
else()
	if(NOT EXISTS /sys/kernel/btf/vmlinux)
		message(FATAL_ERROR "/sys/kernel/btf/vmlinux is missing: this kernel has no BTF; set RAQIB_VMLINUX_H or RAQIB_WITH_BPF=OFF")
	endif()
	add_custom_command(OUTPUT ${BPF_VMLINUX_DIR}/vmlinux.h
		COMMAND ${CMAKE_COMMAND} -E make_directory ${BPF_VMLINUX_DIR}
		COMMAND ${BPFTOOL} btf dump file /sys/kernel/btf/vmlinux format c > ${BPF_VMLINUX_DIR}/vmlinux.h.tmp
		COMMAND ${CMAKE_COMMAND} -E rename ${BPF_VMLINUX_DIR}/vmlinux.h.tmp ${BPF_VMLINUX_DIR}/vmlinux.h
		VERBATIM COMMENT "Generating vmlinux.h from the kernel's BTF")
	add_custom_target(vmlinux_h DEPENDS ${BPF_VMLINUX_DIR}/vmlinux.h)
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
	set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
	set(BPF_TARGET_ARCH arm64)
else()
	set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

function(bpf_skeleton name source)
	set(src ${CMAKE_CURRENT_SOURCE_DIR}/${source})
	set(outdir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
	set(obj ${outdir}/${name}.bpf.o)
	set(skel ${outdir}/${name}.skel.h)
	set(dep ${outdir}/${name}.bpf.d)
	add_custom_command(OUTPUT ${obj}
		COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
		COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${BPF_TARGET_ARCH}
			-Wall -Werror -I${BPF_VMLINUX_DIR} -I${PROJECT_SOURCE_DIR}/include
			-MD -MF ${dep} -c ${src} -o ${obj}
		DEPENDS ${src} vmlinux_h ${BPF_VMLINUX_DIR}/vmlinux.h
		DEPFILE ${dep}
		VERBATIM COMMENT "Compiling BPF object ${name}")
	add_custom_command(OUTPUT ${skel}
		COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
		COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
		DEPENDS ${obj}
		VERBATIM COMMENT "Generating BPF skeleton ${name}.skel.h")
	add_custom_target(${name}_skel_gen DEPENDS ${skel})
	add_library(${name}_skel INTERFACE)
	add_dependencies(${name}_skel ${name}_skel_gen)
	target_include_directories(${name}_skel INTERFACE ${outdir})
	target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
