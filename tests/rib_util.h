/*
 * Helpers shared by the RIB suites (test_rib, test_adjrib, test_replay):
 * include after <cmocka.h>.
 */
#ifndef TESTS_RIB_UTIL_H
#define TESTS_RIB_UTIL_H

#include <string.h>

#include "bgpwatch.h"
#include "intern.h"

/* An interned set with the AS path "asn", told apart by its MED. */
static inline struct rattr *
rib_test_attrs(struct intern *in, uint16_t asn, uint32_t med)
{
	const uint8_t path[] = { 2, 1, 0, 0, (uint8_t)(asn >> 8),
	    (uint8_t)asn };
	struct bgp_attrs a;
	struct rattr *r;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_BIT(ATTR_ORIGIN) | ATTR_BIT(ATTR_AS_PATH) |
	    ATTR_BIT(ATTR_MED);
	a.aspath.p = path;
	a.aspath.len = sizeof(path);
	a.med = med;
	assert_non_null(r = intern_attrs(in, &a));
	return r;
}

#endif
