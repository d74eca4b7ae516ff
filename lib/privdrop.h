/*
 * Dropping root (lib/privdrop.c): `user NAME` in the configuration.
 * The daemon opens its listeners, control socket and files as root,
 * then becomes NAME for good, keeping only CAP_NET_BIND_SERVICE so that
 * a reload can still open a listener on a port below 1024.
 */
#ifndef BGPWATCH_PRIVDROP_H
#define BGPWATCH_PRIVDROP_H

#include <sys/types.h>

#include <stddef.h>

struct privdrop_id {
	char	 name[64];
	uid_t	 uid;
	gid_t	 gid;
};

/* Looks NAME up in the password database.  Returns 0, or -1 with err. */
int	privdrop_lookup(const char *name, struct privdrop_id *,
	    char *err, size_t errlen);
/*
 * Becomes id: setgroups (its primary group only), setgid, setuid, and
 * keeps CAP_NET_BIND_SERVICE permitted and effective (nothing else),
 * then verifies that no id is 0 and root cannot be regained.  When the
 * process already runs as id (systemd User=) it only checks.  Returns
 * 0, 1 if it already ran as id, or -1 with err set (the caller must
 * exit: the state is unknown).
 */
int	privdrop_drop(const struct privdrop_id *, char *err, size_t errlen);
/* 1 if CAP_NET_BIND_SERVICE is effective now, else 0. */
int	privdrop_can_bind_low(void);

#endif /* BGPWATCH_PRIVDROP_H */
