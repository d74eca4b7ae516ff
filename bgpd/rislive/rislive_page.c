/*
 * The status page (status.html beside this file: HTML and plain JS, no
 * build step, no external assets), linked into the binary as bytes so
 * that an installed daemon needs no data files.  It shows the regions
 * and peers and the live feed, all through the WebSocket stream.
 */
#include <stddef.h>
#include <string.h>

#include <event2/buffer.h>

#include "rislive.h"

__asm__(
    ".section .rodata\n"
    ".global rl_page_start\n"
    ".global rl_page_end\n"
    ".balign 16\n"
    "rl_page_start:\n"
    ".incbin \"bgpd/rislive/status.html\"\n"
    "rl_page_end:\n"
    ".byte 0\n"
    ".previous\n");

extern const char rl_page_start[];
extern const char rl_page_end[];

const char *
rislive_page(size_t *len)
{
	*len = (size_t)(rl_page_end - rl_page_start);
	return rl_page_start;
}

int
rislive_page_write(struct evbuffer *out, const char *ws_url)
{
	static const char mark[] = "@@WS@@";
	size_t len;
	const char *page = rislive_page(&len), *at;

	at = strstr(page, mark);
	if (at == NULL)
		return evbuffer_add(out, page, len);
	if (evbuffer_add(out, page, (size_t)(at - page)) != 0 ||
	    evbuffer_add(out, ws_url, strlen(ws_url)) != 0)
		return -1;
	at += sizeof(mark) - 1;
	return evbuffer_add(out, at, len - (size_t)(at - page));
}
