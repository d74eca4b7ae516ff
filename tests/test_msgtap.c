/*
 * The message tap (bgpd/rib/msgtap.c): observers see every message and
 * state change in the order they were added, a full list refuses a
 * fifth, a removed observer hears nothing more, and a quiet one hears
 * state changes only (inputs then skip their messages).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "msgtap.h"

static char order[32];
static size_t norder;

struct seen {
	char	 tag;
	int	 msgs;
	int	 states;
	size_t	 last_len;
	int	 last_old, last_new;
	uint32_t last_as;
};

static void
on_msg(void *arg, const struct tap_peer *p, const struct tap_msg *m)
{
	struct seen *s = arg;

	s->msgs++;
	s->last_len = m->len;
	s->last_as = p->peer_as;
	if (norder < sizeof(order) - 1)
		order[norder++] = s->tag;
}

static void
on_state(void *arg, const struct tap_peer *p, double ts, int o, int n)
{
	struct seen *s = arg;

	(void)p;
	(void)ts;
	s->states++;
	s->last_old = o;
	s->last_new = n;
}

static void
test_order_and_remove(void **state)
{
	struct msgtap t;
	struct seen a = { .tag = 'a' }, b = { .tag = 'b' };
	struct tap_observer oa = { on_msg, on_state, &a, 0 };
	struct tap_observer ob = { on_msg, NULL, &b, 0 };
	struct tap_peer p = { .kind = "bgp", .peer_as = 65001 };
	uint8_t bytes[19] = { 0 };
	struct tap_msg m = { .ts = 1.5, .dir = TAP_RX, .type = 4,
	    .bytes = bytes, .len = sizeof(bytes) };

	(void)state;
	norder = 0;
	memset(order, 0, sizeof(order));
	msgtap_init(&t);
	assert_false(msgtap_active(&t));
	assert_int_equal(msgtap_add(&t, &oa), 0);
	assert_int_equal(msgtap_add(&t, &ob), 0);
	assert_true(msgtap_active(&t));
	msgtap_message(&t, &p, &m);
	msgtap_message(&t, &p, &m);
	assert_string_equal(order, "abab");
	assert_int_equal(a.last_len, 19);
	assert_int_equal(b.last_as, 65001);
	msgtap_state(&t, &p, 2.0, 3, 5);
	assert_int_equal(a.states, 1);
	assert_int_equal(a.last_old, 3);
	assert_int_equal(a.last_new, 5);
	msgtap_remove(&t, &a);
	msgtap_message(&t, &p, &m);
	assert_int_equal(a.msgs, 2);
	assert_int_equal(b.msgs, 3);
	assert_string_equal(order, "ababb");
}

static void
test_full(void **state)
{
	struct msgtap t;
	struct seen s = { .tag = 'x' };
	struct tap_observer o = { on_msg, NULL, &s, 0 };
	int i;

	(void)state;
	msgtap_init(&t);
	for (i = 0; i < MSGTAP_MAX_OBS; i++)
		assert_int_equal(msgtap_add(&t, &o), 0);
	assert_int_equal(msgtap_add(&t, &o), -1);
	assert_int_equal(t.nobs, MSGTAP_MAX_OBS);
	msgtap_remove(&t, &s);
	assert_int_equal(t.nobs, 0);
	msgtap_message(NULL, NULL, NULL);	/* no tap: nothing */
}

/* The MRT archive without an updates file: states, no messages. */
static void
test_quiet(void **state)
{
	struct msgtap t;
	struct seen a = { .tag = 'a' }, b = { .tag = 'b' };
	struct tap_observer oa = { on_msg, on_state, &a, 1 };
	struct tap_observer ob = { NULL, on_state, &b, 0 };
	struct tap_peer p = { .kind = "bgp", .peer_as = 65001 };
	uint8_t bytes[19] = { 0 };
	struct tap_msg m = { .ts = 1.5, .dir = TAP_RX, .type = 4,
	    .bytes = bytes, .len = sizeof(bytes) };

	(void)state;
	norder = 0;
	memset(order, 0, sizeof(order));
	msgtap_init(&t);
	assert_false(msgtap_wants_messages(&t));
	assert_int_equal(msgtap_add(&t, &oa), 0);
	assert_int_equal(msgtap_add(&t, &ob), 0);
	/* Both listen for states, neither takes messages. */
	assert_true(msgtap_active(&t));
	assert_false(msgtap_wants_messages(&t));
	msgtap_message(&t, &p, &m);
	msgtap_state(&t, &p, 2.0, 3, 5);
	assert_int_equal(a.msgs, 0);
	assert_int_equal(a.states, 1);
	assert_int_equal(b.states, 1);
	/* A reload gives the archive an updates file, then takes it. */
	msgtap_set_quiet(&t, &a, 0);
	assert_true(msgtap_wants_messages(&t));
	msgtap_message(&t, &p, &m);
	assert_int_equal(a.msgs, 1);
	msgtap_set_quiet(&t, &a, 1);
	assert_false(msgtap_wants_messages(&t));
	msgtap_message(&t, &p, &m);
	assert_int_equal(a.msgs, 1);
	/* Removing a quiet observer leaves the count right. */
	msgtap_set_quiet(&t, &a, 0);
	msgtap_remove(&t, &a);
	assert_false(msgtap_wants_messages(&t));
	msgtap_message(NULL, NULL, NULL);
	assert_false(msgtap_wants_messages(NULL));
	assert_string_equal(order, "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_remove),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
