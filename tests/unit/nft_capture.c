/*
 * nft_capture: write the nftables ruleset of the current network namespace
 * to stdout exactly as the collector reads it (er_nft_dump(): the kernel's
 * nf_tables netlink messages, one dump after another). The golden inputs
 * tests/fixtures/nft/<nft version>/<case>.nl are made with it by
 * tests/fixtures/nft/capture.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#include "collect.h"
#include "util.h"

int
main(void)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = er_nft_dump(er_now_us() + 30000000ull, &buf, &len, err, sizeof(err))) != ER_COLLECT_OK) {
		fprintf(stderr, "nft_capture: %s\n", err);
		return 1;
	}
	rc = fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
	if (rc)
		fprintf(stderr, "nft_capture: cannot write the capture\n");
	free(buf);
	return rc;
}
