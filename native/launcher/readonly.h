/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_READONLY_H
#define VIGIL_LAUNCH_READONLY_H

/*
 * Unshares the mount namespace and bind-mounts each of `paths` onto itself read-only (see
 * readonly.c). Returns how many were made read-only, or -errno when the namespace failed.
 */
int readonly_mounts(char *const *paths, int n);

#endif
