/*
 * The streaming JSON writer (lib/json.c): commas and keys across
 * nesting, string escaping (control characters, quotes, UTF-8 kept,
 * invalid UTF-8 replaced), numbers at their limits, and misuse that must
 * make json_finish() fail rather than write a broken document.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"

/* The buffer's contents as a NUL-terminated string (freed by caller). */
static char *
drain(struct evbuffer *b)
{
	size_t	 len = evbuffer_get_length(b);
	char	*s = malloc(len + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	return s;
}

static void
expect_doc(struct evbuffer *b, const char *want)
{
	char	*got = drain(b);

	assert_string_equal(got, want);
	free(got);
}

static void
test_nesting(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "empty");
	json_arr_close(&j);
	json_obj_open(&j, "o");
	json_obj_close(&j);
	json_arr_open(&j, "a");
	json_uint(&j, NULL, 1);
	json_obj_open(&j, NULL);
	json_str(&j, "k", "v");
	json_bool(&j, "t", 1);
	json_bool(&j, "f", 0);
	json_null(&j, "n");
	json_obj_close(&j);
	json_arr_open(&j, NULL);
	json_arr_close(&j);
	json_arr_close(&j);
	json_uint(&j, "last", 2);
	assert_int_equal(json_finish(&j), 0);
	expect_doc(b, "{\"empty\":[],\"o\":{},\"a\":[1,{\"k\":\"v\",\"t\":true,"
	    "\"f\":false,\"n\":null},[]],\"last\":2}\n");
	evbuffer_free(b);
}

/* json_finish closes whatever is still open (a listing cut short). */
static void
test_finish_closes(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "routes");
	json_obj_open(&j, NULL);
	json_str(&j, "prefix", "10.0.0.0/8");
	assert_int_equal(json_finish(&j), 0);
	expect_doc(b, "{\"routes\":[{\"prefix\":\"10.0.0.0/8\"}]}\n");
	evbuffer_free(b);
}

static const struct {
	const char	*in;
	const char	*out;
} strings[] = {
	{ "", "\"\"" },
	{ "plain", "\"plain\"" },
	{ "q\"b\\s/", "\"q\\\"b\\\\s/\"" },
	{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	/* invalid UTF-8: each bad byte becomes U+FFFD */
	{ "a\xff" "b", "\"a\xef\xbf\xbd" "b\"" },
	{ "\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },		/* overlong */
	{ "\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* a surrogate (U+D800) */
	{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\"" },					/* > 10FFFF */
	{ "x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"" },	/* truncated */
	{ "\xc3", "\"\xef\xbf\xbd\"" },
};

static void
test_strings(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		assert_int_equal(json_write_string(b, strings[i].in), 0);
		expect_doc(b, strings[i].out);
	}
	evbuffer_free(b);
}

/* Counted strings: NULs inside, a truncated sequence at the end, and
 * the \u-only style of the event log's JSON lines. */
static void
test_strn(void **state)
{
	static const char in[] = "a\"\n\0\xff\t\xc3\xa9\x7f\xe2\x82";
	struct evbuffer	*b = evbuffer_new();

	(void)state;
	assert_int_equal(json_write_strn(b, in, sizeof(in) - 1, 0), 0);
	expect_doc(b, "\"a\\\"\\n\\u0000\xef\xbf\xbd\\t\xc3\xa9\\u007f"
	    "\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_int_equal(json_write_strn(b, in, sizeof(in) - 1,
	    JSON_ESC_UFORM), 0);
	expect_doc(b, "\"a\\\"\\u000a\\u0000\\ufffd\\u0009\xc3\xa9"
	    "\\u007f\\ufffd\\ufffd\"");
	assert_int_equal(json_write_strn(b, "", 0, JSON_ESC_UFORM), 0);
	expect_doc(b, "\"\"");
	evbuffer_free(b);
}

/* Keys are escaped too. */
static void
test_key_escaping(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_obj_open(&j, NULL);
	json_str(&j, "a\"b", "\n");
	assert_int_equal(json_finish(&j), 0);
	expect_doc(b, "{\"a\\\"b\":\"\\n\"}\n");
	evbuffer_free(b);
}

static void
test_numbers(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_arr_open(&j, NULL);
	json_uint(&j, NULL, 0);
	json_uint(&j, NULL, UINT64_MAX);
	json_int(&j, NULL, INT64_MIN);
	json_int(&j, NULL, -1);
	json_double(&j, NULL, 12.345, 1);
	json_double(&j, NULL, 0.5, 3);
	json_double(&j, NULL, NAN, 2);
	json_double(&j, NULL, INFINITY, 2);
	json_double(&j, NULL, 1e300, 2);
	assert_int_equal(json_finish(&j), 0);
	expect_doc(b, "[0,18446744073709551615,-9223372036854775808,-1,12.3,"
	    "0.500,null,null,null]\n");
	evbuffer_free(b);
}

/* Fixed-point doubles print as printf's "%.*f" does, whichever way
 * json_double() takes: timestamps, exact ties, near ties, negatives. */
static void
test_fixed(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;
	char		 want[96];
	double		 v, p10;
	unsigned int	 seed = 42;
	uint64_t	 bits;
	int		 i, k, prec;

	(void)state;
	for (i = 0; i < 200000; i++) {
		prec = i % 10;
		for (p10 = 1, k = 0; k < prec; k++)
			p10 *= 10;
		switch (i % 5) {
		case 0:		/* a timestamp with microseconds */
			v = 1.4e9 + rand_r(&seed) % 100000000 +
			    (rand_r(&seed) % 1000000) / 1e6;
			break;
		case 1:		/* any timestamp */
			v = 1.4e9 + rand_r(&seed) / (double)RAND_MAX * 1e8;
			break;
		case 2:		/* a tie, or one ulp off */
			v = (rand_r(&seed) % 100000 + 0.5) / p10;
			memcpy(&bits, &v, sizeof(v));
			bits += (i & 8) ? 1 : (i & 16) ? -1 : 0;
			memcpy(&v, &bits, sizeof(v));
			break;
		case 3:		/* small, large, negative */
			v = rand_r(&seed) - RAND_MAX / 2;
			for (k = rand_r(&seed) % 14; k > 0; k--)
				v /= 10;
			break;
		default:
			v = rand_r(&seed) % 1000;
			break;
		}
		snprintf(want, sizeof(want), "[%.*f]\n", prec, v);
		json_init(&j, b);
		json_arr_open(&j, NULL);
		json_double(&j, NULL, v, prec);
		assert_int_equal(json_finish(&j), 0);
		expect_doc(b, want);
	}
	evbuffer_free(b);
}

static void
test_misuse(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;
	int		 i;

	(void)state;
	/* a key inside an array */
	json_init(&j, b);
	json_arr_open(&j, NULL);
	json_uint(&j, "k", 1);
	assert_int_equal(json_finish(&j), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	/* no key inside an object */
	json_init(&j, b);
	json_obj_open(&j, NULL);
	json_uint(&j, NULL, 1);
	assert_int_equal(json_finish(&j), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	/* closing the wrong kind */
	json_init(&j, b);
	json_obj_open(&j, NULL);
	json_arr_close(&j);
	assert_int_equal(json_finish(&j), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	/* two top-level values */
	json_init(&j, b);
	json_uint(&j, NULL, 1);
	json_uint(&j, NULL, 2);
	assert_int_equal(json_finish(&j), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	/* too deep */
	json_init(&j, b);
	for (i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_arr_open(&j, NULL);
	assert_int_equal(json_finish(&j), -1);
	evbuffer_free(b);
}

/* A document written in pieces, as a dump does across loop turns. */
static void
test_resume(void **state)
{
	struct evbuffer	*b1 = evbuffer_new(), *b2 = evbuffer_new();
	struct json	 j;
	char		*s1, *s2;

	(void)state;
	json_init(&j, b1);
	json_obj_open(&j, NULL);
	json_arr_open(&j, "routes");
	json_uint(&j, NULL, 1);
	assert_int_equal(json_flush(&j), 0);
	j.out = b2;
	json_uint(&j, NULL, 2);
	assert_int_equal(json_finish(&j), 0);
	s1 = drain(b1);
	s2 = drain(b2);
	assert_string_equal(s1, "{\"routes\":[1");
	assert_string_equal(s2, ",2]}\n");
	free(s1);
	free(s2);
	evbuffer_free(b1);
	evbuffer_free(b2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_finish_closes),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_strn),
		cmocka_unit_test(test_key_escaping),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
