#!/bin/sh
# make install, last step: the unprivileged user bgpwatchd runs as.  As
# root: creates it (a system user and group, no login, no home) when
# missing, gives it the state and runtime directories and lets its group
# read the configuration (root:USER 0640).  As non-root: says what to
# run instead.  Packages ship $(PREFIX)/lib/sysusers.d/bgpwatch.conf.
#   tools/mkuser.sh USER STATEDIR RUNDIR CONFFILE
U=$1 STATE=$2 RUN=$3 CONF=$4
if [ "$(id -u)" != 0 ]; then
	echo "install: not root, so no user was created; as root run:"
	echo "  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin $U"
	echo "  chown $U:$U $STATE $RUN; chgrp $U $CONF"
	exit 0
fi
if ! getent passwd "$U" >/dev/null; then
	nologin=/usr/sbin/nologin
	[ -x $nologin ] || nologin=/bin/false
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell $nologin "$U" || exit 1
	echo "install: created system user $U"
fi
chown "$U:$(id -gn "$U")" "$STATE" "$RUN" || exit 1
[ -f "$STATE/delegated-apnic-extended-latest" ] &&
    chown "$U:$(id -gn "$U")" "$STATE/delegated-apnic-extended-latest"
if [ -f "$CONF" ] && [ "$(stat -c %u "$CONF")" = 0 ]; then
	chgrp "$(id -gn "$U")" "$CONF" || exit 1
fi
exit 0
