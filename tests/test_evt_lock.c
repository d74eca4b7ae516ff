/*
 * One writer per event log (evt_log.c): a second fan-out opening a log
 * that is held fails with the holder's pid and name; so does a reload
 * moving to a held log (and the old log stays in use); the file a
 * rotation starts is locked too; once the holder closes, the log is
 * free.  flock() locks belong to the open file, so two opens in this one
 * process contend as two daemons would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evt_fanout.h"
#include "log.h"
#include "evt_util.h"

/* "is in use by process PID (" with our pid. */
static void
assert_held_by_us(const char *err)
{
	char	want[128];

	snprintf(want, sizeof(want), "is in use by process %ld (",
	    (long)getpid());
	if (strstr(err, want) == NULL || strstr(err, logpath) == NULL)
		fail_msg("error '%s' does not name %s and pid %ld", err,
		    logpath, (long)getpid());
}

static void
test_second_writer(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*a, *b;
	char			 err[512] = "";

	(void)state;
	conf_init(&c, NULL);
	a = open_fo(NULL, &c);
	assert_true(emit_small(a, 1) == 1);
	b = evt_fanout_open(NULL, &c, err, sizeof(err));
	assert_null(b);
	assert_held_by_us(err);
	evt_fanout_close(a);
	/* Free again: the next writer continues the seq. */
	b = open_fo(NULL, &c);
	assert_true(emit_small(b, 2) == 2);
	evt_fanout_close(b);
}

static void
test_reload_to_held_log(void **state)
{
	struct config_events	 c, c2;
	struct evt_fanout	*a, *b;
	char			 other[128], err[512] = "";

	(void)state;
	conf_init(&c, NULL);
	a = open_fo(NULL, &c);
	snprintf(other, sizeof(other), "%s/other.mpk", tmpdir);
	c2 = c;
	c2.log_path = other;
	b = open_fo(NULL, &c2);
	assert_int_equal(evt_fanout_reconfigure(b, &c, err, sizeof(err)), -1);
	assert_held_by_us(err);
	/* b kept its own log. */
	assert_true(emit_small(b, 1) == 1);
	assert_true(file_size(other) > 0);
	evt_fanout_close(b);
	evt_fanout_close(a);
}

static void
test_rotated_file_locked(void **state)
{
	struct config_events	 c;
	struct evt_fanout	*a, *b;
	char			 rotated[128], err[512] = "";
	uint64_t		 i;

	(void)state;
	conf_init(&c, NULL);
	c.log_max_size = 300;	/* a few records per file */
	a = open_fo(NULL, &c);
	for (i = 1; i <= 20; i++)
		assert_true(emit_small(a, i) == i);
	snprintf(rotated, sizeof(rotated), "%s.1", logpath);
	assert_true(file_size(rotated) > 0);	/* it did rotate */
	b = evt_fanout_open(NULL, &c, err, sizeof(err));
	assert_null(b);
	assert_held_by_us(err);
	evt_fanout_close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_writer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_to_held_log, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotated_file_locked, setup,
		    teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
