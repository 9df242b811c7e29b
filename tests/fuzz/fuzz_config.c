// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the config parser (xlb_config_parse) on arbitrary bytes.
 * A success must yield a config that frees cleanly and survives a deep copy
 * (xlb_config_copy, as lbd does for its desired state). Built by `make fuzz`
 * with -fsanitize=fuzzer,address,undefined; seed corpus: tests/configs/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_config cfg, copy;
	char err[512];

	if (xlb_config_parse((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err)) == 0) {
		if (xlb_config_copy(&copy, &cfg) == 0) {
			json_t *st = xlb_state_diff(&cfg, &copy);

			json_decref(st);
			xlb_config_free(&copy);
		}
		xlb_config_free(&cfg);
	} else {
		/* On failure the message is one printable line that names the file. */
		if (strncmp(err, "fuzz.yaml", 9) || strchr(err, '\n'))
			__builtin_trap();
	}
	return 0;
}
