/*
 * The message tap (msgtap.h): a short list of observers called in order.
 * A quiet observer gets state changes only; the tap counts the others,
 * so that an input can tell in one test that nobody takes its messages.
 */
#include <string.h>

#include "msgtap.h"

void
msgtap_init(struct msgtap *t)
{
	memset(t, 0, sizeof(*t));
}

static void
msgtap_count(struct msgtap *t)
{
	int i;

	for (i = t->nmsg = 0; i < t->nobs; i++)
		if (!t->obs[i].quiet && t->obs[i].message != NULL)
			t->nmsg++;
}

int
msgtap_add(struct msgtap *t, const struct tap_observer *o)
{
	if (t->nobs >= MSGTAP_MAX_OBS)
		return -1;
	t->obs[t->nobs++] = *o;
	msgtap_count(t);
	return 0;
}

void
msgtap_remove(struct msgtap *t, void *arg)
{
	int i, j;

	for (i = j = 0; i < t->nobs; i++)
		if (t->obs[i].arg != arg)
			t->obs[j++] = t->obs[i];
	t->nobs = j;
	msgtap_count(t);
}

void
msgtap_set_quiet(struct msgtap *t, void *arg, int quiet)
{
	int i;

	for (i = 0; i < t->nobs; i++)
		if (t->obs[i].arg == arg)
			t->obs[i].quiet = quiet;
	msgtap_count(t);
}

void
msgtap_message(const struct msgtap *t, const struct tap_peer *p,
    const struct tap_msg *m)
{
	int i;

	for (i = 0; t != NULL && i < t->nobs; i++)
		if (t->obs[i].message != NULL && !t->obs[i].quiet)
			t->obs[i].message(t->obs[i].arg, p, m);
}

void
msgtap_state(const struct msgtap *t, const struct tap_peer *p, double ts,
    int old_state, int new_state)
{
	int i;

	for (i = 0; t != NULL && i < t->nobs; i++)
		if (t->obs[i].state != NULL)
			t->obs[i].state(t->obs[i].arg, p, ts, old_state,
			    new_state);
}
