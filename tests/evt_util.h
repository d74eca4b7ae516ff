/*
 * Helpers shared by the event suites (test_evt.c, test_evt_stream.c,
 * test_evt_fanout.c): a temporary directory with the log and socket
 * paths, an events {} block, a small prefix_withdrawn-like event, and
 * msgpack lookups.  Include after cmocka.h.
 */
#ifndef BGPWATCH_TESTS_EVT_UTIL_H
#define BGPWATCH_TESTS_EVT_UTIL_H

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "evt_fanout.h"

static char	tmpdir[64];
static char	logpath[96];
static char	sockpath[96];

static inline int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_evt.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(logpath, sizeof(logpath), "%s/events.mpk", tmpdir);
	snprintf(sockpath, sizeof(sockpath), "%s/events.sock", tmpdir);
	return 0;
}

static inline int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static inline void
conf_init(struct config_events *c, struct config_subscriber *sub)
{
	memset(c, 0, sizeof(*c));
	c->log_path = logpath;
	c->log_keep = 5;
	c->queue_limit = CONF_DEFAULT_QUEUE_LIMIT;
	if (sub != NULL) {
		memset(sub, 0, sizeof(*sub));
		sub->type = CONF_SUB_UNIX;
		sub->path = sockpath;
		sub->mode = 0600;
		c->subs = sub;
		c->nsubs = 1;
	}
}

static inline struct evt_fanout *
open_fo(struct event_base *base, const struct config_events *c)
{
	struct evt_fanout	*s;
	char		 err[512] = "";

	s = evt_fanout_open(base, c, err, sizeof(err));
	if (s == NULL)
		fail_msg("evt_fanout_open: %s", err);
	return s;
}

/* A small event like the detector's prefix_withdrawn. */
static inline uint64_t
emit_small(struct evt_fanout *s, uint64_t i)
{
	struct evt	*e = evt_new("prefix_withdrawn", NULL);
	struct bw_addr	 a;

	assert_int_equal(addr_parse("127.0.0.11", &a), 0);
	evt_str(e, "region", "KP");
	evt_str(e, "prefix", "175.45.176.0/24");
	evt_peer(e, "peer", &a, 64511);
	evt_uint(e, "visible_peers", i);
	evt_uint(e, "eligible_peers", 10);
	return evt_fanout_emit(s, e);
}

static inline uint8_t *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	uint8_t		*buf;
	int		 fd;

	assert_int_not_equal(fd = open(path, O_RDONLY), -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static inline off_t
file_size(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return -1;
	return st.st_size;
}

static inline const msgpack_object *
map_get(const msgpack_object *m, const char *key)
{
	uint32_t	i;

	assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR &&
		    k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	fail_msg("no key %s", key);
	return NULL;
}

static inline void
assert_str(const msgpack_object *o, const char *s)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_int_equal(o->via.str.size, strlen(s));
	assert_memory_equal(o->via.str.ptr, s, strlen(s));
}

static inline void
assert_uint(const msgpack_object *o, uint64_t v)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(o->via.u64 == v);
}


static inline void
append(const char *path, const void *p, size_t len)
{
	int	fd;

	assert_int_not_equal(fd = open(path, O_WRONLY | O_APPEND), -1);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}


/* Subscribers connected to the stream output now. */
static inline uint64_t
nsubs(const struct evt_fanout *s)
{
	struct evt_output_stats	st;

	assert_int_equal(evt_fanout_stats(s, "stream", &st), 0);
	return st.clients;
}

#endif /* BGPWATCH_TESTS_EVT_UTIL_H */
