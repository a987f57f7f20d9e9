/* SPDX-License-Identifier: MIT */
/* Prometheus' text exposition format: families, samples, label escaping. */
#include "detect/prom.h"

#include <math.h>
#include <stdarg.h>

/* Label values escape backslash, double quote and newline. */
static void put_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_sample(FILE *f, const char *name, double value, ...)
{
	const char *key;
	va_list ap;
	int n = 0;

	fputs(name, f);
	va_start(ap, value);
	while ((key = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		fprintf(f, "%s%s=", n++ ? "," : "{", key);
		put_label(f, v ? v : "");
	}
	va_end(ap);
	if (n)
		fputc('}', f);
	if (isnan(value))
		fputs(" NaN\n", f);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(f, " %.0f\n", value);
	else
		fprintf(f, " %.15g\n", value);
}

void prom_vm_counts(FILE *f, const struct prom_vm_counts *v, size_t n)
{
	prom_family(f, "vmint_windows", "gauge", "Analysed windows of the VM.");
	for (size_t i = 0; i < n; i++)
		prom_sample(f, "vmint_windows", v[i].windows, "vm", v[i].vm, NULL);
	/* where the model was not trusted (model/classify.h): alert on a rise */
	prom_family(f, "vmint_out_of_distribution_windows", "gauge",
		    "Windows outside the model's training data (the measurement and the workload rule decided).");
	for (size_t i = 0; i < n; i++)
		prom_sample(f, "vmint_out_of_distribution_windows", v[i].ood_windows,
			    "vm", v[i].vm, NULL);
	prom_family(f, "vmint_interfered_windows", "gauge",
		    "Windows in which the VM was interfered, by resource.");
	for (size_t i = 0; i < n; i++)
		for (enum resource res = RES_CPU; res < RES__COUNT; res++)
			prom_sample(f, "vmint_interfered_windows", v[i].interfered[res],
				    "vm", v[i].vm, "resource", resource_name(res), NULL);
	prom_family(f, "vmint_interference_probability_max", "gauge",
		    "Highest probability of interference in any window.");
	for (size_t i = 0; i < n; i++)
		prom_sample(f, "vmint_interference_probability_max", v[i].probability_max,
			    "vm", v[i].vm, NULL);
}
