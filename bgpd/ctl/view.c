/*
 * Helpers shared by the views (view_*.c): time spans as bgpctl prints
 * them, family names as keys and labels, counter sums.  The views
 * themselves are one file each: gather the daemon's state into a plain
 * struct once, then render it as text, JSON or metrics (bgpd/ctl/view.h).
 */
#include <stdio.h>

#include "view.h"

char *
view_timeframe(long long t, char *buf, size_t len)
{
	long long	sec, min, hrs, day, week;

	if (t < 0) {
		snprintf(buf, len, "Never");
		return buf;
	}
	week = t / (7 * 86400);
	day = t / 86400 % 7;
	hrs = t / 3600 % 24;
	min = t / 60 % 60;
	sec = t % 60;
	if (t < 86400)
		snprintf(buf, len, "%02lld:%02lld:%02lld", hrs, min, sec);
	else if (t < 7 * 86400)
		snprintf(buf, len, "%lldd%02lldh%02lldm", day, hrs, min);
	else
		snprintf(buf, len, "%02lldw%01lldd%02lldh", week, day, hrs);
	return buf;
}

const char *
view_aid_key(uint8_t aid)
{
	return aid == AID_INET ? "ipv4" : "ipv6";
}

uint64_t
view_sum(const uint64_t *v, size_t n)
{
	uint64_t	s = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}
