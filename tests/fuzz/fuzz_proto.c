// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the control protocol (proto.c) as lbd sees a client:
 * line framing (xlb_linebuf) over arbitrary bytes, then request parsing and
 * validation against the command table; also the response parser (lbctl's
 * side) and the CIDR parser used by acl commands. Built by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_linebuf lb;
	char *line, code[64], msg[256], buf[XLB_CIDR_STRLEN];
	int n = 0;

	memset(&lb, 0, sizeof(lb));
	if (xlb_linebuf_feed(&lb, data, size) == 0) {
		while (n++ < 64 && xlb_linebuf_next(&lb, &line) > 0) {
			const struct xlb_cmd_spec *spec;
			json_t *args = NULL, *err = NULL, *res = NULL;

			if (xlb_proto_parse_request(line, &spec, &args, &err) == 0) {
				const char *p = json_string_value(json_object_get(args, "prefix"));
				struct xlb_cidr c;

				if (!spec || !json_is_object(args))
					__builtin_trap();
				if (p && xlb_cidr_parse(p, &c, msg, sizeof(msg)) == 0)
					xlb_cidr_str(&c, buf, sizeof(buf));
				json_decref(args);
			} else {
				if (!err)
					__builtin_trap();
				json_decref(err);
			}
			if (xlb_proto_parse_response(line, &res, code, sizeof(code), msg, sizeof(msg)) == 0)
				json_decref(res);
			free(line);
		}
	}
	xlb_linebuf_free(&lb);
	return 0;
}
