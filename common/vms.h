/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_VMS_H
#define VMINT_COMMON_VMS_H

/*
 * vms.json (schema "vmint.vms/1", doc/formats.md): which QEMU
 * process id is which VM. A host kernel trace carries no libvirt names, so
 * this file, written on the host by scripts/vms-from-libvirt.sh, names them.
 * Owns: the parsed file (struct vms_file and every string in it).
 */

#include "common/vocab.h"

#include <stddef.h>
#include <stdint.h>

struct vm_entry {
	int64_t pid; /* tgid of the QEMU process (or the tenant process), > 0 */
	char *name;  /* owned: libvirt domain name, unique in the file */
	char *uuid;  /* owned: libvirt domain UUID, NULL if absent */
	int vcpus;   /* number of vCPUs, 0 if absent */
	enum tenant_kind kind; /* "kind": "vm" (the default) or "process" */
};

struct vms_file {
	char *host;           /* owned: host name, NULL if absent */
	struct vm_entry *vms; /* owned: n entries, in file order */
	size_t n;
};

/*
 * Reads and checks `path`. Unknown keys are ignored; a missing required key
 * ("schema", "vms", each VM's "pid" and "name"), a value of the wrong type,
 * a "kind" other than "vm" or "process", another schema, a duplicate pid
 * or name, or text that is not JSON is an error. Returns 0, or -1 with a cause appended that names the file and the
 * key ("'x/vms.json': vms[2]: missing key 'pid'"); `out` is then zeroed.
 * Free with vms_fini().
 */
int vms_load(const char *path, struct vms_file *out);

/* Frees everything `f` owns and zeroes it. Safe on a zeroed struct. */
void vms_fini(struct vms_file *f);

/*
 * The entry of process `pid`, or NULL when the file does not list it.
 * Borrowed from `f`. A linear scan: call it when a process is first seen,
 * not per event.
 */
const struct vm_entry *vms_find(const struct vms_file *f, int64_t pid);

#endif
