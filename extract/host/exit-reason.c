/* SPDX-License-Identifier: MIT */
#include "extract/host/exit-reason.h"

#include <stddef.h>

#define VMX_MAX 128
#define OTHER_INDEX (EXIT_INDEX_MAX - 1)

/* Intel SDM vol. 3 appendix C, spelled as perf kvm stat prints them. */
static const char *const vmx_names[VMX_MAX] = {
	[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL", [4] = "SIPI_SIGNAL", [7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW", [9] = "TASK_SWITCH", [10] = "CPUID", [12] = "HLT",
	[13] = "INVD", [14] = "INVLPG", [15] = "RDPMC", [16] = "RDTSC",
	[18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD",
	[22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME", [25] = "VMWRITE",
	[26] = "VMOFF", [27] = "VMON", [28] = "CR_ACCESS", [29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION", [31] = "MSR_READ", [32] = "MSR_WRITE",
	[33] = "INVALID_STATE", [34] = "MSR_LOAD_FAIL", [36] = "MWAIT_INSTRUCTION",
	[37] = "MONITOR_TRAP_FLAG", [39] = "MONITOR_INSTRUCTION",
	[40] = "PAUSE_INSTRUCTION", [41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD", [44] = "APIC_ACCESS", [45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR", [47] = "LDTR_TR", [48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER", [53] = "INVVPID", [54] = "WBINVD",
	[55] = "XSETBV", [56] = "APIC_WRITE", [57] = "RDRAND", [58] = "INVPCID",
	[59] = "VMFUNC", [60] = "ENCLS", [61] = "RDSEED", [62] = "PML_FULL",
	[63] = "XSAVES", [64] = "XRSTORS", [67] = "UMWAIT", [68] = "TPAUSE",
	[74] = "BUS_LOCK", [75] = "NOTIFY",
};

/* AMD SVM exit codes (perf kvm stat's svm_exit_reasons), with the class
 * of their nearest VMX equivalent. */
static const struct {
	int64_t code;
	const char *name;
	enum exit_class cls;
} svm_codes[] = {
	{ 0x060, "intr", EXC_EXTERNAL_INTERRUPT },
	{ 0x061, "nmi", EXC_OTHER },
	{ 0x064, "vintr", EXC_OTHER },
	{ 0x072, "cpuid", EXC_OTHER },
	{ 0x077, "pause", EXC_PAUSE_INSTRUCTION },
	{ 0x078, "hlt", EXC_HLT },
	{ 0x07b, "io", EXC_IO_INSTRUCTION },
	{ 0x07c, "msr", EXC_MSR_WRITE }, /* read and write share the code */
	{ 0x081, "vmmcall", EXC_OTHER },
	{ 0x08b, "mwait", EXC_OTHER },
	{ 0x400, "npf", EXC_EPT_VIOLATION },
	{ 0x401, "avic_incomplete_ipi", EXC_OTHER },
	{ 0x402, "avic_unaccelerated_access", EXC_OTHER },
	{ 0x403, "vmgexit", EXC_OTHER },
};

#define NR_SVM (sizeof(svm_codes) / sizeof(svm_codes[0]))

unsigned exit_reason_index(int64_t isa, int64_t reason)
{
	size_t i;

	if (isa == 2) {
		for (i = 0; i < NR_SVM; i++)
			if (svm_codes[i].code == reason)
				return VMX_MAX + (unsigned)i;
		return OTHER_INDEX;
	}
	/* VMX: the low 16 bits are the basic exit reason. */
	if (reason < 0)
		return OTHER_INDEX;
	reason &= 0xffff;
	return reason < VMX_MAX ? (unsigned)reason : OTHER_INDEX;
}

const char *exit_reason_name(unsigned index)
{
	static const char *const unnamed = "other";

	if (index < VMX_MAX)
		return vmx_names[index] ? vmx_names[index] : unnamed;
	if (index - VMX_MAX < NR_SVM)
		return svm_codes[index - VMX_MAX].name;
	return unnamed;
}

enum exit_class exit_reason_class(unsigned index)
{
	switch (index) {
	case 12: return EXC_HLT;
	case 1: return EXC_EXTERNAL_INTERRUPT;
	case 48: return EXC_EPT_VIOLATION;
	case 49: return EXC_EPT_MISCONFIG;
	case 30: return EXC_IO_INSTRUCTION;
	case 32: return EXC_MSR_WRITE;
	case 52: return EXC_PREEMPTION_TIMER;
	case 40: return EXC_PAUSE_INSTRUCTION;
	default:
		break;
	}
	if (index >= VMX_MAX && index - VMX_MAX < NR_SVM)
		return svm_codes[index - VMX_MAX].cls;
	return EXC_OTHER;
}

const char *exit_class_name(enum exit_class c)
{
	static const char *const names[EXC__COUNT] = {
		"hlt", "extint", "ept_violation", "ept_misconfig", "io",
		"msr_write", "preempt_timer", "pause", "other",
	};

	return (unsigned)c < EXC__COUNT ? names[c] : "other";
}
