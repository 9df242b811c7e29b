// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * b64.c - base64 (etcd.h declares it): apart from etcd.c so that a program
 * using it (lbctl capture) does not pull in libcurl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

/* ---- base64 ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *xlb_b64_encode(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64_alphabet[p[i] >> 2];
		*o++ = b64_alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64_alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64_alphabet[p[i + 2] & 63];
	}
	if (len - i == 1) {
		*o++ = b64_alphabet[p[i] >> 2];
		*o++ = b64_alphabet[(p[i] & 3) << 4];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		*o++ = b64_alphabet[p[i] >> 2];
		*o++ = b64_alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64_alphabet[(p[i + 1] & 15) << 2];
		*o++ = '=';
	}
	*o = 0;
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

int xlb_b64_decode(const char *s, char **out, size_t *outlen)
{
	size_t n = strlen(s), i, pad = 0;
	unsigned char *o;
	size_t k = 0;

	*out = NULL;
	*outlen = 0;
	if (n % 4)
		return -EINVAL;
	if (n && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	o = malloc(n / 4 * 3 + 1);
	if (!o)
		return -ENOMEM;
	for (i = 0; i < n; i += 4) {
		int v[4], j;

		for (j = 0; j < 4; j++) {
			bool last = i + 4 == n;

			if (last && s[i + j] == '=' && j >= 4 - (int)pad) {
				v[j] = 0;
				continue;
			}
			v[j] = b64_val(s[i + j]);
			if (v[j] < 0) {
				free(o);
				return -EINVAL;
			}
		}
		o[k++] = (v[0] << 2) | (v[1] >> 4);
		o[k++] = ((v[1] & 15) << 4) | (v[2] >> 2);
		o[k++] = ((v[2] & 3) << 6) | v[3];
	}
	k -= pad;
	o[k] = 0;
	*out = (char *)o;
	*outlen = k;
	return 0;
}
