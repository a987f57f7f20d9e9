/* SPDX-License-Identifier: MIT */
#ifndef VMINT_COMMON_VERSION_H
#define VMINT_COMMON_VERSION_H

/* vmint's version: --version, report.json's and model.json's "tool". */
#define VMINT_VERSION "0.1.0"

#endif
