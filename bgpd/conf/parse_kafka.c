/*
 * events { kafka { ... } }: the Kafka output's settings (parse_priv.h),
 * and their free, compare and print, so that the shared config files
 * only call in here.  Grammar and meaning: docs/kafka.md.
 *
 *	kafka {
 *		brokers "k1:9092,k2:9092"
 *		topic "bgpwatch.events"
 *		format msgpack | json
 *		state "/var/lib/bgpwatch/events.mpk.kafka"
 *		queue 100000
 *		tls ca "CA.pem" [cert "C.pem" key "K.pem"]
 *		sasl plain|scram-sha-256|scram-sha-512 user "U" password "P"
 *		option "librdkafka.property" "value"
 *	}
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parse_priv.h"

#define KAFKA_STR_MAX	1024

static int
kf_brokers(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;

	return get_string(p, "brokers", KAFKA_STR_MAX, &k->brokers);
}

static int
kf_topic(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;
	char q[QBUF];
	size_t i, n;

	if (get_string(p, "topic", 249, &k->topic) == -1)
		return -1;
	/* Kafka's own rule for topic names. */
	n = strlen(k->topic);
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", k->topic[i]) == NULL)
			break;
	if (n == 0 || i < n || strcmp(k->topic, ".") == 0 ||
	    strcmp(k->topic, "..") == 0) {
		perr(p, p->tok.line, "invalid topic %s (letters, digits, "
		    "'.', '_', '-')", quote(k->topic, q, sizeof(q)));
		return -1;
	}
	return 0;
}

static int
kf_format(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, "format")) == NULL)
		return -1;
	if (strcmp(s, "msgpack") == 0)
		k->format = CONF_KAFKA_MSGPACK;
	else if (strcmp(s, "json") == 0)
		k->format = CONF_KAFKA_JSON;
	else {
		perr(p, p->tok.line, "unknown format %s (msgpack or json)",
		    quote(s, q, sizeof(q)));
		return -1;
	}
	return 0;
}

static int
kf_state(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;

	return get_string(p, "state path", PATH_MAX, &k->state);
}

static int
kf_queue(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;

	return get_u32(p, "queue", 100, 10000000, &k->queue);
}

static int
kf_tls(struct parser *p, void *arg)
{
	static const char *opts[] = { "ca", "cert", "key" };
	struct config_kafka *k = arg;
	char **dst[] = { &k->tls_ca, &k->tls_cert, &k->tls_key };
	struct token *t;
	char q[QBUF];
	int i;

	k->tls = 1;
	while ((t = peek(p))->type == TOK_WORD) {
		for (i = 0; i < 3; i++)
			if (strcmp(t->text, opts[i]) == 0)
				break;
		if (i == 3 || *dst[i] != NULL) {
			perr(p, t->line, "unexpected %s in \"tls\" (ca, cert "
			    "or key expected, each once)",
			    tok_desc(t, q, sizeof(q)));
			return -1;
		}
		next(p);
		if (i == 2)
			parse_secret_seen(p, "kafka tls key");
		if (get_string(p, opts[i], PATH_MAX, dst[i]) == -1)
			return -1;
	}
	if ((k->tls_cert == NULL) != (k->tls_key == NULL)) {
		perr(p, p->tok.line, "tls needs both cert and key, or neither");
		return -1;
	}
	return 0;
}

static int
kf_sasl(struct parser *p, void *arg)
{
	static const char *mechs[] = { "plain", "scram-sha-256",
	    "scram-sha-512" };
	struct config_kafka *k = arg;
	const char *s;
	char q[QBUF];
	size_t i;

	if ((s = get_arg(p, "sasl mechanism")) == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		if (strcmp(s, mechs[i]) == 0)
			break;
	if (i == 3) {
		perr(p, p->tok.line, "unknown sasl mechanism %s (plain, "
		    "scram-sha-256 or scram-sha-512)", quote(s, q, sizeof(q)));
		return -1;
	}
	if ((k->sasl_mech = strdup(s)) == NULL)
		fatal("kf_sasl");
	if (!accept_word(p, "user")) {
		perr(p, p->tok.line, "sasl needs user \"NAME\"");
		return -1;
	}
	if (get_string(p, "sasl user", KAFKA_STR_MAX, &k->sasl_user) == -1)
		return -1;
	parse_secret_seen(p, "sasl password");
	if (!accept_word(p, "password")) {
		perr(p, p->tok.line, "sasl needs password \"SECRET\"");
		return -1;
	}
	parse_secret_seen(p, "kafka sasl password");
	return get_string(p, "sasl password", KAFKA_STR_MAX, &k->sasl_pass);
}

static int
kf_option(struct parser *p, void *arg)
{
	struct config_kafka *k = arg;

	if (k->nopts == CONF_KAFKA_MAX_OPTIONS) {
		perr(p, p->tok.line, "more than %d kafka options",
		    CONF_KAFKA_MAX_OPTIONS);
		return -1;
	}
	if (get_string(p, "option name", 256, &k->opt_name[k->nopts]) == -1)
		return -1;
	if (get_string(p, "option value", KAFKA_STR_MAX,
	    &k->opt_value[k->nopts]) == -1) {
		free(k->opt_name[k->nopts]);
		k->opt_name[k->nopts] = NULL;
		return -1;
	}
	k->nopts++;
	return 0;
}

static const struct keyword kw_kafka[] = {
	{ "brokers",	kf_brokers,	KW_ONCE },
	{ "format",	kf_format,	KW_ONCE },
	{ "option",	kf_option,	0 },
	{ "queue",	kf_queue,	KW_ONCE },
	{ "sasl",	kf_sasl,	KW_ONCE },
	{ "state",	kf_state,	KW_ONCE },
	{ "tls",	kf_tls,		KW_ONCE },
	{ "topic",	kf_topic,	KW_ONCE },
	{ NULL,		NULL,		0 }
};

int
kw_kafka_block(struct parser *p, void *arg)
{
	struct config_events *ev = arg;
	struct config_kafka *k;
	int line = p->tok.line;

	if (ev->kafka != NULL) {
		perr(p, line, "duplicate kafka block (first at line %d)",
		    ev->kafka->line);
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("kw_kafka_block");
	k->queue = CONF_DEFAULT_KAFKA_QUEUE;
	k->line = line;
	ev->kafka = k;
	if (parse_block(p, kw_kafka, k, "kafka", line) == -1)
		return -1;
	if (k->brokers == NULL || k->topic == NULL) {
		perr(p, line, "kafka needs brokers and topic");
		return -1;
	}
	return 0;
}

void
config_kafka_free(struct config_kafka *k)
{
	size_t i;

	if (k == NULL)
		return;
	free(k->brokers);
	free(k->topic);
	free(k->state);
	free(k->tls_ca);
	free(k->tls_cert);
	free(k->tls_key);
	free(k->sasl_mech);
	free(k->sasl_user);
	free(k->sasl_pass);
	for (i = 0; i < k->nopts; i++) {
		free(k->opt_name[i]);
		free(k->opt_value[i]);
	}
	free(k);
}

static int
kf_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
config_kafka_equal(const struct config_kafka *a, const struct config_kafka *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (!kf_str_equal(a->brokers, b->brokers) ||
	    !kf_str_equal(a->topic, b->topic) || a->format != b->format ||
	    !kf_str_equal(a->state, b->state) || a->queue != b->queue ||
	    a->tls != b->tls || !kf_str_equal(a->tls_ca, b->tls_ca) ||
	    !kf_str_equal(a->tls_cert, b->tls_cert) ||
	    !kf_str_equal(a->tls_key, b->tls_key) ||
	    !kf_str_equal(a->sasl_mech, b->sasl_mech) ||
	    !kf_str_equal(a->sasl_user, b->sasl_user) ||
	    !kf_str_equal(a->sasl_pass, b->sasl_pass) || a->nopts != b->nopts)
		return 0;
	for (i = 0; i < a->nopts; i++)
		if (!kf_str_equal(a->opt_name[i], b->opt_name[i]) ||
		    !kf_str_equal(a->opt_value[i], b->opt_value[i]))
			return 0;
	return 1;
}

/* A quoted string as the lexer reads it back. */
static void
kf_print_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
kf_print_kv(FILE *fp, const char *key, const char *val)
{
	if (val == NULL)
		return;
	fprintf(fp, "\t\t%s ", key);
	kf_print_str(fp, val);
	fputc('\n', fp);
}

void
config_kafka_print(FILE *fp, const struct config_kafka *k)
{
	size_t i;

	if (k == NULL)
		return;
	fprintf(fp, "\tkafka {\n");
	kf_print_kv(fp, "brokers", k->brokers);
	kf_print_kv(fp, "topic", k->topic);
	fprintf(fp, "\t\tformat %s\n", k->format == CONF_KAFKA_JSON ?
	    "json" : "msgpack");
	kf_print_kv(fp, "state", k->state);
	fprintf(fp, "\t\tqueue %u\n", k->queue);
	if (k->tls) {
		fprintf(fp, "\t\ttls");
		if (k->tls_ca != NULL) {
			fprintf(fp, " ca ");
			kf_print_str(fp, k->tls_ca);
		}
		if (k->tls_cert != NULL) {
			fprintf(fp, " cert ");
			kf_print_str(fp, k->tls_cert);
			fprintf(fp, " key ");
			kf_print_str(fp, k->tls_key);
		}
		fputc('\n', fp);
	}
	if (k->sasl_mech != NULL) {
		fprintf(fp, "\t\tsasl %s user ", k->sasl_mech);
		kf_print_str(fp, k->sasl_user);
		fprintf(fp, " password ");
		kf_print_str(fp, k->sasl_pass);
		fputc('\n', fp);
	}
	for (i = 0; i < k->nopts; i++) {
		fprintf(fp, "\t\toption ");
		kf_print_str(fp, k->opt_name[i]);
		fputc(' ', fp);
		kf_print_str(fp, k->opt_value[i]);
		fputc('\n', fp);
	}
	fprintf(fp, "\t}\n");
}
