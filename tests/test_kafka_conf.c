/*
 * events { kafka { ... } } (bgpd/conf/parse_kafka.c): every keyword
 * parsed into struct config_kafka, the printconf round trip (parse ->
 * print -> parse gives an equal config and the same text), equality on
 * reload, and a table of invalid blocks with the exact "FILE:LINE:" of
 * the error.
 */
#define _GNU_SOURCE	/* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static const char full[] =
    "events {\n"
    "\tlog \"/var/lib/bgpwatch/events.mpk\"\n"
    "\tkafka {\n"
    "\t\tbrokers \"k1:9092,k2:9092\"\n"
    "\t\ttopic \"bgpwatch.events\"\n"
    "\t\tformat json\n"
    "\t\tstate \"/var/lib/bgpwatch/kafka.state\"\n"
    "\t\tqueue 5000\n"
    "\t\ttls ca \"/etc/ca.pem\" cert \"/etc/c.pem\" key \"/etc/k.pem\"\n"
    "\t\tsasl scram-sha-512 user \"bw\" password \"s\\\"ecret\"\n"
    "\t\toption \"linger.ms\" \"20\"; option \"client.id\" \"bw-1\"\n"
    "\t}\n"
    "}\n";

/* Parses text with the required globals appended (lines unchanged). */
static struct config *
parse(const char *text, struct config_errors *errs)
{
	static const char globals[] = "local-as 65000\nrouter-id 192.0.2.1\n";
	struct config	*c;
	char		*buf;

	if (strstr(text, "local-as") != NULL)
		return config_parse_buf("k.conf", text, strlen(text), errs);
	if (asprintf(&buf, "%s%s", text, globals) == -1)
		fail();
	memset(errs, 0, sizeof(*errs));
	c = config_parse_buf("k.conf", buf, strlen(buf), errs);
	free(buf);
	return c;
}

static char *
print(const struct config *c)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	config_print(fp, c);
	fclose(fp);
	return buf;
}

static void
test_kafka_full(void **state)
{
	struct config_errors	 errs;
	struct config		*c;
	const struct config_kafka *k;

	(void)state;
	c = parse(full, &errs);
	if (c == NULL)
		fail_msg("%s", errs.msg[0]);
	k = c->events.kafka;
	assert_non_null(k);
	assert_string_equal(k->brokers, "k1:9092,k2:9092");
	assert_string_equal(k->topic, "bgpwatch.events");
	assert_int_equal(k->format, CONF_KAFKA_JSON);
	assert_string_equal(k->state, "/var/lib/bgpwatch/kafka.state");
	assert_int_equal(k->queue, 5000);
	assert_int_equal(k->tls, 1);
	assert_string_equal(k->tls_ca, "/etc/ca.pem");
	assert_string_equal(k->tls_cert, "/etc/c.pem");
	assert_string_equal(k->tls_key, "/etc/k.pem");
	assert_string_equal(k->sasl_mech, "scram-sha-512");
	assert_string_equal(k->sasl_user, "bw");
	assert_string_equal(k->sasl_pass, "s\"ecret");
	assert_int_equal(k->nopts, 2);
	assert_string_equal(k->opt_name[1], "client.id");
	assert_string_equal(k->opt_value[1], "bw-1");
	config_free(c);
}

static void
test_kafka_defaults(void **state)
{
	struct config_errors	 errs;
	struct config		*c;

	(void)state;
	c = parse("events { kafka { brokers \"127.0.0.1:9092\"; "
	    "topic \"t\" } }\n", &errs);
	if (c == NULL)
		fail_msg("%s", errs.msg[0]);
	assert_int_equal(c->events.kafka->format, CONF_KAFKA_MSGPACK);
	assert_int_equal(c->events.kafka->queue, CONF_DEFAULT_KAFKA_QUEUE);
	assert_null(c->events.kafka->state);
	assert_int_equal(c->events.kafka->tls, 0);
	config_free(c);
	c = parse("events { log \"/tmp/x\" }\n", &errs);
	assert_non_null(c);
	assert_null(c->events.kafka);
	config_free(c);
}

static void
test_kafka_roundtrip(void **state)
{
	struct config_errors	 errs;
	struct config		*c1, *c2, *c3;
	char			*t1, *t2;

	(void)state;
	c1 = parse(full, &errs);
	assert_non_null(c1);
	t1 = print(c1);
	c2 = parse(t1, &errs);
	if (c2 == NULL)
		fail_msg("reprinted:\n%s\n%s", t1, errs.msg[0]);
	t2 = print(c2);
	assert_string_equal(t1, t2);
	assert_true(config_equal(c1, c2));
	assert_true(config_kafka_equal(c1->events.kafka, c2->events.kafka));
	/* A changed topic is a changed events block (reload). */
	c3 = parse("events { log \"/var/lib/bgpwatch/events.mpk\"\n"
	    "kafka { brokers \"k1:9092,k2:9092\"; topic \"other\" } }\n", &errs);
	assert_non_null(c3);
	assert_false(config_events_equal(&c1->events, &c3->events));
	assert_false(config_kafka_equal(c1->events.kafka, NULL));
	assert_true(config_kafka_equal(NULL, NULL));
	free(t1);
	free(t2);
	config_free(c1);
	config_free(c2);
	config_free(c3);
}

static void
test_kafka_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "events {\nkafka {\ntopic \"t\"\n}\n}\n",
		  "k.conf:2: kafka needs brokers and topic" },
		{ "events {\nkafka {\nbrokers \"b:1\"\ntopic \"a b\"\n}\n}\n",
		  "k.conf:4: invalid topic \"a b\"" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\nformat xml\n"
		  "}\n}\n", "k.conf:4: unknown format \"xml\" (msgpack or json)" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\nqueue 5\n}\n}\n",
		  "k.conf:4:" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\n"
		  "tls cert \"c\"\n}\n}\n", "k.conf:4: tls needs both cert and key" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\n"
		  "sasl gssapi user \"u\" password \"p\"\n}\n}\n",
		  "k.conf:4: unknown sasl mechanism \"gssapi\"" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\n"
		  "sasl plain user \"u\"\n}\n}\n",
		  "k.conf:4: sasl needs password" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\nbrokers \"c:1\"\n"
		  "}\n}\n", "k.conf:4: duplicate \"brokers\"" },
		{ "events {\nkafka { brokers \"b:1\"; topic \"t\" }\n}\n"
		  "events {\nkafka { brokers \"b:1\"; topic \"t\" }\n}\n",
		  "k.conf:5: duplicate kafka block (first at line 2)" },
		{ "events {\nkafka {\nbrokers \"b:1\"; topic \"t\"\nacks 1\n}\n}\n",
		  "k.conf:4: unknown keyword \"acks\" in kafka block" },
	};
	struct config_errors	 errs;
	struct config		*c;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = parse(bad[i].text, &errs);
		if (c != NULL)
			fail_msg("case %zu parsed", i);
		if (strncmp(errs.msg[0], bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    errs.msg[0], bad[i].err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kafka_full),
		cmocka_unit_test(test_kafka_defaults),
		cmocka_unit_test(test_kafka_roundtrip),
		cmocka_unit_test(test_kafka_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
