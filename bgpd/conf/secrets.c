/*
 * Secrets in the configuration: files that hold an `md5` key or name a
 * TLS private key must not be readable by anybody but their owner (as
 * OpenBGPD refuses a bgpd.conf with passwords that others can read).
 * The parser notes each file and line where it read a secret
 * (parse_secret_seen()); the daemon, bgpwatchd -n included, checks
 * those files with config_check_secrets() before it starts.  A file is
 * noted once: its first secret names the line in the message.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parse_priv.h"

void
parse_secret_seen(struct parser *p, const char *what)
{
	struct config		*conf = p->conf;
	struct config_secret	*s;
	const char		*file = cur_file(p);
	size_t			 i;

	for (i = 0; i < conf->nsecrets; i++)
		if (strcmp(conf->secrets[i].file, file) == 0)
			return;
	conf->secrets = grow(conf->secrets, conf->nsecrets + 1,
	    sizeof(*conf->secrets));
	s = &conf->secrets[conf->nsecrets++];
	if ((s->file = strdup(file)) == NULL)
		fatal("parse_secret_seen");
	s->line = p->tok.line;
	snprintf(s->what, sizeof(s->what), "%s", what);
}

void
config_secrets_free(struct config *conf)
{
	size_t	i;

	for (i = 0; i < conf->nsecrets; i++)
		free(conf->secrets[i].file);
	free(conf->secrets);
	conf->secrets = NULL;
	conf->nsecrets = 0;
}

int
config_check_secrets(const struct config *conf, uid_t owner, char *err,
    size_t errlen)
{
	const struct config_secret	*s;
	struct stat			 st;
	size_t				 i;

	for (i = 0; i < conf->nsecrets; i++) {
		s = &conf->secrets[i];
		if (stat(s->file, &st) == -1) {
			snprintf(err, errlen, "%s: %s", s->file,
			    strerror(errno));
			return -1;
		}
		if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			snprintf(err, errlen, "%s:%d: holds a secret (%s) but "
			    "the file is accessible by group or others (mode "
			    "%04o); refusing to start: chmod 600 %s",
			    s->file, s->line, s->what,
			    (unsigned int)(st.st_mode & 07777), s->file);
			return -1;
		}
		if (st.st_uid != 0 && st.st_uid != owner) {
			snprintf(err, errlen, "%s:%d: holds a secret (%s) but "
			    "is owned by uid %u, neither root nor the daemon's "
			    "user; refusing to start", s->file, s->line,
			    s->what, (unsigned int)st.st_uid);
			return -1;
		}
	}
	return 0;
}
