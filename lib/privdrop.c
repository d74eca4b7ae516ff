/*
 * Dropping root for good.  The order matters: PR_SET_KEEPCAPS so that
 * setuid() keeps the permitted set, then the groups (setgroups must come
 * while we are still root), the gid, the uid (setres*id: real, effective
 * and saved alike, so nothing can switch back), then the capability sets
 * are cut down to CAP_NET_BIND_SERVICE alone (permitted and effective;
 * inheritable and ambient empty, so nothing we might exec inherits it).
 * Afterwards every id is read back, setuid(0) must fail and the
 * effective set must be exactly what we asked for: a drop that half
 * worked is reported as a failure, never ignored.
 */
#define _GNU_SOURCE	/* setresuid, getresuid */
#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/capability.h>

#include "privdrop.h"

int
privdrop_lookup(const char *name, struct privdrop_id *id, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "user %s: %s", name, errno ?
		    strerror(errno) : "no such user");
		return -1;
	}
	memset(id, 0, sizeof(*id));
	snprintf(id->name, sizeof(id->name), "%s", name);
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	if (id->uid == 0) {
		snprintf(err, errlen, "user %s: is root (uid 0); name an "
		    "unprivileged user", name);
		return -1;
	}
	return 0;
}

/* Permitted and effective: CAP_NET_BIND_SERVICE; the rest cleared. */
static int
privdrop_caps(char *err, size_t errlen)
{
	cap_value_t	 keep[] = { CAP_NET_BIND_SERVICE };
	cap_t		 caps;
	int		 rv = -1;

	if ((caps = cap_init()) == NULL)
		goto fail;
	if (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) == -1 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) == -1 ||
	    cap_set_proc(caps) == -1)
		goto fail;
	rv = 0;
	(void)cap_reset_ambient();
fail:
	if (rv == -1)
		snprintf(err, errlen, "keeping CAP_NET_BIND_SERVICE: %s",
		    strerror(errno));
	if (caps != NULL)
		cap_free(caps);
	return rv;
}

int
privdrop_can_bind_low(void)
{
	cap_flag_value_t	 v = CAP_CLEAR;
	cap_t			 caps;

	if ((caps = cap_get_proc()) == NULL)
		return 0;
	(void)cap_get_flag(caps, CAP_NET_BIND_SERVICE, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

/* Reads every id back; exactly CAP_NET_BIND_SERVICE may be left. */
static int
privdrop_verify(const struct privdrop_id *id, char *err, size_t errlen)
{
	uid_t		 ru, eu, su;
	gid_t		 rg, eg, sg, groups[2];
	cap_t		 caps, want;
	cap_value_t	 keep[] = { CAP_NET_BIND_SERVICE };
	int		 n, same;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		goto fail_errno;
	if (ru != id->uid || eu != id->uid || su != id->uid ||
	    rg != id->gid || eg != id->gid || sg != id->gid) {
		snprintf(err, errlen, "user %s: ids are uid %u/%u/%u gid "
		    "%u/%u/%u after the switch", id->name, (unsigned)ru,
		    (unsigned)eu, (unsigned)su, (unsigned)rg, (unsigned)eg,
		    (unsigned)sg);
		return -1;
	}
	if ((n = getgroups(2, groups)) == -1 || n > 1 ||
	    (n == 1 && groups[0] != id->gid)) {
		snprintf(err, errlen, "user %s: supplementary groups left",
		    id->name);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		snprintf(err, errlen, "user %s: root could be regained",
		    id->name);
		return -1;
	}
	if ((caps = cap_get_proc()) == NULL || (want = cap_init()) == NULL)
		goto fail_errno;
	cap_set_flag(want, CAP_PERMITTED, 1, keep, CAP_SET);
	cap_set_flag(want, CAP_EFFECTIVE, 1, keep, CAP_SET);
	same = cap_compare(caps, want) == 0;
	cap_free(caps);
	cap_free(want);
	if (!same) {
		snprintf(err, errlen, "user %s: capabilities other than "
		    "CAP_NET_BIND_SERVICE left", id->name);
		return -1;
	}
	return 0;
fail_errno:
	snprintf(err, errlen, "user %s: %s", id->name, strerror(errno));
	return -1;
}

int
privdrop_drop(const struct privdrop_id *id, char *err, size_t errlen)
{
	if (geteuid() == id->uid && getuid() == id->uid) {
		/* Started as the user (systemd User=): nothing to drop. */
		if (getegid() != id->gid && setresgid(id->gid, id->gid,
		    id->gid) == -1) {
			snprintf(err, errlen, "user %s: setresgid: %s",
			    id->name, strerror(errno));
			return -1;
		}
		return 1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "user %s: cannot switch to it: running "
		    "as uid %u, not root", id->name, (unsigned)geteuid());
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		goto fail;
	if (setgroups(1, &id->gid) == -1 ||
	    setresgid(id->gid, id->gid, id->gid) == -1 ||
	    setresuid(id->uid, id->uid, id->uid) == -1)
		goto fail;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		goto fail;
	if (privdrop_caps(err, errlen) == -1)
		return -1;
	return privdrop_verify(id, err, errlen);
fail:
	snprintf(err, errlen, "user %s: %s", id->name, strerror(errno));
	return -1;
}
