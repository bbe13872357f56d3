/*
 * Prints the configuration reference of erready.json(5) from the YANG
 * module compiled into erreadyd, so the man page cannot drift from the
 * model: every config node, its type, default, units and description.
 * The build runs it; the page's fixed parts are in erready.json.5.in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "datastore.h"
#include "util.h"

/* Text for roff: a backslash is \e, a line starting with '.' or '\'' is escaped. */
static void
roff_text(const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
		bol = *s == '\n';
	}
}

/* A data path for roff, with a break point after each '/': long paths fit an 80-column man page. */
static void
roff_path(const char *path)
{
	const char *p = path, *slash;
	char *seg;

	while ((slash = strchr(p, '/'))) {
		if (!(seg = strndup(p, (size_t)(slash - p))))
			exit(1);
		roff_text(seg);
		free(seg);
		fputs("/\\:", stdout);
		p = slash + 1;
	}
	roff_text(p);
}

/* A description: YANG's indentation removed, blank lines become paragraph breaks. */
static void
roff_description(const char *d)
{
	char *copy = xstrdup(d), *line, *save = NULL;
	int para = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line) {
			para = 1;
			continue;
		}
		if (para)
			fputs(".IP\n", stdout);
		para = 0;
		roff_text(line);
		putchar('\n');
	}
	free(copy);
}

static const char *
base_name(LY_DATA_TYPE t)
{
	switch (t) {
	case LY_TYPE_BINARY: return "binary";
	case LY_TYPE_UINT8: return "uint8";
	case LY_TYPE_UINT16: return "uint16";
	case LY_TYPE_UINT32: return "uint32";
	case LY_TYPE_UINT64: return "uint64";
	case LY_TYPE_STRING: return "string";
	case LY_TYPE_BITS: return "bits";
	case LY_TYPE_BOOL: return "boolean";
	case LY_TYPE_DEC64: return "decimal64";
	case LY_TYPE_EMPTY: return "empty";
	case LY_TYPE_ENUM: return "enumeration";
	case LY_TYPE_IDENT: return "identityref";
	case LY_TYPE_INST: return "instance-identifier";
	case LY_TYPE_LEAFREF: return "leafref";
	case LY_TYPE_UNION: return "union";
	case LY_TYPE_INT8: return "int8";
	case LY_TYPE_INT16: return "int16";
	case LY_TYPE_INT32: return "int32";
	case LY_TYPE_INT64: return "int64";
	default: return "unknown";
	}
}

static void
print_type(const struct lysc_node *n)
{
	const struct lysc_type *t = n->nodetype == LYS_LEAF ? ((const struct lysc_node_leaf *)n)->type
							    : ((const struct lysc_node_leaflist *)n)->type;
	LY_ARRAY_COUNT_TYPE i;

	if (t->basetype == LY_TYPE_ENUM) {
		const struct lysc_type_enum *e = (const struct lysc_type_enum *)t;
		fputs("one of", stdout);
		LY_ARRAY_FOR(e->enums, i) {
			printf("%s \\fB", i ? "," : "");
			roff_text(e->enums[i].name);
			fputs("\\fR", stdout);
		}
	} else
		roff_text(base_name(t->basetype));
}

static void
print_node(const struct lysc_node *n, const char *parent)
{
	const struct lysc_node *c;
	char *path = NULL;

	if (!(n->flags & LYS_CONFIG_W) || (n->nodetype & (LYS_RPC | LYS_ACTION | LYS_NOTIF)))
		return;
	if (n->nodetype & (LYS_CHOICE | LYS_CASE)) { /* not in the data: their children are */
		LY_LIST_FOR(lysc_node_child(n), c)
			print_node(c, parent);
		return;
	}
	if (asprintf(&path, "%s/%s", parent, n->name) < 0)
		exit(1);
	fputs(".TP\n.B ", stdout);
	roff_path(path + 1);
	if (n->nodetype == LYS_LIST) {
		const struct lysc_node *k;
		fputs("[", stdout);
		for (k = lysc_node_child(n); k && lysc_is_key(k); k = k->next) {
			fputs(k == lysc_node_child(n) ? "" : " ", stdout);
			roff_text(k->name);
		}
		fputs("]", stdout);
	}
	putchar('\n');
	switch (n->nodetype) {
	case LYS_CONTAINER:
		fputs("(container", stdout);
		if (n->flags & LYS_PRESENCE)
			fputs(", presence", stdout);
		fputs(")\n", stdout);
		break;
	case LYS_LIST:
		fputs("(list)\n", stdout);
		break;
	case LYS_LEAFLIST:
		fputs("(list of ", stdout);
		print_type(n);
		fputs(")\n", stdout);
		break;
	case LYS_LEAF: {
		const struct lysc_node_leaf *l = (const struct lysc_node_leaf *)n;
		putchar('(');
		print_type(n);
		if (l->units) {
			fputs(", in ", stdout);
			roff_text(l->units);
		}
		if (l->dflt) {
			fputs(", default \\fB", stdout);
			roff_text(lyd_value_get_canonical(n->module->ctx, l->dflt));
			fputs("\\fR", stdout);
		}
		if (lysc_is_key(n))
			fputs(", key", stdout);
		else if (n->flags & LYS_MAND_TRUE)
			fputs(", mandatory", stdout);
		fputs(")\n", stdout);
		break;
	}
	default:
		break;
	}
	if (n->dsc) {
		fputs(".br\n", stdout);
		roff_description(n->dsc);
	}
	LY_LIST_FOR(lysc_node_child(n), c)
		print_node(c, path);
	free(path);
}

int
main(void)
{
	char err[ER_ERRLEN];
	struct er_ds *ds = er_ds_new(err, sizeof(err));
	const struct lys_module *m;
	const struct lysc_node *n;

	if (!ds) {
		fprintf(stderr, "config_man: %s\n", err);
		return 1;
	}
	if (!(m = ly_ctx_get_module_implemented(er_ds_ctx(ds), ER_YANG_MODULE)) || !m->compiled) {
		fprintf(stderr, "config_man: module %s not loaded\n", ER_YANG_MODULE);
		return 1;
	}
	printf(".\\\" Generated from %s@%s by config_man: every config node of the module.\n", ER_YANG_MODULE,
	    ER_YANG_REVISION);
	/* data paths are long words: ragged right, so no line has to be stretched */
	fputs(".ad l\n", stdout);
	LY_LIST_FOR(m->compiled->data, n)
		print_node(n, "");
	er_ds_free(ds);
	return fflush(stdout) ? 1 : 0;
}
