/*
 * libFuzzer target for the configuration parser (bgpd/conf): lexer,
 * every block, includes.  The input is up to four files separated by a
 * line "#@@": main.conf, a.conf, b.conf, c.conf, written to a private
 * directory, so `include "a.conf"` (and loops, depth, missing files)
 * work as for a real file.  A config that parses must print (printconf)
 * to text that parses again to an equal config.
 * Paths starting with '/' and ".." are defused (turned into '_') so that
 * the fuzzer reads only its own files.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define SEP		"\n#@@\n"

static char	dir[64];
static const char *const names[] = { "main.conf", "a.conf", "b.conf",
	"c.conf" };

static void
put(const char *name, const char *p, size_t len)
{
	char	path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (len > 0 && fwrite(p, 1, len, f) != len)
		abort();
	fclose(f);
	chmod(path, 0600);	/* may hold secrets (md5, sasl password) */
}

static char *
find_sep(char *p, char *end)
{
	size_t	n = strlen(SEP);

	for (; end - p >= (ptrdiff_t)n; p++)
		if (memcmp(p, SEP, n) == 0)
			return p;
	return NULL;
}

static void
defuse(char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '/' && (i == 0 || s[i - 1] == '"' ||
		    s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n'))
			s[i] = '_';
		if (s[i] == '.' && i + 1 < len && s[i + 1] == '.')
			s[i] = '_';
	}
}

static void
roundtrip(const struct config *conf)
{
	struct config_errors	 errs;
	struct config		*again;
	char			*text = NULL;
	size_t			 len = 0, i;
	FILE			*f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	config_print(f, conf);
	fclose(f);
	again = config_parse_buf("printed.conf", text, len, &errs);
	if (again == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "--- printed:\n%s", text);
		abort();
	}
	if (!config_equal(conf, again)) {
		fprintf(stderr, "--- printed, parses to another config:\n%s",
		    text);
		abort();
	}
	config_free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors	 errs;
	struct config		*conf;
	char			*buf, *p, *end, *sep, path[128];
	size_t			 i, n;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/bgpwatch-fuzzconf-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	if (size > 65536)
		return 0;
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	defuse(buf, size);
	p = buf;
	end = buf + size;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sep = i + 1 < sizeof(names) / sizeof(names[0]) ?
		    find_sep(p, end) : NULL;
		n = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
		put(names[i], p, n);
		p = sep != NULL ? sep + strlen(SEP) : end;
	}
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	conf = config_parse(path, &errs);
	if (conf == NULL) {
		CHECK(errs.n > 0);
		for (i = 0; i < errs.n; i++)
			CHECK(strnlen(errs.msg[i], CONF_ERRMSG_MAX) <
			    CONF_ERRMSG_MAX);
	} else {
		CHECK(errs.n == 0);
		roundtrip(conf);
		(void)config_collector_id(conf);
		config_free(conf);
	}
	free(buf);
	return 0;
}
