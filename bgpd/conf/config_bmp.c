/*
 * The BMP station's configuration as data (config.h): defaults, freeing,
 * comparison and the canonical printing of the bmp { } block, kept out
 * of config.c and printconf.c so that the block is one place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void
config_bmp_init(struct config_bmp *b)
{
	memset(b, 0, sizeof(*b));
	b->max_message = CONF_DEFAULT_BMP_MAX_MSG;
	b->buffer = CONF_DEFAULT_BMP_BUFFER;
}

void
config_bmp_free(struct config_bmp *b)
{
	size_t i;

	for (i = 0; i < b->nrouters; i++)
		free(b->routers[i].descr);
	free(b->routers);
	free(b->listens);
	memset(b, 0, sizeof(*b));
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
config_bmp_equal(const struct config_bmp *a, const struct config_bmp *b)
{
	const struct config_bmp_router *x, *y;
	size_t i;

	if (a->nlistens != b->nlistens || a->nrouters != b->nrouters ||
	    a->max_message != b->max_message || a->buffer != b->buffer)
		return 0;
	if (a->nlistens > 0 && memcmp(a->listens, b->listens,
	    a->nlistens * sizeof(*a->listens)) != 0)
		return 0;
	for (i = 0; i < a->nrouters; i++) {
		x = &a->routers[i];
		y = &b->routers[i];
		if (memcmp(&x->addr, &y->addr, sizeof(x->addr)) != 0 ||
		    !str_eq(x->descr, y->descr) ||
		    x->max_routes != y->max_routes ||
		    x->max_peers != y->max_peers || x->views != y->views ||
		    x->connect_port != y->connect_port)
			return 0;
	}
	return 1;
}

const struct config_bmp_router *
config_bmp_find(const struct config_bmp *b, const struct bw_addr *a)
{
	size_t i;

	for (i = 0; i < b->nrouters; i++)
		if (memcmp(&b->routers[i].addr, a, sizeof(*a)) == 0)
			return &b->routers[i];
	return NULL;
}


static void
print_quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void
config_bmp_print(FILE *fp, const struct config_bmp *b)
{
	const struct config_bmp_router *r;
	char ab[BW_ADDR_STRLEN];
	size_t i;
	int v;

	if (b->nlistens == 0 && b->nrouters == 0)
		return;
	fprintf(fp, "\nbmp {\n");
	for (i = 0; i < b->nlistens; i++)
		fprintf(fp, "\tlisten on %s port %u\n",
		    addr_fmt(&b->listens[i].addr, ab, sizeof(ab)),
		    b->listens[i].port);
	fprintf(fp, "\tmax-message %u\n", b->max_message);
	fprintf(fp, "\tbuffer %llu\n", (unsigned long long)b->buffer);
	for (i = 0; i < b->nrouters; i++) {
		r = &b->routers[i];
		fprintf(fp, "\trouter %s {\n", addr_fmt(&r->addr, ab,
		    sizeof(ab)));
		if (r->descr != NULL) {
			fprintf(fp, "\t\tdescription ");
			print_quoted(fp, r->descr);
			fputc('\n', fp);
		}
		if (r->connect_port != 0)
			fprintf(fp, "\t\tconnect port %u\n", r->connect_port);
		if (r->max_routes != 0)
			fprintf(fp, "\t\tmax-routes %u\n", r->max_routes);
		fprintf(fp, "\t\tmax-peers %u\n", r->max_peers);
		fprintf(fp, "\t\tviews");
		for (v = 0; v < 8; v++)
			if (r->views & (1 << v))
				fprintf(fp, " %s",
				    config_bmp_view_name((uint8_t)(1 << v)));
		fprintf(fp, "\n\t}\n");
	}
	fprintf(fp, "}\n");
}
