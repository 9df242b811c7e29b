/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * num - strict number parsers for command lines (lbctl, lbd's options).
 *
 * strtoul() and friends accept leading whitespace, a sign ("-1" wraps to a
 * huge unsigned value), "0x" prefixes (strtod), "inf" and "nan": none of that
 * is a number a person meant to type. These accept plain decimal digits only.
 */
#ifndef XLB_NUM_H
#define XLB_NUM_H

/*
 * s is one or more decimal digits and nothing else, with a value in lo..hi.
 * 0, -EINVAL (not such a number: empty, whitespace, a sign, another
 * character) or -ERANGE (a number outside lo..hi). *out is set only on 0.
 */
int xlb_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
		   unsigned long long *out);

/*
 * s is a plain non-negative decimal (12, 0.5, .25, 3.) and nothing else
 * (no sign, exponent, whitespace, hex, inf or nan), with a value in lo..hi.
 * 0, -EINVAL or -ERANGE as above.
 */
int xlb_parse_decimal(const char *s, double lo, double hi, double *out);

#endif
