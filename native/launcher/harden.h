/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_HARDEN_H
#define VIGIL_LAUNCH_HARDEN_H

#include <stdbool.h>

/* The hardening seccomp filter (see harden.c); allow_packet keeps AF_PACKET sockets. 0 or -1. */
int harden_seccomp(bool allow_packet);

/* Drops `caps` from the bounding set (needs CAP_SETPCAP). 0 or -1 after printing why. */
int harden_bounding(const int *caps, int n);

/* Drops `caps` from this process's effective, permitted and inheritable sets; clears ambient. */
int harden_own_caps(const int *caps, int n);

#endif
