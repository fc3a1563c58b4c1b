// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live capture (see pcap_live.h). pcap_dispatch() on a non-blocking handle returns what is
 * waiting without sleeping, so the event loop's thread never blocks in libpcap.
 */
#include "pcap_live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "raqib/log.h"
#include "pcap_replay.h"

/* Frames read per wakeup at most, so that one busy interface does not starve the others. */
#define DISPATCH_BATCH 4096

struct live_if {
	pcap_t *pcap;
	int dlt;
	int fd;
	struct pcap_live_stats stats;
	struct pcap_live *live;
};

struct pcap_live {
	struct live_if ifs[PCAP_LIVE_MAX_INTERFACES];
	size_t n;
	packet_sink_fn sink;
	void *ctx;
	int sink_error;
};

static int open_one(struct live_if *li, const char *name, const struct pcap_live_config *cfg,
		    char *err, size_t err_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog = { 0 };
	const uint8_t *l3;
	size_t l3_len;
	int rc;

	li->pcap = pcap_create(name, errbuf);
	if (!li->pcap) {
		snprintf(err, err_len, "cannot capture on '%s': %s", name, errbuf);
		return -ENODEV;
	}
	pcap_set_snaplen(li->pcap, cfg->snaplen ? cfg->snaplen : 262144);
	pcap_set_promisc(li->pcap, 0); /* this host's traffic is what matters */
	pcap_set_immediate_mode(li->pcap, 1);
	pcap_set_buffer_size(li->pcap, cfg->buffer_bytes ? cfg->buffer_bytes : 8 << 20);
	rc = pcap_activate(li->pcap);
	if (rc < 0) {
		/* PCAP_ERROR_NO_SUCH_DEVICE, PCAP_ERROR_PERM_DENIED...: pcap_geterr() says which */
		snprintf(err, err_len, "cannot capture on '%s': %s", name,
			 rc == PCAP_ERROR ? pcap_geterr(li->pcap) : pcap_statustostr(rc));
		return -EIO;
	}
	if (rc > 0)
		log_warn("capture", "'%s': %s", name, pcap_statustostr(rc));
	li->dlt = pcap_datalink(li->pcap);
	if (pcap_link_decode(li->dlt, NULL, 0, &l3, &l3_len) == -ENOTSUP) {
		snprintf(err, err_len, "cannot capture on '%s': unsupported link type %s", name,
			 pcap_datalink_val_to_name(li->dlt) ?: "unknown");
		return -ENOTSUP;
	}
	if (cfg->filter && cfg->filter[0]) {
		if (pcap_compile(li->pcap, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) ||
		    pcap_setfilter(li->pcap, &prog)) {
			snprintf(err, err_len, "invalid capture filter '%s': %s", cfg->filter,
				 pcap_geterr(li->pcap));
			if (prog.bf_insns)
				pcap_freecode(&prog);
			return -EINVAL;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(li->pcap, 1, errbuf)) {
		snprintf(err, err_len, "cannot capture on '%s': %s", name, errbuf);
		return -EIO;
	}
	li->fd = pcap_get_selectable_fd(li->pcap);
	if (li->fd < 0) {
		snprintf(err, err_len, "cannot capture on '%s': no selectable descriptor", name);
		return -ENOTSUP;
	}
	li->stats.interface = name;
	return 0;
}

struct pcap_live *pcap_live_open(const struct pcap_live_config *cfg, packet_sink_fn sink, void *ctx,
				 char *err, size_t err_len)
{
	struct pcap_live *live;

	if (cfg->n_interfaces == 0 || cfg->n_interfaces > PCAP_LIVE_MAX_INTERFACES) {
		snprintf(err, err_len, "between 1 and %d capture interfaces can be given",
			 PCAP_LIVE_MAX_INTERFACES);
		errno = EINVAL;
		return NULL;
	}
	live = calloc(1, sizeof(*live));
	if (!live) {
		snprintf(err, err_len, "cannot start capture: out of memory");
		return NULL;
	}
	live->sink = sink;
	live->ctx = ctx;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		live->ifs[i].live = live;
		live->n++;
		if (open_one(&live->ifs[i], cfg->interfaces[i], cfg, err, err_len)) {
			pcap_live_close(live);
			errno = EIO;
			return NULL;
		}
	}
	return live;
}

void pcap_live_close(struct pcap_live *live)
{
	if (!live)
		return;
	for (size_t i = 0; i < live->n; i++)
		if (live->ifs[i].pcap)
			pcap_close(live->ifs[i].pcap);
	free(live);
}

size_t pcap_live_count(const struct pcap_live *live)
{
	return live->n;
}

int pcap_live_fd(const struct pcap_live *live, size_t i)
{
	return i < live->n ? live->ifs[i].fd : -1;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *hdr, const u_char *frame)
{
	struct live_if *li = (struct live_if *)user;
	struct packet pkt;
	int rc;

	li->stats.frames++;
	rc = pcap_frame_to_packet(li->dlt, hdr, frame, &pkt);
	if (rc == -ENOENT) {
		li->stats.not_ip++;
		return;
	}
	if (rc) {
		li->stats.bad_frames++;
		return;
	}
	li->stats.packets++;
	rc = li->live->sink(li->live->ctx, &pkt);
	if (rc) {
		li->live->sink_error = rc;
		pcap_breakloop(li->pcap);
	}
}

int pcap_live_dispatch(struct pcap_live *live, size_t i)
{
	struct live_if *li;
	int n;

	if (i >= live->n)
		return -EINVAL;
	li = &live->ifs[i];
	n = pcap_dispatch(li->pcap, DISPATCH_BATCH, on_frame, (u_char *)li);
	if (live->sink_error) {
		n = live->sink_error;
		live->sink_error = 0;
		return n;
	}
	if (n == PCAP_ERROR) {
		log_error("capture", "cannot read from '%s': %s", li->stats.interface,
			  pcap_geterr(li->pcap));
		return -EIO;
	}
	return n < 0 ? 0 : n;
}

int pcap_live_get_stats(struct pcap_live *live, size_t i, struct pcap_live_stats *stats)
{
	struct pcap_stat ps;

	if (i >= live->n)
		return -EINVAL;
	*stats = live->ifs[i].stats;
	if (pcap_stats(live->ifs[i].pcap, &ps))
		return -EIO;
	stats->received = ps.ps_recv;
	stats->dropped = ps.ps_drop;
	stats->if_dropped = ps.ps_ifdrop;
	return 0;
}
