/*
 * bgpwatchctl neighbor ADDR down ["message"] | up | clear ["message"]:
 * session control without editing the configuration (OpenBGPD's bgpctl
 * neighbor commands).  down sends Cease/Administrative Shutdown with the
 * RFC 9003 shutdown communication and keeps the peer Idle until up;
 * clear sends Cease/Administrative Reset and lets it reconnect at once.
 * The message is the remaining words joined by single spaces, cut to
 * 255 bytes of UTF-8 when sent.  The state is the daemon's, not the
 * configuration's: a restart forgets it, a reload keeps it.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "control.h"
#include "control_priv.h"
#include "log.h"

#define CONTROL_MSG_MAX		512

/* The words argv[0..argc-1] joined by spaces into buf; NULL if none. */
static const char *
control_message(char **argv, int argc, char *buf, size_t len)
{
	size_t	n = 0;
	int	i;

	if (argc == 0)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < argc && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
		    argv[i]);
	return buf;
}

int
control_neighbor_cmd(struct control_client *c, int json, char **argv,
    int argc, char *err, size_t errlen)
{
	struct bw_addr	 addr;
	struct peer	*p;
	char		 msg[CONTROL_MSG_MAX];
	const char	*m, *what;

	if (argc < 2 || (strcmp(argv[1], "up") == 0 && argc != 2) ||
	    (strcmp(argv[1], "down") != 0 && strcmp(argv[1], "up") != 0 &&
	    strcmp(argv[1], "clear") != 0)) {
		snprintf(err, errlen, "usage: neighbor ADDRESS down [MESSAGE] "
		    "| neighbor ADDRESS up | neighbor ADDRESS clear [MESSAGE]");
		return -1;
	}
	if (addr_parse(argv[0], &addr) == -1) {
		snprintf(err, errlen, "bad neighbor address: %s", argv[0]);
		return -1;
	}
	if ((p = peer_find(&c->ctl->bgpd->peers, &addr)) == NULL) {
		snprintf(err, errlen, "no such neighbor: %s", argv[0]);
		return -1;
	}
	m = control_message(argv + 2, argc - 2, msg, sizeof(msg));
	what = argv[1];
	if (strcmp(what, "down") == 0)
		fsm_admin_down(p, m);
	else if (strcmp(what, "clear") == 0) {
		if (p->admin_down) {
			snprintf(err, errlen, "neighbor %s is administratively "
			    "down: neighbor %s up first", argv[0], argv[0]);
			return -1;
		}
		fsm_admin_clear(p, m);
	} else {
		if (p->conf->flags & CONF_NB_SHUTDOWN) {
			snprintf(err, errlen, "neighbor %s is shut down in the "
			    "configuration", argv[0]);
			return -1;
		}
		fsm_admin_up(p);
	}
	control_ok(c);
	if (json)
		evbuffer_add_printf(control_out(c), "{\"neighbor\":\"%s\","
		    "\"action\":\"%s\",\"state\":\"%s\"}\n", argv[0], what,
		    fsm_state_name(p->state));
	else
		evbuffer_add_printf(control_out(c), "neighbor %s: %s "
		    "(state %s)\n", argv[0], strcmp(what, "down") == 0 ?
		    "down" : strcmp(what, "up") == 0 ? "up" : "cleared",
		    fsm_state_name(p->state));
	control_finish(c);
	return 0;
}
