/*
 * NETCONF message guard (see nc_guard.h).
 *
 * One thread per session, one poll() over the client's socket and our end
 * of a socketpair whose other end libnetconf2 owns. Client messages are
 * read whole (bounded by struct er_nc_limits: a message over the limit is
 * counted and dropped as it arrives), checked, and written on in the
 * same framing; libnetconf2's output is copied through as it comes, and a
 * framing tracker finds its message boundaries so a reply of our own goes
 * out between two messages, after the replies it must follow. Both
 * directions are bounded (GUARD_HIGH): a client that does not read stops
 * the guard reading libnetconf2, which then blocks in its own session
 * thread as it would on the client's socket.
 */
#include "nc_guard.h"
#include "privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libyang/libyang.h>

#include "util.h"

#define NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
#define CAP_BASE11 "urn:ietf:params:netconf:base:1.1"
#define EOM "]]>]]>"
#define GUARD_DROP_HEAD 4096 /* bytes of a dropped message kept, for its <rpc> attributes */
#define GUARD_KEEP ((size_t)1 << 20) /* buffers larger than this are freed once empty */
#define XML_LOOKUP_LIMIT 10000000 /* libxml2's XML_MAX_LOOKUP_LIMIT: larger input needs XML_PARSE_HUGE */
#define GUARD_HIGH ((size_t)256 << 10)    /* queued bytes per direction before reading stops */
#define GUARD_READ (64 * 1024)
#define GUARD_HEAD 512          /* bytes of each libnetconf2 message kept to name its root */
#define GUARD_HELLO_MAX (1 << 20)
#define GUARD_DRAIN_MS 2000     /* after libnetconf2 closed: time left to flush to the client */
#define GUARD_CHUNK (64 * 1024) /* chunks of a message the guard frames itself */
#define GUARD_HOLD (256 * 1024) /* how far into a message a splice marker is looked for */

/* ------------------------------------------------------------------ */
/* RFC 6242 framing, one direction */

enum fr_state { FR_LF, FR_HASH, FR_SIZE0, FR_SIZE, FR_DATA, FR_ENDLF };

struct framer {
	bool chunked;
	enum fr_state st;
	int eom;          /* ]]>]]>: characters matched so far */
	uint64_t n;       /* chunk size being read / data bytes left */
};

typedef void (*fr_data_fn)(void *arg, const char *d, size_t n);

/* KMP failure function of "]]>]]>" */
static const int eom_fail[6] = { 0, 1, 0, 1, 2, 3 };

/*
 * Feed @p len bytes: message content goes to @p data. Stops after a message
 * end (*end set). Returns the bytes consumed, or -1 on a framing error.
 */
static ssize_t
fr_feed(struct framer *f, const char *in, size_t len, fr_data_fn data, void *arg, bool *end)
{
	size_t i = 0;

	*end = false;
	if (!f->chunked) {
		while (i < len) {
			if (f->eom == 0) {
				const char *q = memchr(in + i, ']', len - i);
				size_t k = q ? (size_t)(q - in) : len;
				data(arg, in + i, k - i);
				i = k;
				if (i == len)
					break;
			}
			char c = in[i++];
			while (f->eom > 0 && c != EOM[f->eom]) {
				int nm = eom_fail[f->eom - 1];
				data(arg, EOM, (size_t)(f->eom - nm));
				f->eom = nm;
			}
			if (c == EOM[f->eom]) {
				if (++f->eom == 6) {
					f->eom = 0;
					*end = true;
					return (ssize_t)i;
				}
			} else
				data(arg, &c, 1);
		}
		return (ssize_t)i;
	}
	while (i < len) {
		char c = in[i];
		switch (f->st) {
		case FR_LF:
			if (c != '\n')
				return -1;
			f->st = FR_HASH;
			i++;
			break;
		case FR_HASH:
			if (c != '#')
				return -1;
			f->st = FR_SIZE0;
			i++;
			break;
		case FR_SIZE0:
			if (c == '#')
				f->st = FR_ENDLF;
			else if (c >= '1' && c <= '9') {
				f->n = (uint64_t)(c - '0');
				f->st = FR_SIZE;
			} else
				return -1;
			i++;
			break;
		case FR_SIZE:
			if (c == '\n')
				f->st = FR_DATA;
			else if (c >= '0' && c <= '9' && (f->n = f->n * 10 + (uint64_t)(c - '0')) <= 4294967295ULL)
				;
			else
				return -1;
			i++;
			break;
		case FR_DATA: {
			size_t k = len - i < f->n ? len - i : (size_t)f->n;
			data(arg, in + i, k);
			i += k;
			if (!(f->n -= k))
				f->st = FR_LF;
			break;
		}
		case FR_ENDLF:
			if (c != '\n')
				return -1;
			f->st = FR_LF;
			*end = true;
			return (ssize_t)i + 1;
		}
	}
	return (ssize_t)i;
}

static void
fr_add_frame(struct er_buf *out, bool chunked, const char *msg, size_t n)
{
	char h[32];

	if (chunked) {
		if (n) {
			int k = snprintf(h, sizeof(h), "\n#%zu\n", n);
			er_buf_add(out, h, (size_t)k);
			er_buf_add(out, msg, n);
		}
		er_buf_add(out, "\n##\n", 4);
	} else {
		er_buf_add(out, msg, n);
		er_buf_add(out, EOM, 6);
	}
}

/* ------------------------------------------------------------------ */
/* checking a message */

static void
esc_add(struct er_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			er_buf_add(b, "&amp;", 5);
			break;
		case '<':
			er_buf_add(b, "&lt;", 4);
			break;
		case '>':
			er_buf_add(b, "&gt;", 4);
			break;
		case '"':
			er_buf_add(b, "&quot;", 6);
			break;
		default:
			er_buf_add(b, s + i, 1);
		}
	}
}

/* An attribute value from libxml2's SAX2 without entity substitution: it hands '&' on as "&#38;". */
static void
esc_attr_add(struct er_buf *b, const char *s, size_t n)
{
	size_t i = 0, st = 0;

	for (; i < n; i++)
		if (s[i] == '&' && n - i >= 5 && !memcmp(s + i, "&#38;", 5)) {
			esc_add(b, s + st, i - st);
			er_buf_add(b, "&amp;", 5);
			st = i + 5;
			i += 4;
		}
	esc_add(b, s + st, n - st);
}

static void
str_add(struct er_buf *b, const char *s)
{
	er_buf_add(b, s, strlen(s));
}

struct chk {
	int depth;
	bool root_seen, has_mid, doctype;
	char root[64], root_ns[256];
	bool root_ns_set;
	struct er_buf attrs; /* the <rpc> attributes, as they go on <rpc-reply> */
	char decl[8][64];    /* prefixes declared in attrs */
	int n_decl;
	bool bad_op;
	char bad_op_elem[64], bad_op_val[64];
	bool err_set;
	char err[256];
	char open[8][64]; /* names of the innermost open elements, by depth % 8 */
	/* the content of the operation's <config> (anyxml): bytes [cfg_from, cfg_to) of the message */
	xmlParserCtxtPtr p;
	const char *msg;
	size_t len;
	int cfg_depth;
	long cfg_from, cfg_to;
	/* hello parsing */
	bool in_cap, base11, in_sid;
	struct er_buf cap;
	unsigned long sid;
};

static bool
op_value_ok(const char *v, size_t n)
{
	static const char *const ok[] = { "merge", "replace", "create", "delete", "remove" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == n && !memcmp(ok[i], v, n))
			return true;
	return false;
}

static void
sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nb_ns, const xmlChar **ns,
    int nb_attr, int nb_def, const xmlChar **attr)
{
	struct chk *c = ctx;

	(void)prefix;
	(void)nb_ns;
	(void)ns;
	(void)nb_def;
	if (c->depth == 0 && !c->root_seen) {
		c->root_seen = true;
		snprintf(c->root, sizeof(c->root), "%s", (const char *)local);
		c->root_ns_set = uri != NULL;
		snprintf(c->root_ns, sizeof(c->root_ns), "%s", uri ? (const char *)uri : "");
		for (int i = 0; i < nb_attr; i++) {
			const char *al = (const char *)attr[5 * i], *ap = (const char *)attr[5 * i + 1],
				   *au = (const char *)attr[5 * i + 2], *vs = (const char *)attr[5 * i + 3],
				   *ve = (const char *)attr[5 * i + 4];
			if (!au && !strcmp(al, "message-id"))
				c->has_mid = true;
			/*
			 * The reply repeats these: a name libxml2 let through in a
			 * message that is not namespace-well-formed (an unbound
			 * prefix, "a:b:c") would make the reply malformed too.
			 */
			if (xmlValidateNCName((const xmlChar *)al, 0) || (ap && (!au || xmlValidateNCName((const xmlChar *)ap, 0))))
				continue;
			bool declare = ap && strcmp(ap, "xml");
			/* each prefix is declared once on the reply, however many attributes use it */
			for (int k = 0; declare && k < c->n_decl; k++)
				if (!strcmp(c->decl[k], ap))
					declare = false;
			if (declare) {
				if (c->n_decl == (int)(sizeof(c->decl) / sizeof(c->decl[0])) || strlen(ap) >= sizeof(c->decl[0]))
					continue;
				snprintf(c->decl[c->n_decl++], sizeof(c->decl[0]), "%s", ap);
			}
			er_buf_add(&c->attrs, " ", 1);
			if (declare) {
				str_add(&c->attrs, "xmlns:");
				str_add(&c->attrs, ap);
				str_add(&c->attrs, "=\"");
				esc_add(&c->attrs, au, strlen(au));
				str_add(&c->attrs, "\" ");
			}
			if (ap) {
				str_add(&c->attrs, ap);
				er_buf_add(&c->attrs, ":", 1);
			}
			str_add(&c->attrs, al);
			str_add(&c->attrs, "=\"");
			esc_attr_add(&c->attrs, vs, (size_t)(ve - vs));
			er_buf_add(&c->attrs, "\"", 1);
		}
	}
	for (int i = 0; i < nb_attr && !c->bad_op; i++) {
		const char *al = (const char *)attr[5 * i], *au = (const char *)attr[5 * i + 2],
			   *vs = (const char *)attr[5 * i + 3], *ve = (const char *)attr[5 * i + 4];
		if (au && !strcmp(au, NS_BASE) && !strcmp(al, "operation") && !op_value_ok(vs, (size_t)(ve - vs))) {
			c->bad_op = true;
			snprintf(c->bad_op_elem, sizeof(c->bad_op_elem), "%s", (const char *)local);
			snprintf(c->bad_op_val, sizeof(c->bad_op_val), "%.*s", (int)(ve - vs), vs);
		}
	}
	snprintf(c->open[c->depth % 8], sizeof(c->open[0]), "%s", (const char *)local);
	if (c->depth >= 2 && !c->cfg_from && c->p && uri && !strcmp((const char *)uri, NS_BASE) &&
	    !strcmp((const char *)local, "config")) {
		/* the parser stands at the start tag's '>' (or "/>"), after its attributes */
		long at = xmlByteConsumed(c->p);
		const char *gt = at >= 0 && (size_t)at < c->len ? memchr(c->msg + at, '>', c->len - (size_t)at) : NULL;
		c->cfg_from = gt ? gt - c->msg + 1 : 0;
		c->cfg_depth = c->depth;
	}
	if (!strcmp((const char *)local, "capability") || !strcmp((const char *)local, "session-id")) {
		c->in_cap = true;
		c->in_sid = local[0] == 's';
		c->cap.len = c->cap.off = 0;
	}
	c->depth++;
}

static void
sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct chk *c = ctx;

	(void)local;
	(void)prefix;
	(void)uri;
	c->depth--;
	if (c->cfg_from > 0 && !c->cfg_to && c->depth == c->cfg_depth) {
		/* the parser is just after </config>: its '<' ends the content (none if it is the start tag's) */
		long e = xmlByteConsumed(c->p) - 1;
		if (e >= (long)c->len)
			e = (long)c->len - 1;
		while (e > 0 && c->msg[e] != '<')
			e--;
		c->cfg_to = e >= c->cfg_from ? e : c->cfg_from;
	}
	if (c->in_cap) {
		/* an empty <capability/> leaves the buffer unallocated: no pointer arithmetic on NULL */
		const char *s = c->cap.p ? c->cap.p + c->cap.off : "";
		size_t n = c->cap.len;
		while (n && strchr(" \t\r\n", *s)) {
			s++;
			n--;
		}
		while (n && strchr(" \t\r\n", s[n - 1]))
			n--;
		if (c->in_sid) {
			char num[16];
			snprintf(num, sizeof(num), "%.*s", (int)(n < 15 ? n : 15), s);
			c->sid = strtoul(num, NULL, 10);
		} else if (n == strlen(CAP_BASE11) && !memcmp(s, CAP_BASE11, n))
			c->base11 = true;
		c->in_cap = false;
	}
}

static void
sax_chars(void *ctx, const xmlChar *s, int n)
{
	struct chk *c = ctx;

	if (c->in_cap && c->cap.len < 4096)
		er_buf_add(&c->cap, s, (size_t)n);
}

static void
sax_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name;
	(void)ext;
	(void)sys;
	((struct chk *)ctx)->doctype = true;
}

static void
sax_error(void *ctx, const xmlError *e)
{
	struct chk *c = ctx;
	size_t n;

	if (c->err_set || !e || e->level < XML_ERR_ERROR)
		return;
	c->err_set = true;
	if (e->code == XML_ERR_DOCUMENT_END && c->depth > 0) /* libxml2's words for it in push mode mislead */
		snprintf(c->err, sizeof(c->err), "line %d, column %d: the message ends before </%s>", e->line, e->int2,
		    c->open[(c->depth - 1) % 8]);
	else
		snprintf(c->err, sizeof(c->err), "line %d, column %d: %s", e->line, e->int2,
		    e->message ? e->message : "error");
	n = strlen(c->err);
	while (n && c->err[n - 1] == '\n')
		c->err[--n] = '\0';
}

/* Parse @p msg into @p c; false if it is not well-formed. */
static bool
chk_parse(struct chk *c, const char *msg, size_t len)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr p;
	bool ok;

	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_chars;
	sax.internalSubset = sax_doctype;
	sax.externalSubset = sax_doctype;
	sax.serror = (xmlStructuredErrorFunc)sax_error;
	c->msg = msg;
	c->len = len;
	if (!(p = c->p = xmlCreatePushParserCtxt(&sax, c, NULL, 0, NULL))) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		c->err_set = true;
		return false;
	}
	/*
	 * Without XML_PARSE_HUGE libxml2 refuses input over 10,000,000 bytes
	 * ("Huge input lookup"). The message size is bounded by
	 * max-message-size before it gets here, so lift libxml2's own limit
	 * only when the message needs it (HUGE also relaxes its depth limit).
	 */
	xmlCtxtUseOptions(p, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
	    (len > XML_LOOKUP_LIMIT ? XML_PARSE_HUGE : 0));
	while (len > INT32_MAX / 2) { /* xmlParseChunk takes an int */
		xmlParseChunk(p, msg, INT32_MAX / 2, 0);
		msg += INT32_MAX / 2;
		len -= INT32_MAX / 2;
	}
	xmlParseChunk(p, msg, (int)len, 1);
	ok = p->wellFormed && p->nsWellFormed;
	if (p->myDoc) /* libxml2 makes one to hold the entities of a DOCTYPE */
		xmlFreeDoc(p->myDoc);
	xmlFreeParserCtxt(p);
	c->p = NULL;
	if (!ok && !c->err_set) {
		snprintf(c->err, sizeof(c->err), "not well-formed");
		c->err_set = true;
	}
	return ok;
}

static void
chk_free(struct chk *c)
{
	er_buf_free(&c->attrs);
	er_buf_free(&c->cap);
}

/*
 * The <rpc> attributes repeated on a reply must make a well-formed start
 * tag: a malformed message can still bring two of the same name, or a
 * prefix declared twice. If they do not, the reply goes without them.
 */
static bool
attrs_ok(const struct chk *c)
{
	struct er_buf t = { 0 };
	xmlDocPtr doc;

	str_add(&t, "<r xmlns=\"" NS_BASE "\"");
	er_buf_add(&t, c->attrs.p + c->attrs.off, c->attrs.len);
	str_add(&t, "/>");
	doc = xmlReadMemory(t.p + t.off, (int)t.len, NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING);
	er_buf_free(&t);
	xmlFreeDoc(doc);
	return doc != NULL;
}

static char *
reply_at(struct chk *c, const char *type, const char *tag, const char *path, const char *info, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static char *
reply_at(struct chk *c, const char *type, const char *tag, const char *path, const char *info, const char *fmt, ...)
{
	struct er_buf b = { 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	str_add(&b, "<rpc-reply xmlns=\"" NS_BASE "\"");
	if (c->attrs.len && attrs_ok(c))
		er_buf_add(&b, c->attrs.p + c->attrs.off, c->attrs.len);
	str_add(&b, "><rpc-error><error-type>");
	str_add(&b, type);
	str_add(&b, "</error-type><error-tag>");
	str_add(&b, tag);
	str_add(&b, "</error-tag><error-severity>error</error-severity>");
	if (path) {
		str_add(&b, "<error-path>");
		esc_add(&b, path, strlen(path));
		str_add(&b, "</error-path>");
	}
	str_add(&b, "<error-message xml:lang=\"en\">");
	esc_add(&b, msg, strlen(msg));
	str_add(&b, "</error-message>");
	if (info) {
		str_add(&b, "<error-info>");
		str_add(&b, info);
		str_add(&b, "</error-info>");
	}
	str_add(&b, "</rpc-error></rpc-reply>");
	er_buf_add(&b, "", 1);
	if (b.off)
		memmove(b.p, b.p + b.off, b.len);
	return b.p;
}

#define reply(c, type, tag, info, ...) reply_at(c, type, tag, NULL, info, __VA_ARGS__)

/*
 * Parse @p msg as libnetconf2 will (lyd_parse_op, LYD_TYPE_RPC_NETCONF): if
 * libyang refuses it, libnetconf2 would answer operation-failed whatever the
 * fault. Returns NULL if it parses, else the reply RFC 6241 asks for.
 */
static char *
yang_check(struct chk *c, const struct ly_ctx *ctx, const char *msg, char *why, size_t whylen)
{
	struct ly_in *in = NULL;
	struct lyd_node *envp = NULL, *op = NULL;
	uint32_t opts = LY_LOSTORE_LAST;
	const struct ly_err_item *e;
	char a[128], b[128], info[512], *r = NULL;
	LY_ERR rc = LY_EMEM;

	ly_temp_log_options(&opts); /* the client's fault goes to the client, not the log */
	if (ly_in_new_memory(msg, &in) == LY_SUCCESS)
		rc = lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &envp, &op);
	ly_in_free(in, 0);
	lyd_free_all(envp);
	lyd_free_all(op);
	if (rc == LY_SUCCESS)
		goto out;
	e = ly_err_last(ctx);
	const char *m = e && e->msg ? e->msg : "cannot parse the request", *path = NULL;
	char pbuf[512];
	/* libyang 2.1 words it 'Data location "/ietf-netconf:get-config/source", line number 1.' */
	if (e && e->path && sscanf(e->path, "Data location \"%511[^\"]\"", pbuf) == 1)
		path = pbuf;
	snprintf(why, whylen, "%s", m);
	if (sscanf(m, "Node \"%127[^\"]\" not found as a child of \"%127[^\"]\" node.", a, b) == 2 ||
	    sscanf(m, "Unexpected child element \"%127[^\"]\".", a) == 1) {
		snprintf(info, sizeof(info), "<bad-element>%s</bad-element>", a);
		r = reply_at(c, "protocol", "unknown-element", path, info, "%s", m);
	} else if (sscanf(m, "Node \"%127[^\"]\" not found in the \"%127[^\"]\" module.", a, b) == 2)
		r = reply_at(c, "protocol", "operation-not-supported", path, NULL, "unknown operation <%s> of module %s",
		    a, b);
	else if (sscanf(m, "No module with namespace \"%127[^\"]\" in the context.", a) == 1) {
		struct er_buf i = { 0 };
		str_add(&i, "<bad-namespace>");
		esc_add(&i, a, strlen(a));
		str_add(&i, "</bad-namespace>");
		er_buf_add(&i, "", 1);
		r = reply_at(c, "protocol", "unknown-namespace", path, i.p, "%s", m);
		er_buf_free(&i);
	} else if (!strncmp(m, "Invalid ", 8) && strstr(m, " value \""))
		r = reply_at(c, "protocol", "invalid-value", path, NULL, "%s", m);
	else if (sscanf(m, "Mandatory node \"%127[^\"]\"", a) == 1 || sscanf(m, "Mandatory choice \"%127[^\"]\"", a) == 1) {
		snprintf(info, sizeof(info), "<bad-element>%s</bad-element>", a);
		r = reply_at(c, "protocol", "missing-element", path, info, "%s", m);
	} else if (!strcmp(m, "Missing the operation node."))
		r = reply_at(c, "rpc", "missing-element", path, NULL, "%s", "the <rpc> holds no operation");
	else
		r = reply_at(c, "application", "operation-failed", path, NULL, "%s", m);
out:
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	ly_temp_log_options(NULL);
	return r;
}

char *
er_nc_guard_check(const char *msg, size_t len, bool base11, const struct ly_ctx *ctx, bool *skip, char *why,
    size_t whylen)
{
	struct chk c;
	char *r = NULL;
	struct er_buf info = { 0 };

	*skip = false;
	while (len && strchr(" \t\r\n", *msg)) {
		msg++;
		len--;
	}
	if (!len) {
		*skip = true;
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	if (!chk_parse(&c, msg, len)) {
		/* RFC 6241 appendix A: malformed-message is base:1.1 only */
		snprintf(why, whylen, "malformed XML (%s)", c.err);
		r = reply(&c, "rpc", base11 ? "malformed-message" : "operation-failed", NULL,
		    "the message is not well-formed XML: %s", c.err);
	} else if (c.doctype) {
		snprintf(why, whylen, "DOCTYPE in a message");
		r = reply(&c, "rpc", base11 ? "malformed-message" : "operation-failed", NULL, "%s",
		    "a NETCONF message must not contain a document type declaration");
	} else if (strcmp(c.root, "rpc")) {
		snprintf(why, whylen, "root element <%s>", c.root);
		str_add(&info, "<bad-element>");
		esc_add(&info, c.root, strlen(c.root));
		str_add(&info, "</bad-element>");
		er_buf_add(&info, "", 1);
		r = reply(&c, "rpc", "unknown-element", info.p,
		    "expected <rpc> in namespace " NS_BASE ", got <%s>%s%s", c.root, c.root_ns_set ? " in namespace " : "",
		    c.root_ns_set ? c.root_ns : " with no namespace");
	} else if (strcmp(c.root_ns, NS_BASE)) {
		snprintf(why, whylen, "<rpc> in namespace \"%s\"", c.root_ns);
		str_add(&info, "<bad-element>rpc</bad-element><bad-namespace>");
		esc_add(&info, c.root_ns, strlen(c.root_ns));
		str_add(&info, "</bad-namespace>");
		er_buf_add(&info, "", 1);
		r = reply(&c, "protocol", "unknown-namespace", info.p, "<rpc> must be in namespace " NS_BASE "%s%s%s",
		    c.root_ns_set ? ", not \"" : ", it has none", c.root_ns_set ? c.root_ns : "", c.root_ns_set ? "\"" : "");
	} else if (!c.has_mid) {
		snprintf(why, whylen, "<rpc> without message-id");
		r = reply(&c, "rpc", "missing-attribute",
		    "<bad-attribute>message-id</bad-attribute><bad-element>rpc</bad-element>", "%s",
		    "<rpc> has no message-id attribute (RFC 6241 4.1)");
	} else if (c.bad_op) {
		snprintf(why, whylen, "operation=\"%s\"", c.bad_op_val);
		str_add(&info, "<bad-attribute>operation</bad-attribute><bad-element>");
		esc_add(&info, c.bad_op_elem, strlen(c.bad_op_elem));
		str_add(&info, "</bad-element>");
		er_buf_add(&info, "", 1);
		r = reply(&c, "protocol", "bad-attribute", info.p,
		    "operation \"%s\" on <%s> is not one of merge, replace, create, delete, remove", c.bad_op_val,
		    c.bad_op_elem);
	} else if (ctx) {
		/*
		 * libyang reads up to a NUL. The <config> content is anyxml to it:
		 * well-formed (libxml2 just said so) and not checked against a
		 * schema, so it is left out; for a large edit that is nearly all
		 * the parsing.
		 */
		char *z = NULL;
		if (c.cfg_to > c.cfg_from && (size_t)c.cfg_to <= len) {
			size_t a = (size_t)c.cfg_from, b = (size_t)c.cfg_to;
			z = xcalloc(1, len - (b - a) + 1);
			memcpy(z, msg, a);
			memcpy(z + a, msg + b, len - b);
		} else if (msg[len])
			z = strndup(msg, len);
		r = yang_check(&c, ctx, z ? z : msg, why, whylen);
		free(z);
	}
	er_buf_free(&info);
	chk_free(&c);
	return r;
}

/* base:1.1 offered in a hello message? Its session-id, if any, in @p sid. */
static bool
hello_base11(const char *msg, size_t len, uint32_t *sid)
{
	struct chk c;
	bool r;

	memset(&c, 0, sizeof(c));
	chk_parse(&c, msg, len);
	r = c.base11;
	if (sid)
		*sid = (uint32_t)c.sid;
	chk_free(&c);
	return r;
}

/* ------------------------------------------------------------------ */
/* the relay */

struct inj {
	struct inj *next;
	uint64_t after; /* replies libnetconf2 must have sent first */
	char *msg;      /* framed */
	size_t len;
};

enum drop { DROP_NONE = 0, DROP_TOO_BIG, DROP_NO_ROOM };

struct er_nc_guard {
	int cfd, sfd;
	pthread_t th;
	struct er_nc_limits *lim, own_lim;
	/* the message being read is dropped (why), dropped bytes counted; bytes held of lim->used */
	enum drop drop;
	uint64_t dropped;
	struct er_buf drop_head; /* the first bytes of a dropped message, for its <rpc> attributes */
	size_t held_msg, held_fwd; /* in msg; forwarded into to_srv and not yet taken by libnetconf2 */
	er_nc_guard_bad_fn bad;
	void *arg;
	const volatile bool *stop;
	const struct ly_ctx *ctx;
	bool transparent; /* libnetconf2's framing not understood: stop tracking it */
	/* client -> libnetconf2 */
	struct framer fin;
	bool in_hello, client11, in_wait; /* in_wait: hello passed, the server's not seen yet */
	struct er_buf rd;                    /* read from the client, not yet framed */
	struct er_buf msg;                   /* the message being read */
	struct er_buf to_srv;
	bool cli_eof, srv_shut;
	uint64_t forwarded;
	/* libnetconf2 -> client */
	struct framer fout;
	bool out_hello, server11, out_mode_set, out_mid;
	uint32_t sid; /* from libnetconf2's hello */
	struct er_buf head; /* start of the current message */
	struct er_buf to_cli;
	bool srv_eof, srv_hup, cli_dead;
	uint64_t replies;
	struct inj *q, **qt;
	/* splicing (er_nc_guard_splice) */
	pthread_mutex_t sp_lock;
	struct er_nc_text *sp_text; /* pending, under sp_lock */
	char sp_marker[64];
	enum { OUT_PASS, OUT_HOLD, OUT_REFRAME } omode; /* the current message */
	struct er_nc_text *cur_text;
	char cur_marker[64];
	struct er_buf hold; /* content of a message the guard frames itself */
	/*
	 * A spliced text goes to the client from where it is, a chunk at a
	 * time as to_cli drains (pend_fill): a full <get> at 10,000 sessions
	 * is 80 MB, shared by every session that asks, never copied whole into
	 * a session's buffer. What follows it waits in @after.
	 */
	struct er_nc_text *pend;
	size_t pend_off;
	struct er_buf after;
};

struct er_nc_text {
	int refs;
	size_t len;
	char *data;
};

struct er_nc_text *
er_nc_text_new(char *data, size_t len)
{
	struct er_nc_text *t = xcalloc(1, sizeof(*t));

	t->refs = 1;
	t->data = data;
	t->len = len;
	return t;
}

struct er_nc_text *
er_nc_text_ref(struct er_nc_text *t)
{
	if (t)
		__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

void
er_nc_text_unref(struct er_nc_text *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(t->data);
		free(t);
	}
}

void
er_nc_guard_splice(struct er_nc_guard *g, const char *marker, struct er_nc_text *text)
{
	pthread_mutex_lock(&g->sp_lock);
	er_nc_text_unref(g->sp_text);
	g->sp_text = text;
	snprintf(g->sp_marker, sizeof(g->sp_marker), "%s", marker);
	pthread_mutex_unlock(&g->sp_lock);
}

/* Where bytes for the client go, in order: after a spliced text still going out, they wait for it. */
static struct er_buf *
out_buf(struct er_nc_guard *g)
{
	return g->pend ? &g->after : &g->to_cli;
}

static void
out_add(struct er_nc_guard *g, const void *d, size_t n)
{
	if (!g->cli_dead)
		er_buf_add(out_buf(g), d, n);
}

/* Message content into @p b in the session's framing: chunks of GUARD_CHUNK at most. */
static void
frame_into(const struct er_nc_guard *g, struct er_buf *b, const char *d, size_t n)
{
	char h[32];

	if (!g->fout.chunked) {
		er_buf_add(b, d, n);
		return;
	}
	while (n) {
		size_t k = n < GUARD_CHUNK ? n : GUARD_CHUNK;
		int hl = snprintf(h, sizeof(h), "\n#%zu\n", k);
		er_buf_add(b, h, (size_t)hl);
		er_buf_add(b, d, k);
		d += k;
		n -= k;
	}
}

/* Message content the guard frames itself. */
static void
emit(struct er_nc_guard *g, const char *d, size_t n)
{
	if (!g->cli_dead)
		frame_into(g, out_buf(g), d, n);
}

/* The spliced text's next chunks into to_cli, as it drains; then what waited behind it. */
static void
pend_fill(struct er_nc_guard *g)
{
	while (g->pend && g->to_cli.len < GUARD_HIGH) {
		size_t left = g->pend->len - g->pend_off, k = left < GUARD_CHUNK ? left : GUARD_CHUNK;

		frame_into(g, &g->to_cli, g->pend->data + g->pend_off, k);
		g->pend_off += k;
		if (g->pend_off < g->pend->len)
			continue;
		er_nc_text_unref(g->pend);
		g->pend = NULL;
		if (g->after.len) /* (never NULL + 0: clang's UBSan) */
			er_buf_add(&g->to_cli, g->after.p + g->after.off, g->after.len);
		g->after.len = g->after.off = 0;
		if (g->after.cap > GUARD_KEEP)
			er_buf_free(&g->after);
	}
}

/* The client is gone: what it would have got is dropped. */
static void
cli_gone(struct er_nc_guard *g)
{
	g->cli_dead = true;
	g->cli_eof = true;
	g->to_cli.len = g->to_cli.off = 0;
	er_nc_text_unref(g->pend);
	g->pend = NULL;
	er_buf_free(&g->after);
}

/* Content of a held or reframed message (see omode). */
static void
hold_data(struct er_nc_guard *g, const char *d, size_t n)
{
	if (g->omode == OUT_HOLD) {
		size_t ml = strlen(g->cur_marker), from = g->hold.len >= ml ? g->hold.len - ml + 1 : 0;
		const char *p;

		er_buf_add(&g->hold, d, n);
		p = memmem(g->hold.p + g->hold.off + from, g->hold.len - from, g->cur_marker, ml);
		if (p) {
			const char *h = g->hold.p + g->hold.off;
			size_t pos = (size_t)(p - h), rest = g->hold.len - pos - ml;
			emit(g, h, pos);
			if (g->cli_dead || g->pend) {
				/* another text still going out (two pipelined <get>s): this one is copied behind it */
				emit(g, g->cur_text->data, g->cur_text->len);
				er_nc_text_unref(g->cur_text);
			} else {
				g->pend = g->cur_text;
				g->pend_off = 0;
			}
			g->cur_text = NULL;
			memmove(g->hold.p, p + ml, rest);
			g->hold.off = 0;
			g->hold.len = rest;
			g->omode = OUT_REFRAME;
		} else if (g->hold.len > GUARD_HOLD)
			g->omode = OUT_REFRAME; /* not in this message */
		else
			return;
	} else
		er_buf_add(&g->hold, d, n);
	if (g->hold.len >= GUARD_CHUNK) {
		emit(g, g->hold.p + g->hold.off, g->hold.len);
		g->hold.len = g->hold.off = 0;
	}
}

/* The end of a message the guard framed itself. */
static void
hold_end(struct er_nc_guard *g)
{
	if (g->hold.len)
		emit(g, g->hold.p + g->hold.off, g->hold.len);
	g->hold.len = g->hold.off = 0;
	out_add(g, g->fout.chunked ? "\n##\n" : EOM, g->fout.chunked ? 4 : 6);
	if (g->cur_text) {
		/* the marker was not in this one (a notification): it stays pending unless replaced */
		pthread_mutex_lock(&g->sp_lock);
		if (!g->sp_text) {
			g->sp_text = g->cur_text;
			memcpy(g->sp_marker, g->cur_marker, sizeof(g->sp_marker));
			g->cur_text = NULL;
		}
		pthread_mutex_unlock(&g->sp_lock);
		er_nc_text_unref(g->cur_text);
		g->cur_text = NULL;
	}
	g->omode = OUT_PASS;
}

void
er_nc_limits_set(struct er_nc_limits *l, size_t max_msg, size_t max_total)
{
	__atomic_store_n(&l->max_msg, max_msg, __ATOMIC_RELAXED);
	__atomic_store_n(&l->max_total, max_total, __ATOMIC_RELAXED);
}

/* Take @p n bytes of the shared budget; false if that would go over it. */
static bool
budget_take(struct er_nc_limits *l, size_t n)
{
	size_t max = __atomic_load_n(&l->max_total, __ATOMIC_RELAXED);
	size_t cur = __atomic_load_n(&l->used, __ATOMIC_RELAXED);

	do {
		if (cur + n > max || cur + n < cur)
			return false;
	} while (!__atomic_compare_exchange_n(&l->used, &cur, cur + n, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

static void
budget_give(struct er_nc_limits *l, size_t n)
{
	if (n)
		__atomic_sub_fetch(&l->used, n, __ATOMIC_RELAXED);
}

/*
 * Stop buffering the message being read: its first bytes stay (the <rpc>
 * start tag, for the attributes the reply repeats), the rest is counted.
 */
static void
drop_msg(struct er_nc_guard *g, enum drop why, const char *d, size_t n)
{
	size_t keep = g->msg.len < GUARD_DROP_HEAD ? g->msg.len : GUARD_DROP_HEAD;

	g->drop = why;
	g->dropped = (uint64_t)g->msg.len + n;
	/* the head is not counted against max-buffered: 4 KiB a session at most */
	g->drop_head.len = g->drop_head.off = 0;
	if (keep)
		er_buf_add(&g->drop_head, g->msg.p + g->msg.off, keep);
	er_buf_add(&g->drop_head, d, n < GUARD_DROP_HEAD - keep ? n : GUARD_DROP_HEAD - keep);
	er_buf_add(&g->drop_head, "", 1);
	g->drop_head.len--;
	budget_give(g->lim, g->held_msg);
	g->held_msg = 0;
	g->msg.len = g->msg.off = 0;
	if (g->msg.cap > GUARD_KEEP)
		er_buf_free(&g->msg);
}

/* Message content from the client: buffered within the limits, or counted and dropped. */
static void
in_data(void *arg, const char *d, size_t n)
{
	struct er_nc_guard *g = arg;

	if (!n)
		return;
	if (g->drop) {
		g->dropped += n;
		return;
	}
	if (g->msg.len + n > __atomic_load_n(&g->lim->max_msg, __ATOMIC_RELAXED)) {
		drop_msg(g, DROP_TOO_BIG, d, n);
		return;
	}
	if (!budget_take(g->lim, n)) {
		drop_msg(g, DROP_NO_ROOM, d, n);
		return;
	}
	g->held_msg += n;
	er_buf_add(&g->msg, d, n);
}

/* The reply to a message dropped as it was read (too-big or resource-denied), with its <rpc>'s attributes. */
static char *
drop_reply(struct er_nc_guard *g, char *why, size_t whylen)
{
	const char *head = g->drop_head.p + g->drop_head.off;
	size_t n = g->drop_head.len;
	struct chk c;
	char *r;
	size_t max = __atomic_load_n(&g->lim->max_msg, __ATOMIC_RELAXED);

	memset(&c, 0, sizeof(c));
	chk_parse(&c, head, n); /* cut short, so not well-formed: only the root's attributes are wanted */
	if (!c.root_seen || strcmp(c.root, "rpc"))
		c.attrs.len = 0;
	if (g->drop == DROP_TOO_BIG) {
		snprintf(why, whylen, "message of %llu bytes, over max-message-size (%zu)", (unsigned long long)g->dropped,
		    max);
		r = reply(&c, "rpc", "too-big", NULL,
		    "message of %llu bytes is larger than max-message-size (%zu bytes): not read",
		    (unsigned long long)g->dropped, max);
	} else {
		snprintf(why, whylen, "message of %llu bytes dropped: max-buffered (%zu) reached across sessions",
		    (unsigned long long)g->dropped, __atomic_load_n(&g->lim->max_total, __ATOMIC_RELAXED));
		r = reply(&c, "rpc", "resource-denied", NULL,
		    "the server holds as many bytes of client messages as max-buffered allows: message of %llu bytes "
		    "not read, send it again later",
		    (unsigned long long)g->dropped);
	}
	chk_free(&c);
	return r;
}

static void
out_data(void *arg, const char *d, size_t n)
{
	struct er_nc_guard *g = arg;
	size_t max = g->out_hello ? GUARD_HEAD : GUARD_HELLO_MAX;

	if (g->head.len < max)
		er_buf_add(&g->head, d, n < max - g->head.len ? n : max - g->head.len);
	if (g->omode != OUT_PASS)
		hold_data(g, d, n);
}

/* Our replies whose turn has come go out, at a message boundary of libnetconf2's stream. */
static void
inj_flush(struct er_nc_guard *g)
{
	while (g->q && !g->out_mid && g->q->after <= g->replies) {
		struct inj *i = g->q;
		if (!(g->q = i->next))
			g->qt = &g->q;
		out_add(g, i->msg, i->len);
		free(i->msg);
		free(i);
	}
}

/* Local name of the root element at the start of @p s. */
static void
root_name(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i = 0, k = 0;

	out[0] = '\0';
	for (;;) {
		while (i < n && strchr(" \t\r\n", s[i]))
			i++;
		if (i + 1 < n && s[i] == '<' && (s[i + 1] == '?' || s[i + 1] == '!')) {
			const char *e = memchr(s + i, '>', n - i);
			if (!e)
				return;
			i = (size_t)(e - s) + 1;
			continue;
		}
		break;
	}
	if (i >= n || s[i] != '<')
		return;
	i++;
	size_t st = i;
	while (i < n && !strchr(" \t\r\n/>", s[i])) {
		if (s[i] == ':')
			st = i + 1;
		i++;
	}
	for (size_t j = st; j < i && k + 1 < outlen; j++)
		out[k++] = s[j];
	out[k] = '\0';
}

/* libnetconf2 sent @p n bytes: they go to the client as they are. */
static void
from_server(struct er_nc_guard *g, const char *d, size_t n)
{
	if (g->transparent) {
		out_add(g, d, n);
		return;
	}
	while (n) {
		bool end;
		ssize_t k;

		if (g->out_hello && !g->out_mode_set) {
			/* the first message after the hellos: libnetconf2 has read the client's by now */
			g->fout.chunked = g->server11 && g->client11;
			g->fout.st = FR_LF;
			g->out_mode_set = true;
		}
		if (!g->out_mid && g->out_mode_set) {
			/* a message starts: is a splice waiting for it? */
			pthread_mutex_lock(&g->sp_lock);
			if (g->sp_text) {
				g->cur_text = g->sp_text;
				memcpy(g->cur_marker, g->sp_marker, sizeof(g->cur_marker));
				g->sp_text = NULL;
				g->omode = OUT_HOLD;
			}
			pthread_mutex_unlock(&g->sp_lock);
		}
		g->out_mid = true;
		if ((k = fr_feed(&g->fout, d, n, out_data, g, &end)) < 0) {
			g->transparent = true; /* cannot happen with libnetconf2; pass on regardless */
			out_add(g, d, n);
			return;
		}
		/* up to the end of a message at most: a reply of ours may go right after it */
		if (g->omode == OUT_PASS)
			out_add(g, d, (size_t)k);
		if (end && g->omode != OUT_PASS)
			hold_end(g);
		d += k;
		n -= (size_t)k;
		if (!end)
			continue;
		g->out_mid = false;
		if (!g->out_hello) {
			g->out_hello = true;
			g->server11 = hello_base11(g->head.p + g->head.off, g->head.len, &g->sid);
		} else {
			char root[32];
			root_name(g->head.p + g->head.off, g->head.len, root, sizeof(root));
			if (!strcmp(root, "rpc-reply"))
				g->replies++;
		}
		g->head.len = g->head.off = 0;
		inj_flush(g);
	}
}

/* Queue our reply @p r (taken, unframed) to go out after the replies to what was passed on before it. */
static void
inject(struct er_nc_guard *g, bool chunked, char *r, const char *why)
{
	struct inj *i = xcalloc(1, sizeof(*i));
	struct er_buf f = { 0 };

	fr_add_frame(&f, chunked, r, strlen(r));
	free(r);
	i->msg = f.p; /* off is 0: fr_add_frame only appends */
	i->len = f.len;
	i->after = g->forwarded;
	*g->qt = i;
	g->qt = &i->next;
	if (g->bad)
		g->bad(g->arg, g->sid, why);
	inj_flush(g);
}

/* A whole client message: pass it on or answer it. */
static void
client_msg(struct er_nc_guard *g)
{
	const char *m;
	size_t n = g->msg.len;
	bool passed = false;

	er_buf_add(&g->msg, "", 1); /* a NUL after the message, for libyang */
	g->msg.len--;
	m = g->msg.p + g->msg.off;

	if (!g->in_hello && g->drop) {
		/* a hello over the limit: libnetconf2 never gets one, and the session ends */
		if (g->bad)
			g->bad(g->arg, 0, "hello over max-message-size: session closed");
		g->rd.len = g->rd.off = 0;
		g->cli_eof = true;
	} else if (!g->in_hello) {
		g->in_hello = true;
		g->client11 = hello_base11(m, n, NULL);
		fr_add_frame(&g->to_srv, false, m, n);
		passed = true;
		g->in_wait = !g->out_hello;
		if (!g->in_wait) {
			g->fin.chunked = g->server11 && g->client11;
			g->fin.st = FR_LF;
		}
	} else {
		bool base11 = g->fin.chunked, skip;
		char why[512], *r;
		if (g->drop) {
			r = drop_reply(g, why, sizeof(why));
			skip = false;
		} else
			r = er_nc_guard_check(m, n, base11, g->ctx, &skip, why, sizeof(why));
		if (!r && !skip) {
			fr_add_frame(&g->to_srv, base11, m, n);
			g->forwarded++;
			passed = true;
		} else if (r)
			inject(g, base11, r, why);
	}
	if (passed) {
		/* what went on stays counted until libnetconf2 has taken it (see guard_main) */
		g->held_fwd += g->held_msg;
	} else
		budget_give(g->lim, g->held_msg);
	g->held_msg = 0;
	g->drop = DROP_NONE;
	g->dropped = 0;
	g->drop_head.len = g->drop_head.off = 0;
	g->msg.len = g->msg.off = 0;
	if (g->msg.cap > GUARD_KEEP)
		er_buf_free(&g->msg); /* one large message must not pin its buffer for the session */
}

/* Frame and check what the client sent, as far as it goes. */
static void
from_client(struct er_nc_guard *g)
{
	while (g->rd.len && !g->in_wait) {
		bool end;
		ssize_t k;

		k = fr_feed(&g->fin, g->rd.p + g->rd.off, g->rd.len, in_data, g, &end);
		if (k < 0) {
			/*
			 * A broken chunk header (only base:1.1 has them): nothing
			 * after it can be framed again. The client gets
			 * malformed-message after its earlier replies, and the
			 * session ends as libnetconf2 would end it.
			 */
			struct chk c;

			memset(&c, 0, sizeof(c));
			inject(g, true,
			    reply(&c, "rpc", "malformed-message", NULL, "%s",
				"invalid base:1.1 chunk framing (RFC 6242 4.2): session closed"),
			    "invalid chunk framing: session closed");
			g->rd.len = g->rd.off = 0;
			g->cli_eof = true; /* read no more: libnetconf2 sees the end after what went before */
			return;
		}
		er_buf_eat(&g->rd, (size_t)k);
		if (end)
			client_msg(g);
		if (g->to_srv.len >= GUARD_HIGH)
			break;
	}
}

static int
pump(int fd, struct er_buf *b)
{
	while (b->len) {
		ssize_t w = send(fd, b->p + b->off, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
		er_buf_eat(b, (size_t)w);
	}
	return 0;
}

static void *
guard_main(void *arg)
{
	struct er_nc_guard *g = arg;
	char *rb = xcalloc(1, GUARD_READ);
	unsigned long long drain_until = 0;

	for (;;) {
		struct pollfd p[2] = { { g->cfd, 0, 0 }, { g->sfd, 0, 0 } };
		int timeout = -1;

		if (g->cli_eof && !g->rd.len && !g->to_srv.len && !g->srv_shut) {
			shutdown(g->sfd, SHUT_WR); /* libnetconf2 sees the client's EOF */
			g->srv_shut = true;
		}
		pend_fill(g);
		if (g->srv_eof && (!g->to_cli.len || g->cli_dead))
			break;
		if (g->srv_eof || g->srv_hup) {
			if (!drain_until)
				drain_until = er_now_ms() + GUARD_DRAIN_MS;
			if (*g->stop || er_now_ms() >= drain_until)
				break;
			timeout = (int)(drain_until - er_now_ms());
		}
		if (!g->cli_eof && g->rd.len < GUARD_HIGH && g->to_srv.len < GUARD_HIGH)
			p[0].events |= POLLIN;
		if (g->to_cli.len && !g->cli_dead)
			p[0].events |= POLLOUT;
		if (!g->srv_eof && g->to_cli.len < GUARD_HIGH && !g->pend)
			p[1].events |= POLLIN;
		if (g->to_srv.len && !g->srv_shut)
			p[1].events |= POLLOUT;
		/*
		 * A side with nothing to wait for is left out, or its POLLHUP
		 * would spin; libnetconf2's stays in until it hung up once, so a
		 * session that ended while the client reads nothing is seen.
		 */
		if (!p[0].events)
			p[0].fd = -1;
		if (!p[1].events && (g->srv_eof || g->srv_hup))
			p[1].fd = -1;
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[1].revents & (POLLHUP | POLLERR)) && !(p[1].events & POLLIN))
			g->srv_hup = true; /* gone, with what it sent still to read once the client reads */
		if (!g->srv_eof && (p[1].events & POLLIN) && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = recv(g->sfd, rb, GUARD_READ, MSG_DONTWAIT);
			if (r > 0)
				from_server(g, rb, (size_t)r);
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				g->srv_eof = true;
		}
		if (!g->cli_eof && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = recv(g->cfd, rb, GUARD_READ, MSG_DONTWAIT);
			if (r > 0) {
				er_buf_add(&g->rd, rb, (size_t)r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				g->cli_eof = true;
		}
		if (g->in_wait && g->out_hello) {
			g->in_wait = false;
			g->fin.chunked = g->server11 && g->client11;
			g->fin.st = FR_LF;
		}
		from_client(g);
		if (!g->cli_dead && pump(g->cfd, &g->to_cli) < 0)
			cli_gone(g);
		if (!g->to_cli.len && g->to_cli.cap > GUARD_KEEP)
			er_buf_free(&g->to_cli);
		if (!g->srv_shut && pump(g->sfd, &g->to_srv) < 0) {
			g->to_srv.len = g->to_srv.off = 0;
			g->srv_shut = true;
		}
		if (g->held_fwd > g->to_srv.len) {
			budget_give(g->lim, g->held_fwd - g->to_srv.len);
			g->held_fwd = g->to_srv.len;
		}
		if (!g->to_srv.len && g->to_srv.cap > GUARD_KEEP)
			er_buf_free(&g->to_srv);
	}
	free(rb);
	close(g->cfd);
	g->cfd = -1;
	shutdown(g->sfd, SHUT_RDWR);
	return NULL;
}

/* libxml2's messages outside a parse (encoding conversion) would print a client's garbage on stderr. */
static void
xml_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

void
er_nc_guard_init(void)
{
	xmlInitParser();
	/* for this thread, and as the default of every thread libxml2 meets later (the guards') */
	xmlThrDefSetGenericErrorFunc(NULL, xml_quiet);
	xmlSetGenericErrorFunc(NULL, xml_quiet);
}

struct er_nc_guard *
er_nc_guard_start(int client_fd, const struct ly_ctx *ctx, struct er_nc_limits *lim, er_nc_guard_bad_fn bad,
    void *arg, const volatile bool *stop, int *inner_fd)
{
	struct er_nc_guard *g;
	int sp[2];
	sigset_t all, old;
	int rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->cfd = client_fd;
	g->sfd = sp[0];
	g->bad = bad;
	g->arg = arg;
	g->stop = stop;
	g->ctx = ctx;
	g->qt = &g->q;
	if (!lim) {
		lim = &g->own_lim;
		er_nc_limits_set(lim, ER_NC_MAX_MSG_DEFAULT, ER_NC_MAX_BUFFERED_DEFAULT);
	}
	g->lim = lim;
	pthread_mutex_init(&g->sp_lock, NULL);
	sigfillset(&all);
	sigdelset(&all, er_privdrop_signal()); /* capabilities dropped per thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&g->th, NULL, guard_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		close(sp[0]);
		close(sp[1]);
		pthread_mutex_destroy(&g->sp_lock);
		free(g);
		return NULL;
	}
	*inner_fd = sp[1];
	return g;
}

void
er_nc_guard_join(struct er_nc_guard *g)
{
	if (!g)
		return;
	pthread_join(g->th, NULL);
	close(g->sfd);
	budget_give(g->lim, g->held_msg + g->held_fwd);
	while (g->q) {
		struct inj *i = g->q;
		g->q = i->next;
		free(i->msg);
		free(i);
	}
	er_buf_free(&g->rd);
	er_buf_free(&g->msg);
	er_buf_free(&g->drop_head);
	er_buf_free(&g->to_srv);
	er_buf_free(&g->head);
	er_buf_free(&g->to_cli);
	er_buf_free(&g->after);
	er_nc_text_unref(g->pend);
	er_buf_free(&g->hold);
	er_nc_text_unref(g->sp_text);
	er_nc_text_unref(g->cur_text);
	pthread_mutex_destroy(&g->sp_lock);
	free(g);
}
