// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* num.c - strict number parsers (num.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int xlb_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
		   unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	for (p = s; *p; p++) {
		if (v > (~0ULL - (unsigned)(*p - '0')) / 10)
			return -ERANGE; /* beyond any range: overflow */
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int xlb_parse_decimal(const char *s, double lo, double hi, double *out)
{
	int digits = 0, dots = 0;
	const char *p;
	double v;

	if (!s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return -EINVAL;
	}
	if (!digits)
		return -EINVAL;
	v = strtod(s, NULL); /* only digits and one dot: nothing locale- or sign-dependent */
	if (!(v >= lo && v <= hi))
		return -ERANGE;
	*out = v;
	return 0;
}
