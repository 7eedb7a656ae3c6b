// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: the cgroup-BPF hooks that enforce network rules inline when BPF-LSM cannot
 * load: connect4/6 (TCP connect, connected UDP), sendmsg4/6 (unconnected UDP sends) and
 * sock_create (raw and packet sockets). Each returns 1 (allow) and is attached only to a
 * temporary, empty cgroup that `vigil doctor` creates and removes.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("cgroup/connect4")
int probe_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int probe_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int probe_sendmsg4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg6")
int probe_sendmsg6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sock_create")
int probe_sock_create(struct bpf_sock *ctx)
{
	return 1;
}
