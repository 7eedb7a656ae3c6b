// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Never loaded: compiled only so that its BTF records how the compiler laid out every struct
 * and enum of the wire header. test/unit/wire/wire-layout.test.ts compares that BTF with the
 * TypeScript decoder's layouts, so the two cannot drift apart silently. Each struct of
 * vigil.h needs one anchor here (the test fails on a struct without one); so does each enum, or
 * clang leaves an enum used only for its constants out of the BTF.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct vigil_msg_header anchor_msg_header;
struct vigil_task anchor_task;
struct vigil_proc anchor_proc;
struct vigil_watch_rule anchor_watch_rule;
struct vigil_session anchor_session;
struct vigil_heartbeat anchor_heartbeat;
struct vigil_open_volume anchor_open_volume;
struct vigil_host_addr_key anchor_host_addr_key;
struct vigil_host_addr anchor_host_addr;
struct vigil_dns_proxy anchor_dns_proxy;
struct vigil_dns_origin anchor_dns_origin;
struct vigil_sni_origin anchor_sni_origin;
struct vigil_sni_client anchor_sni_client;
struct vigil_name anchor_name;
struct vigil_event_head anchor_event_head;
struct vigil_exec_event anchor_exec_event;
struct vigil_fork_event anchor_fork_event;
struct vigil_exit_event anchor_exit_event;
struct vigil_file_event anchor_file_event;
struct vigil_net_event anchor_net_event;
struct vigil_socket_event anchor_socket_event;
struct vigil_syscall_event anchor_syscall_event;
struct vigil_change_event anchor_change_event;
struct vigil_guard_event anchor_guard_event;
enum vigil_change_op anchor_change_op;
enum vigil_guard_call anchor_guard_call;
struct vigil_policy_reactive_key anchor_policy_reactive_key;
struct vigil_test_open anchor_test_open;
struct vigil_test_echo_ctx anchor_test_echo_ctx;
struct vigil_test_echo anchor_test_echo;
struct vigil_test_key anchor_test_key;
struct vigil_probe_msg anchor_probe_msg;
enum vigil_wire_limit anchor_wire_limit;
enum vigil_session_id anchor_session_id;
enum vigil_msg_type anchor_msg_type;
enum vigil_stat anchor_stat;
enum vigil_msg_flag anchor_msg_flag;
enum vigil_proc_flag anchor_proc_flag;
enum vigil_session_flag anchor_session_flag;
enum vigil_lsm_backend anchor_lsm_backend;
struct vigil_policy_slot anchor_policy_slot;
struct vigil_policy_agg anchor_policy_agg;
struct vigil_policy_path_key anchor_policy_path_key;
struct vigil_policy_prefix anchor_policy_prefix;
struct vigil_policy_inode_key anchor_policy_inode_key;
struct vigil_policy_inode anchor_policy_inode;
struct vigil_policy_net_key anchor_policy_net_key;
struct vigil_policy_port_seg anchor_policy_port_seg;
struct vigil_policy_net anchor_policy_net;
struct vigil_policy_row anchor_policy_row;
struct vigil_policy_table anchor_policy_table;
struct vigil_policy_query anchor_policy_query;
struct vigil_policy_batch_ctx anchor_policy_batch_ctx;
struct vigil_policy_results anchor_policy_results;
enum vigil_policy_kind anchor_policy_kind;
enum vigil_policy_slot_id anchor_policy_slot_id;
enum vigil_policy_guard anchor_policy_guard;
enum vigil_policy_action anchor_policy_action;
enum vigil_policy_rule_kind anchor_policy_rule_kind;
enum vigil_policy_flag anchor_policy_flag;
enum vigil_policy_limit anchor_policy_limit;
