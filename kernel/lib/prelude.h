/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Includes every BPF program starts with: kernel types, libbpf helpers, the wire protocol. */
#ifndef VIGIL_LIB_PRELUDE_H
#define VIGIL_LIB_PRELUDE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "vigil.h"

#endif
