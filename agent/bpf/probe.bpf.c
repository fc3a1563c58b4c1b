// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probes (tier 2): empty programs of the kinds that would let a later agent do better
 * where the kernel allows them -- fentry (trampolines: exact file and socket hooks), BPF LSM
 * (could also block), kprobes. The loader tries to load (and for kprobes, attach) each one on
 * its own and reports the result; nothing depends on them. On the development kernels fentry
 * and LSM fail at load with EPERM and kprobes at attach with ENOENT (no CONFIG_KPROBES).
 * `bpftool feature probe` answers wrongly on 6.18, hence try-loading.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/security_file_open")
int BPF_PROG(probe_fentry, struct file *file)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file)
{
	return 0;
}

SEC("kprobe/security_file_open")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}
