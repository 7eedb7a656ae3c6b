// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Never loaded: compiled only so that its BTF records how the compiler laid out every struct
 * and enum of the wire header. test/unit/decode/wire-layout.test.ts compares that BTF with the
 * TypeScript decoder's layouts, so the two cannot drift apart silently. Each struct of
 * vigil.h needs one anchor here (the test fails on a struct without one).
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct vigil_msg_header anchor_msg_header;
struct vigil_task anchor_task;
struct vigil_test_open anchor_test_open;
struct vigil_test_echo_ctx anchor_test_echo_ctx;
struct vigil_test_echo anchor_test_echo;
struct vigil_test_key anchor_test_key;
struct vigil_probe_msg anchor_probe_msg;
enum vigil_msg_type anchor_msg_type;
enum vigil_stat anchor_stat;
