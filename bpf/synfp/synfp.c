//go:build ignore

// synfp: record each TCP SYN's header fields for passive OS fingerprinting
// (p0f 3.09b's tcp:request signatures) and count TCP traffic per destination
// port. It only reads the packet and always returns XDP_PASS.
//
// The record layout is fingerprint.Record (fingerprint/record.go), byte for
// byte; the checks mirror fingerprint.ParseFrame / ParseIP (p0f's process.c
// parse_packet), so a SYN is recorded here exactly when ParseFrame accepts
// it. Everything p0f derives (option layout, MSS, window scale, quirks) is
// left to Go. The differential test (run_test.go) keeps the two in step.
//
// Records live in a 2-way set-associative cache rather than an LRU hash
// map: an array of buckets, chosen by a seeded hash of the connection, of
// two 128-byte ways; a SYN takes its connection's way if it has one (a
// retransmission), else the older one. Under a flood of SYNs from new
// sources, an LRU map evicts on every update and costs about twice as much
// per SYN (BenchmarkSYNFlood); this touches three cache lines. A sequence
// count per way, odd while it is written, and two copies taken by userspace
// let Lookup reject a record read mid-write.
//
// Needs Linux 5.12 (BPF_XCHG); attaching through a BPF link needs 5.9.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char __license[] SEC("license") = "Dual MIT/GPL";

#define MAX_OPT_LEN 40    /* RFC 9293 §3.1: data offset <= 15 words */
#define MAX_PORTS 64      /* watched ports; counter slot 0 is "any other port" */
#define WAYS 2            /* records per bucket */
#define SYN_BUCKETS 32768 /* default; the loader sets it and bucket_mask */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* fingerprint.Record: host-order numbers, no padding, 104 bytes. */
struct syn_record {
	__u8 src[16], dst[16]; /* IPv4 as ::ffff:a.b.c.d */
	__u8 opts[MAX_OPT_LEN];
	__u32 seq, ack, flow_label;
	__u16 src_port, dst_port;
	__u16 ip_id, window, urgent;
	__u16 payload_len;
	__u8 ip_version, ttl, tos;
	__u8 ip_flags; /* reserved<<2 | DF<<1 | MF */
	__u8 ip_opt_len;
	__u8 tcp_flags, tcp_res;
	__u8 opt_len;
};

/* One record and its bookkeeping: 128 bytes, two cache lines. A free way
 * has seen_ns 0. */
struct syn_way {
	__u32 tag;     /* the connection's hash */
	__u32 seq;     /* odd while the way is written */
	__u64 seen_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	struct syn_record rec;
	__u8 _pad[8];
};

struct syn_bucket {
	struct syn_way way[WAYS];
} __attribute__((aligned(128)));

struct port_counters {
	__u64 packets, bytes, syns;
};

/* Set by the loader before loading. */
volatile const __u8 watch_all = 0; /* record SYNs to every port, not only the watched ones */
volatile const __u32 hash_seed = 0;
volatile const __u32 bucket_mask = SYN_BUCKETS - 1; /* buckets - 1, a power of 2 minus 1 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYN_BUCKETS);
	__type(key, __u32);
	__type(value, struct syn_bucket);
} syns SEC(".maps");

/* Destination port -> counter slot (1..MAX_PORTS) for watched ports, 0 for
 * the rest. An array rather than a hash: one bounds check, no hashing. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} port_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PORTS + 1);
	__type(key, __u32);
	__type(value, struct port_counters);
} counters SEC(".maps");

/* Network-order loads. Fields are read a word at a time at offsets that are
 * multiples of 2 (be16) or 4 (be32) from the IP header, which the verifier
 * accepts as aligned even on strict-alignment architectures (NET_IP_ALIGN),
 * and which take a fraction of the instructions of byte loads. */
static __always_inline __u16 be16(const __u8 *p)
{
	return bpf_ntohs(*(const __u16 *)p);
}

static __always_inline __u32 be32(const __u8 *p)
{
	return bpf_ntohl(*(const __u32 *)p);
}

static __always_inline __u32 rotl32(__u32 x, int r)
{
	return x << r | x >> (32 - r);
}

/* murmur3_32 of the 36 key bytes of a record (src, dst, then src_port and
 * dst_port as one little-endian word), seeded; Go's hashKey is the same. */
static __always_inline __u32 key_hash(const struct syn_record *r)
{
	const __u32 *w = (const __u32 *)r; /* src, dst: words 0-7 */
	__u32 h = hash_seed;

#pragma clang loop unroll(full)
	for (int i = 0; i < 9; i++) {
		__u32 k = i < 8 ? w[i] : (__u32)r->src_port | (__u32)r->dst_port << 16;
		k *= 0xcc9e2d51;
		k = rotl32(k, 15) * 0x1b873593;
		h ^= k;
		h = rotl32(h, 13) * 5 + 0xe6546b64;
	}
	h ^= 36;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* parse_syn fills r from the IP packet at ip, applying fingerprint.ParseIP's
 * checks in its order (p0f parse_packet). It returns 0 when the packet is a
 * sane TCP segment; the caller has already checked the SYN/ACK/FIN/RST bits.
 * The explicit bounds checks against end are implied by the length checks
 * before them; they are there for the verifier. */
static __always_inline int parse_syn(const __u8 *ip, const __u8 *end, struct syn_record *r)
{
	const __u8 *tcp;
	__u32 n, tcplen, doff, optlen, w;

	if (ip + 40 > end) /* n < MIN_TCP4 */
		return -1;
	n = end - ip;
	if (n > 65535)
		n = 65535;

	w = be32(ip);
	switch (w >> 28) {
	case 4: {
		__u32 hdr = (w >> 24 & 0x0f) * 4;
		__u32 tot = w & 0xffff;
		__u32 idfo = be32(ip + 4), ttlproto = be32(ip + 8);

		if (n > tot)
			n = tot; /* the IP length over link padding */
		if (n < 40 || hdr < 20 || tot > n || hdr + 20 > n)
			return -1;
		if ((ttlproto >> 16 & 0xff) != IPPROTO_TCP)
			return -1;
		if (idfo & 0x3fff) /* MF or a fragment offset */
			return -1;
		r->ip_version = 4;
		r->tos = w >> 16;
		r->ip_id = idfo >> 16;
		r->ip_flags = (idfo & 0xffff) >> 13;
		r->ttl = ttlproto >> 24;
		r->ip_opt_len = hdr - 20;
		*(__u32 *)&r->src[8] = bpf_htonl(0xffff);
		*(__u32 *)&r->dst[8] = bpf_htonl(0xffff);
		*(__u32 *)&r->src[12] = *(const __u32 *)(ip + 12);
		*(__u32 *)&r->dst[12] = *(const __u32 *)(ip + 16);
		tcp = ip + hdr;
		tcplen = n - hdr;
		break;
	}
	case 6: {
		__u32 tot, plnh;

		if (ip + 60 > end)
			return -1;
		plnh = be32(ip + 4);
		tot = (plnh >> 16) + 40;
		if (n > tot)
			n = tot;
		if (n < 60 || tot > n)
			return -1;
		if ((plnh >> 8 & 0xff) != IPPROTO_TCP)
			return -1;
		r->ip_version = 6;
		r->tos = w >> 20;
		r->flow_label = w & 0xfffff;
		r->ttl = plnh;
#pragma clang loop unroll(full)
		for (int i = 0; i < 4; i++) {
			((__u32 *)r->src)[i] = ((const __u32 *)(ip + 8))[i];
			((__u32 *)r->dst)[i] = ((const __u32 *)(ip + 24))[i];
		}
		tcp = ip + 40;
		tcplen = n - 40;
		break;
	}
	default:
		return -1;
	}

	if (tcp + 20 > end)
		return -1;
	w = be32(tcp + 12); /* data offset, reserved, flags, window */
	doff = (w >> 28) * 4;
	if (doff < 20 || doff > tcplen)
		return -1;
	/* SYN+FIN, SYN+RST and FIN+RST were ruled out by the caller. */
	r->src_port = be16(tcp);
	r->dst_port = be16(tcp + 2);
	r->seq = be32(tcp + 4);
	r->ack = be32(tcp + 8);
	r->tcp_res = w >> 24 & 0x0f;
	r->tcp_flags = w >> 16;
	r->window = w;
	r->urgent = be32(tcp + 16);
	optlen = doff - 20; /* a multiple of 4, at most 40 */
	r->opt_len = optlen;
	r->payload_len = tcplen - doff;

	/* Raw option bytes, a word at a time; Go walks them
	 * (fingerprint.Record.Features). */
	const __u32 *o = (const __u32 *)(tcp + 20);
#pragma clang loop unroll(full)
	for (int i = 0; i < MAX_OPT_LEN / 4; i++) {
		if (i * 4 < optlen && (const __u8 *)(o + i + 1) <= end)
			((__u32 *)r->opts)[i] = o[i];
	}
	return 0;
}

SEC("xdp")
int synfp_xdp(struct xdp_md *ctx)
{
	const __u8 *data = (void *)(long)ctx->data;
	const __u8 *end = (void *)(long)ctx->data_end;
	const __u8 *ip, *tcp;
	__u32 slot = 0, *slotp, key;
	__u16 proto, dport;
	__u8 flags;

	/* Ethernet II with up to two 802.1Q / 802.1ad tags (ParseFrame). */
	if (data + ETH_HLEN > end)
		return XDP_PASS;
	proto = be16(data + 12);
	ip = data + ETH_HLEN;
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		if (data + 18 > end)
			return XDP_PASS;
		proto = be16(data + 16);
		ip = data + 18;
		if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
			if (data + 22 > end)
				return XDP_PASS;
			proto = be16(data + 20);
			ip = data + 22;
		}
	}
	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return XDP_PASS;

	/* Counting rule (capture.TCPDstPort): a TCP segment whose destination
	 * port is in the frame; the IP version nibble decides, as in ParseIP. */
	if (ip + 1 > end)
		return XDP_PASS;
	switch (ip[0] >> 4) {
	case 4: {
		__u32 hdr;

		if (ip + 20 > end)
			return XDP_PASS;
		hdr = (ip[0] & 0x0f) * 4;
		if (hdr < 20 || ip[9] != IPPROTO_TCP || be32(ip + 4) & 0x1fff)
			return XDP_PASS;
		tcp = ip + hdr;
		break;
	}
	case 6:
		if (ip + 40 > end || ip[6] != IPPROTO_TCP)
			return XDP_PASS;
		tcp = ip + 40;
		break;
	default:
		return XDP_PASS;
	}
	if (tcp + 4 > end)
		return XDP_PASS;
	dport = be16(tcp + 2);

	key = dport;
	slotp = bpf_map_lookup_elem(&port_slots, &key);
	if (slotp && *slotp <= MAX_PORTS)
		slot = *slotp;
	struct port_counters *c = bpf_map_lookup_elem(&counters, &slot);
	if (!c)
		return XDP_PASS;
	c->packets++;
	c->bytes += end - data;

	if (slot == 0 && !watch_all)
		return XDP_PASS;
	if (tcp + 14 > end)
		return XDP_PASS;
	flags = tcp[13];
	if ((flags & (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST)) != TCP_SYN)
		return XDP_PASS;

	struct syn_record r = {};
	/* Keep r in memory: split into scalars, its copy below would spill
	 * past the 512-byte stack. */
	asm volatile("" : : "r"(&r) : "memory");
	if (parse_syn(ip, end, &r))
		return XDP_PASS;
	__u64 now = bpf_ktime_get_ns();
	__u32 h = key_hash(&r);
	key = h & bucket_mask;
	struct syn_bucket *b = bpf_map_lookup_elem(&syns, &key);
	if (!b)
		return XDP_PASS;

	/* The connection's own way if it has one (a retransmitted SYN: same
	 * 32-bit hash; a collision only costs another connection's record,
	 * Lookup compares whole keys), else a free one, else the oldest. */
	__u32 way = 0;
	__u64 oldest = ~0ULL;
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < WAYS; i++) {
		if (b->way[i].seen_ns != 0 && b->way[i].tag == h) {
			way = i;
			break;
		}
		if (b->way[i].seen_ns < oldest) {
			oldest = b->way[i].seen_ns;
			way = i;
		}
	}
	way &= WAYS - 1;
	/* Exchanges (BPF_XCHG: xchg, swpal) order the stores between them on
	 * every architecture. Two CPUs writing the same way at once (a hash
	 * collision within the write's nanoseconds) could still tear it;
	 * userspace's two copies would have to tear alike to be believed. */
	struct syn_way *e = &b->way[way];
	__u32 seq = e->seq | 1;
	__sync_lock_test_and_set(&e->seq, seq);
	e->tag = h;
	e->seen_ns = now;
	e->rec = r;
	__sync_lock_test_and_set(&e->seq, seq + 1);
	c->syns++;
	return XDP_PASS;
}
