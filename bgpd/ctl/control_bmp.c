/*
 * show bmp (docs/bmp.md): the station's routers and monitored peers.
 */
#include <stdio.h>

#include "core.h"
#include "control.h"
#include "control_priv.h"
#include "view_bmp.h"

int
control_show_bmp(struct control_client *c, int json, char **argv, int argc,
    char *err, size_t errlen)
{
	struct view_bmp v;

	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show bmp");
		return -1;
	}
	if (view_bmp_gather(c->ctl->bgpd, &v) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	control_ok(c);
	if (json)
		view_bmp_json(&v, control_out(c));
	else
		view_bmp_text(&v, control_out(c));
	view_bmp_clear(&v);
	control_finish(c);
	return 0;
}
