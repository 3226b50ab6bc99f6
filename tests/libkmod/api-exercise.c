/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * api-exercise: calls libkmod.so.2's API and prints what it returns, one fact a line, with no
 * pointer value in the output (pointer identity is printed as "same"/"other"), so that runs
 * with kmod's library and with ours compare with diff (tests/diff/libkmod.sh).
 *
 * Usage: api-exercise MODE ARGS...
 *   ctx MODDIR CONFDIR CONFFILE MISSING RELDIR [DIR...]
 *       kmod_new's arguments (and kmod_load_resources on each DIR), references, log priority (KMOD_LOG), userdata, dirname,
 *       resources, log messages of a bad configuration.
 *   main MODDIR NAMESFILE CONF...    (CONF "@null": config_paths NULL; none: an empty list)
 *       every configuration iterator, then for each query of NAMESFILE (one a line): the
 *       lookups, the modules' strings, dependencies, soft and weak dependencies, filters.
 *   null MODDIR CONF...
 *       NULL for every pointer argument of every function, each call in a child process
 *       (a crash is printed as such).
 *   corrupt MODDIR NAMESFILE
 *       lookups on a tree with damaged indexes, each in a child process.
 *   threads MODDIR NAMESFILE CONF...
 *       two threads, each with its own context, doing the lookups of NAMESFILE at once.
 *
 * The functions newer than kmod 30 (kmod_module_new_from_name_lookup, the weak dependencies)
 * are looked up with dlsym, so that the program also runs with kmod 30's library, which lacks
 * them; with EX_API=30 they are not used at all (for comparing ours with kmod 30).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

typedef struct kmod_config_iter *(*weak_cfg_fn)(const struct kmod_ctx *);
typedef int (*weak_mod_fn)(const struct kmod_module *, struct kmod_list **);
typedef int (*name_lookup_fn)(struct kmod_ctx *, const char *, struct kmod_module **);
static weak_cfg_fn p_config_get_weakdeps;
static weak_mod_fn p_module_get_weakdeps;
static name_lookup_fn p_new_from_name_lookup;
#define kmod_module_new_from_name_lookup(c, n, m)                                                 \
	(p_new_from_name_lookup ? p_new_from_name_lookup(c, n, m) : -9999)

static const char *moddir;

/* ---- Output helpers ------------------------------------------------------------------- */

/* A string or (null). */
static const char *s(const char *p)
{
	return p ? p : "(null)";
}

/* A pointer as null or set (never its value). */
static const char *nn(const void *p)
{
	return p ? "set" : "null";
}

/* A path with the module directory replaced by $MODDIR. */
static void print_path(const char *p)
{
	size_t n = strlen(moddir);
	if (p == NULL)
		printf("(null)");
	else if (strncmp(p, moddir, n) == 0)
		printf("$MODDIR%s", p + n);
	else
		printf("%s", p);
}

static void log_fn(void *data, int priority, const char *file, int line, const char *fn,
		   const char *format, va_list args)
{
	char buf[4096];
	size_t n;

	(void)file;
	(void)line;
	vsnprintf(buf, sizeof(buf), format, args);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	printf("  log %s prio=%d fn=%s: %s\n", data ? (const char *)data : "?", priority, s(fn),
	       buf);
}

/* The names of a list of modules, space-separated, as "[a b c]". */
static void print_names(const char *what, struct kmod_list *list)
{
	struct kmod_list *l;

	printf("  %s: [", what);
	kmod_list_foreach(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		printf("%s%s", l == list ? "" : " ", s(kmod_module_get_name(m)));
		kmod_module_unref(m);
	}
	printf("]\n");
}

static char **read_lines(const char *file, int *count)
{
	FILE *f = fopen(file, "r");
	char **v = NULL;
	char line[4096];
	int n = 0;

	if (f == NULL) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		v = realloc(v, sizeof(*v) * (n + 1));
		v[n++] = strdup(line);
	}
	fclose(f);
	*count = n;
	return v;
}

static void free_lines(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The config_paths array of argv[from..argc): NULL for "@null". */
static const char **conf_paths(int argc, char **argv, int from)
{
	static const char *paths[64];
	int n = 0;

	if (from < argc && strcmp(argv[from], "@null") == 0)
		return NULL;
	for (int i = from; i < argc && n < 63; i++)
		paths[n++] = argv[i];
	paths[n] = NULL;
	return paths;
}

/* ---- ctx ------------------------------------------------------------------------------ */

static struct kmod_ctx *new_logged(const char *dir, const char *const *paths, const char *tag)
{
	struct kmod_ctx *ctx = kmod_new(dir, paths);
	printf("kmod_new(%s): %s\n", tag, nn(ctx));
	return ctx;
}

static void print_iter(const char *what, struct kmod_config_iter *it)
{
	printf("  %s:%s\n", what, it ? "" : " (null iter)");
	if (it == NULL)
		return;
	while (kmod_config_iter_next(it))
		printf("    %s = %s\n", s(kmod_config_iter_get_key(it)),
		       s(kmod_config_iter_get_value(it)));
	kmod_config_iter_free_iter(it);
}

static void print_config(struct kmod_ctx *ctx)
{
	print_iter("blacklists", kmod_config_get_blacklists(ctx));
	print_iter("install", kmod_config_get_install_commands(ctx));
	print_iter("remove", kmod_config_get_remove_commands(ctx));
	print_iter("aliases", kmod_config_get_aliases(ctx));
	print_iter("options", kmod_config_get_options(ctx));
	print_iter("softdeps", kmod_config_get_softdeps(ctx));
	if (p_config_get_weakdeps)
		print_iter("weakdeps", p_config_get_weakdeps(ctx));
	else
		printf("  weakdeps: (no kmod_config_get_weakdeps)\n");
}

static int mode_ctx(int argc, char **argv)
{
	const char *confdir, *conffile, *missing, *reldir;
	struct kmod_ctx *ctx, *r;
	char *dirs[] = { NULL };
	static const char *envs[] = { NULL, "err", "info", "debug", "3", "7", "0", "garbage",
				      "6x", " 5", "5 ", "-1", "notice", "warning", "",
				      "error", "infox", "debugging", "Err", " err", "0x5", "+4", "4\t",
				      "99999999999", "5 x", "de" };

	if (argc < 7) {
		fprintf(stderr, "usage: api-exercise ctx MODDIR CONFDIR CONFFILE MISSING RELDIR\n");
		return 2;
	}
	confdir = argv[3];
	conffile = argv[4];
	missing = argv[5];
	reldir = argv[6];
	(void)dirs;

	/* KMOD_LOG */
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		if (envs[i])
			setenv("KMOD_LOG", envs[i], 1);
		else
			unsetenv("KMOD_LOG");
		const char *empty[] = { NULL };
		ctx = kmod_new(moddir, empty);
		printf("KMOD_LOG=%s%s%s: priority %d\n", envs[i] ? "'" : "", envs[i] ? envs[i] : "(unset)",
		       envs[i] ? "'" : "", kmod_get_log_priority(ctx));
		kmod_unref(ctx);
	}
	unsetenv("KMOD_LOG");

	/* References. */
	{
		const char *empty[] = { NULL };
		ctx = new_logged(moddir, empty, "moddir, empty list");
		r = kmod_ref(ctx);
		printf("kmod_ref: %s\n", r == ctx ? "same" : "other");
		r = kmod_ref(ctx);
		printf("kmod_ref again: %s\n", r == ctx ? "same" : "other");
		r = kmod_unref(ctx);
		printf("kmod_unref (3->2): %s\n", r == ctx ? "same" : nn(r));
		r = kmod_unref(ctx);
		printf("kmod_unref (2->1): %s\n", r == ctx ? "same" : nn(r));
		r = kmod_unref(ctx);
		printf("kmod_unref (1->0): %s\n", r == ctx ? "same" : nn(r));
	}

	/* Log priority and userdata. */
	{
		const char *empty[] = { NULL };
		static int token;
		ctx = new_logged(moddir, empty, "for priority");
		printf("priority: %d\n", kmod_get_log_priority(ctx));
		kmod_set_log_priority(ctx, LOG_DEBUG);
		printf("priority after set 7: %d\n", kmod_get_log_priority(ctx));
		kmod_set_log_priority(ctx, 42);
		printf("priority after set 42: %d\n", kmod_get_log_priority(ctx));
		kmod_set_log_priority(ctx, -3);
		printf("priority after set -3: %d\n", kmod_get_log_priority(ctx));
		printf("userdata initially: %s\n", nn(kmod_get_userdata(ctx)));
		kmod_set_userdata(ctx, &token);
		printf("userdata after set: %s\n", kmod_get_userdata(ctx) == &token ? "same" : "other");
		kmod_set_userdata(ctx, NULL);
		printf("userdata after set NULL: %s\n", nn(kmod_get_userdata(ctx)));
		printf("dirname: ");
		print_path(kmod_get_dirname(ctx));
		printf("\n");
		printf("load_resources: %d\n", kmod_load_resources(ctx));
		printf("validate_resources: %d\n", kmod_validate_resources(ctx));
		printf("load_resources again: %d\n", kmod_load_resources(ctx));
		kmod_unload_resources(ctx);
		printf("validate_resources after unload: %d\n", kmod_validate_resources(ctx));
		kmod_unload_resources(ctx);
		printf("unload twice: ok\n");
		printf("load_resources after unload: %d\n", kmod_load_resources(ctx));
		kmod_unref(ctx);
	}

	/* dirname variants. */
	{
		const char *empty[] = { NULL };
		char buf[4096];
		ctx = new_logged(NULL, empty, "NULL dirname");
		snprintf(buf, sizeof(buf), "/lib/modules/");
		{
			const char *d = kmod_get_dirname(ctx);
			struct utsname u;
			uname(&u);
			strncat(buf, u.release, sizeof(buf) - strlen(buf) - 1);
			printf("dirname: %s\n", d && strcmp(d, buf) == 0 ? "/lib/modules/$(uname -r)" : s(d));
		}
		kmod_unref(ctx);
		/* relative: reldir is relative to the module directory's parent's parent... it is
		 * given relative to the working directory the script chose. */
		ctx = new_logged(reldir, empty, "relative dirname");
		printf("dirname: ");
		print_path(kmod_get_dirname(ctx));
		printf("\n");
		kmod_unref(ctx);
		snprintf(buf, sizeof(buf), "%s/", moddir);
		ctx = new_logged(buf, empty, "dirname with a trailing slash");
		printf("dirname: ");
		print_path(kmod_get_dirname(ctx));
		printf("\n");
		printf("load_resources: %d\n", kmod_load_resources(ctx));
		kmod_unref(ctx);
		snprintf(buf, sizeof(buf), "%s/../%s", moddir, strrchr(moddir, '/') + 1);
		ctx = new_logged(buf, empty, "dirname with ..");
		printf("dirname: ");
		print_path(kmod_get_dirname(ctx));
		printf("\n");
		kmod_unref(ctx);
		ctx = new_logged(missing, empty, "missing dirname");
		printf("dirname: %s\n", kmod_get_dirname(ctx) && strcmp(kmod_get_dirname(ctx), missing) == 0 ? "$MISSING" : s(kmod_get_dirname(ctx)));
		printf("load_resources: %d\n", kmod_load_resources(ctx));
		printf("validate_resources: %d\n", kmod_validate_resources(ctx));
		{
			struct kmod_list *l = NULL;
			int rc = kmod_module_new_from_lookup(ctx, "dummy", &l);
			printf("lookup dummy: %d ", rc);
			print_names("found", l);
			kmod_module_unref_list(l);
		}
		kmod_unref(ctx);
	}

	/* load_resources on trees with some indexes missing or damaged. */
	for (int i = 7; i < argc; i++) {
		const char *empty[] = { NULL };
		ctx = kmod_new(argv[i], empty);
		printf("load_resources(%s): %d\n", strrchr(argv[i], '/') + 1, kmod_load_resources(ctx));
		printf("validate_resources(%s): %d\n", strrchr(argv[i], '/') + 1, kmod_validate_resources(ctx));
		kmod_unref(ctx);
	}

	/* kmod_validate_resources after files change (EX_VDIR: a module directory of our own,
	 * EX_VCONF: a configuration directory of our own holding a.conf). */
	if (getenv("EX_VDIR") && getenv("EX_VCONF")) {
		const char *vdir = getenv("EX_VDIR"), *vconf = getenv("EX_VCONF");
		const char *vfile = getenv("EX_VFILE");
		const char *paths[] = { vconf, vfile, NULL };
		char f[4096];
		struct {
			const char *what;
			const char *file;
			bool load;
		} steps[] = {
			{ "an index, not loaded", "modules.alias.bin", false },
			{ "an index, loaded", "modules.alias.bin", true },
			{ "modules.dep (text), loaded", "modules.dep", true },
			{ "modules.builtin.alias.bin, loaded", "modules.builtin.alias.bin", true },
			{ "a configuration file", "a.conf", false },
			{ "a new configuration file", "new.conf", false },
			{ "modules.softdep", "modules.softdep", false },
			{ "a configuration file given as a path", "@file", false },
		};
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			bool conf = strstr(steps[i].file, ".conf") != NULL;
			struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000 + (time_t)i * 1000, 0 } };
			ctx = kmod_new(vdir, paths);
			if (steps[i].load)
				kmod_load_resources(ctx);
			printf("validate before (%s): %d\n", steps[i].what, kmod_validate_resources(ctx));
			if (strcmp(steps[i].file, "@file") == 0)
				snprintf(f, sizeof(f), "%s", vfile ? vfile : "/nonexistent");
			else
				snprintf(f, sizeof(f), "%s/%s", conf ? vconf : vdir, steps[i].file);
			if (strcmp(steps[i].file, "new.conf") == 0) {
				FILE *nf = fopen(f, "w");
				if (nf)
					fclose(nf);
			} else {
				utimensat(AT_FDCWD, f, ts, 0);
			}
			printf("validate after touching %s: %d\n", steps[i].what, kmod_validate_resources(ctx));
			if (strcmp(steps[i].file, "new.conf") == 0)
				unlink(f);
			kmod_unref(ctx);
		}
	}

	/* config_paths variants, with a log function at the default priority (and debug). */
	{
		const char *empty[] = { NULL };
		const char *onlyfile[] = { conffile, NULL };
		const char *onlydir[] = { confdir, NULL };
		const char *both[] = { confdir, conffile, missing, NULL };
		const char *missingonly[] = { missing, NULL };
		const char *twice[] = { confdir, confdir, NULL };
		struct {
			const char *tag;
			const char *const *paths;
		} cases[] = {
			{ "empty list", empty },       { "a file", onlyfile },
			{ "a directory", onlydir },    { "dir, file, missing", both },
			{ "missing only", missingonly }, { "a directory twice", twice },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ctx = new_logged(moddir, cases[i].paths, cases[i].tag);
			print_config(ctx);
			printf("validate_resources: %d\n", kmod_validate_resources(ctx));
			kmod_unref(ctx);
		}
	}
	return 0;
}

/* ---- main ----------------------------------------------------------------------------- */

static void print_module(const char *tag, struct kmod_module *m)
{
	struct kmod_list *dep, *pre = NULL, *post = NULL, *weak = NULL;
	int rc;

	printf("  %s %s path=", tag, s(kmod_module_get_name(m)));
	print_path(kmod_module_get_path(m));
	printf(" options=%s install=%s remove=%s\n", s(kmod_module_get_options(m)),
	       s(kmod_module_get_install_commands(m)), s(kmod_module_get_remove_commands(m)));
	dep = kmod_module_get_dependencies(m);
	print_names("deps", dep);
	kmod_module_unref_list(dep);
	rc = kmod_module_get_softdeps(m, &pre, &post);
	printf("  softdeps rc=%d\n", rc);
	print_names("pre", pre);
	print_names("post", post);
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	if (p_module_get_weakdeps) {
		rc = p_module_get_weakdeps(m, &weak);
		printf("  weakdeps rc=%d\n", rc);
		print_names("weak", weak);
		kmod_module_unref_list(weak);
	}
}

static void print_filters(struct kmod_ctx *ctx, struct kmod_list *list)
{
	static const struct {
		const char *tag;
		unsigned int f;
	} filters[] = { { "none", 0 },
			{ "blacklist", KMOD_FILTER_BLACKLIST },
			{ "builtin", KMOD_FILTER_BUILTIN },
			{ "both", KMOD_FILTER_BLACKLIST | KMOD_FILTER_BUILTIN } };
	struct kmod_list *out;
	int rc;

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		out = NULL;
		rc = kmod_module_apply_filter(ctx, filters[i].f, list, &out);
		printf("  filter %s rc=%d", filters[i].tag, rc);
		print_names("", out);
		kmod_module_unref_list(out);
	}
	out = NULL;
	rc = kmod_module_get_filtered_blacklist(ctx, list, &out);
	printf("  filtered_blacklist rc=%d", rc);
	print_names("", out);
	kmod_module_unref_list(out);
}

/* Walks a list every way: forward, backward, next of the last, prev of the first. */
static void print_walk(struct kmod_list *list)
{
	struct kmod_list *l, *last = kmod_list_last(list);
	int n = 0;

	printf("  walk: last=%s", last ? "set" : "null");
	kmod_list_foreach_reverse(l, list) {
		struct kmod_module *m = kmod_module_get_module(l);
		printf(" %s", s(kmod_module_get_name(m)));
		kmod_module_unref(m);
		n++;
	}
	printf(" (%d back)", n);
	if (list) {
		printf(" next(last)=%s prev(first)=%s", nn(kmod_list_next(list, last)),
		       nn(kmod_list_prev(list, list)));
		if (list != last)
			printf(" prev(last)->next=%s",
			       kmod_list_next(list, kmod_list_prev(list, last)) == last ? "last" : "other");
	}
	printf("\n");
}

static void do_query(struct kmod_ctx *ctx, const char *q)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *m = NULL, *m2 = NULL;
	int rc;

	printf("query '%s'\n", q);
	rc = kmod_module_new_from_lookup(ctx, q, &list);
	printf(" lookup rc=%d", rc);
	print_names("found", list);
	kmod_list_foreach(l, list) {
		struct kmod_module *lm = kmod_module_get_module(l);
		print_module("mod", lm);
		kmod_module_unref(lm);
	}
	print_walk(list);
	print_filters(ctx, list);
	/* A second lookup gives the same module objects. */
	if (list) {
		struct kmod_list *again = NULL;
		struct kmod_module *a, *b;
		kmod_module_new_from_lookup(ctx, q, &again);
		a = kmod_module_get_module(list);
		b = again ? kmod_module_get_module(again) : NULL;
		printf("  lookup again: first module %s\n", a == b ? "same" : "other");
		kmod_module_unref(a);
		kmod_module_unref(b);
		kmod_module_unref_list(again);
	}
	/* new_from_name of the same string: the same object as the lookup's? */
	rc = kmod_module_new_from_name(ctx, q, &m);
	printf(" from_name rc=%d name=%s\n", rc, m ? s(kmod_module_get_name(m)) : "(no module)");
	if (m) {
		print_module("byname", m);
		if (list) {
			struct kmod_module *a = kmod_module_get_module(list);
			printf("  same object as lookup's first: %s\n", a == m ? "same" : "other");
			kmod_module_unref(a);
		}
		kmod_module_new_from_name(ctx, q, &m2);
		printf("  from_name twice: %s\n", m2 == m ? "same" : "other");
		kmod_module_unref(m2);
		printf("  unref: %s\n", nn(kmod_module_unref(m)));
	}
	m = NULL;
	rc = kmod_module_new_from_name_lookup(ctx, q, &m);
	printf(" name_lookup rc=%d module=%s", rc, m ? s(kmod_module_get_name(m)) : "(none)");
	if (m) {
		printf(" path=");
		print_path(kmod_module_get_path(m));
	}
	printf("\n");
	kmod_module_unref(m);
	kmod_module_unref_list(list);
}

static int mode_main(int argc, char **argv)
{
	struct kmod_ctx *ctx;
	char **names;
	int n;

	if (argc < 4) {
		fprintf(stderr, "usage: api-exercise main MODDIR NAMESFILE CONF...\n");
		return 2;
	}
	names = read_lines(argv[3], &n);
	ctx = kmod_new(moddir, conf_paths(argc, argv, 4));
	kmod_set_log_fn(ctx, log_fn, "main");
	kmod_set_log_priority(ctx, getenv("EX_PRIO") ? atoi(getenv("EX_PRIO")) : LOG_INFO);
	printf("config:\n");
	print_config(ctx);
	for (int i = 0; i < n; i++)
		do_query(ctx, names[i]);

	/* A non-empty out-list, NULL arguments with a context. */
	{
		struct kmod_list *list = NULL, *keep;
		struct kmod_module *m = NULL;
		int rc;
		kmod_module_new_from_lookup(ctx, "dummy", &list);
		keep = list;
		rc = kmod_module_new_from_lookup(ctx, "loop", &list);
		printf("lookup into a non-empty list: rc=%d list %s\n", rc,
		       list == keep ? "unchanged" : "changed");
		kmod_module_unref_list(list);
		rc = kmod_module_new_from_name(ctx, "dummy", &m);
		struct kmod_module *keepm = m;
		rc = kmod_module_new_from_name_lookup(ctx, "loop", &m);
		printf("name_lookup into a set module: rc=%d module %s\n", rc,
		       m == keepm ? "unchanged" : "changed");
		if (m != keepm)
			kmod_module_unref(m);
		kmod_module_unref(keepm);
		m = (struct kmod_module *)1; /* garbage, as a careless caller leaves it */
		m = NULL;
	}

	/* new_from_path. */
	{
		struct kmod_module *m = NULL, *m2 = NULL, *m3 = NULL;
		struct kmod_list *list = NULL;
		char path[4096];
		int rc;
		const char *rel = getenv("EX_RELPATH");

		rc = kmod_module_new_from_name(ctx, "dummy", &m);
		const char *dp = kmod_module_get_path(m);
		snprintf(path, sizeof(path), "%s", s(dp));
		kmod_module_unref(m);
		m = NULL;
		if (dp) {
			rc = kmod_module_new_from_path(ctx, path, &m);
			printf("from_path existing: rc=%d name=%s path=", rc, m ? s(kmod_module_get_name(m)) : "-");
			print_path(m ? kmod_module_get_path(m) : NULL);
			printf("\n");
			rc = kmod_module_new_from_path(ctx, path, &m2);
			printf("from_path again: rc=%d %s\n", rc, m2 == m ? "same" : "other");
			kmod_module_unref(m2);
			m2 = NULL;
			rc = kmod_module_new_from_name(ctx, "dummy", &m2);
			printf("from_name after from_path: rc=%d %s path=", rc, m2 == m ? "same" : "other");
			print_path(kmod_module_get_path(m2));
			printf("\n");
			kmod_module_unref(m2);
			m2 = NULL;
		}
		if (rel) {
			rc = kmod_module_new_from_path(ctx, rel, &m3);
			printf("from_path relative: rc=%d name=%s path=", rc, m3 ? s(kmod_module_get_name(m3)) : "-");
			print_path(m3 ? kmod_module_get_path(m3) : NULL);
			printf(" %s\n", m3 == m ? "same" : "other");
			kmod_module_unref(m3);
			m3 = NULL;
		}
		/* Same name, another path, while the first one is held. */
		rc = kmod_module_new_from_path(ctx, getenv("EX_OTHERDUMMY") ? getenv("EX_OTHERDUMMY") : "/nonexistent/dummy.ko", &m2);
		printf("from_path same name other path: rc=%d module=%s\n", rc, nn(m2));
		kmod_module_unref(m2);
		m2 = NULL;
		rc = kmod_module_new_from_path(ctx, "/nonexistent/dir/foo.ko", &m2);
		printf("from_path missing: rc=%d module=%s\n", rc, nn(m2));
		kmod_module_unref(m);
		/* After the last reference went: the other path is accepted. */
		if (getenv("EX_OTHERDUMMY")) {
			m2 = NULL;
			rc = kmod_module_new_from_path(ctx, getenv("EX_OTHERDUMMY"), &m2);
			printf("from_path other path after unref: rc=%d path=", rc);
			print_path(m2 ? kmod_module_get_path(m2) : NULL);
			printf("\n");
			kmod_module_unref(m2);
		}
		/* A module file that is not named .ko. */
		if (getenv("EX_ODDFILE")) {
			m2 = NULL;
			rc = kmod_module_new_from_path(ctx, getenv("EX_ODDFILE"), &m2);
			printf("from_path odd file: rc=%d name=%s\n", rc, m2 ? s(kmod_module_get_name(m2)) : "-");
			kmod_module_unref(m2);
		}
		(void)list;
	}

	/* A lookup list filtered, as udev does. */
	{
		struct kmod_list *list = NULL, *l;
		const char *qs[] = { "floppy", "pcspkr", "dummy", "vfat", NULL };
		for (int i = 0; qs[i]; i++) {
			struct kmod_list *one = NULL;
			kmod_module_new_from_lookup(ctx, qs[i], &one);
			/* merge: make a list by names via a lookup per name is enough */
			kmod_list_foreach(l, one) {
				(void)l;
			}
			if (list == NULL) {
				list = one;
			} else {
				kmod_module_unref_list(one);
			}
		}
		print_filters(ctx, list);
		kmod_module_unref_list(list);
	}

	printf("initstate_str:");
	for (int i = -1; i <= 5; i++)
		printf(" %d=%s", i, s(kmod_module_initstate_str(i)));
	printf(" 100=%s\n", s(kmod_module_initstate_str(100)));
	free_lines(names, n);
	printf("final unref: %s\n", nn(kmod_unref(ctx)));
	return 0;
}

/* ---- null ----------------------------------------------------------------------------- */

/* Runs one call in a child: its printed result, or how it crashed. */
#define CALL(desc, ...)                                                                          \
	do {                                                                                     \
		pid_t pid;                                                                       \
		int st;                                                                          \
		fflush(stdout);                                                                  \
		pid = fork();                                                                    \
		if (pid == 0) {                                                                  \
			printf("%s: ", desc);                                                    \
			__VA_ARGS__;                                                             \
			printf("\n");                                                            \
			fflush(stdout);                                                          \
			_exit(0);                                                                \
		}                                                                                \
		waitpid(pid, &st, 0);                                                            \
		if (WIFSIGNALED(st))                                                             \
			printf("%s: CRASH signal %d\n", desc, WTERMSIG(st));                     \
	} while (0)

static int mode_null(int argc, char **argv)
{
	struct kmod_ctx *ctx = kmod_new(moddir, conf_paths(argc, argv, 3));
	struct kmod_module *m = NULL, *mo;
	struct kmod_list *l = NULL, *list = NULL;
	struct kmod_config_iter *it;

	kmod_set_log_fn(ctx, log_fn, "null");
	kmod_module_new_from_name(ctx, "dummy", &m);
	kmod_module_new_from_lookup(ctx, "dummy", &list);

	CALL("kmod_ref(NULL)", printf("%s", nn(kmod_ref(NULL))));
	CALL("kmod_unref(NULL)", printf("%s", nn(kmod_unref(NULL))));
	CALL("kmod_load_resources(NULL)", printf("%d", kmod_load_resources(NULL)));
	CALL("kmod_unload_resources(NULL)", kmod_unload_resources(NULL));
	CALL("kmod_validate_resources(NULL)", printf("%d", kmod_validate_resources(NULL)));
	CALL("kmod_dump_index(NULL, DEP, 1)", printf("%d", kmod_dump_index(NULL, KMOD_INDEX_MODULES_DEP, 1)));
	CALL("kmod_dump_index(ctx, 99, devnull)", printf("%d", kmod_dump_index(ctx, 99, open("/dev/null", O_WRONLY))));
	CALL("kmod_dump_index(ctx, DEP, -1)", printf("%d", kmod_dump_index(ctx, KMOD_INDEX_MODULES_DEP, -1)));
	CALL("kmod_set_log_priority(NULL, 7)", kmod_set_log_priority(NULL, 7));
	CALL("kmod_get_log_priority(NULL)", printf("%d", kmod_get_log_priority(NULL)));
	CALL("kmod_set_log_fn(NULL, fn, NULL)", kmod_set_log_fn(NULL, log_fn, NULL));
	CALL("kmod_set_log_fn(ctx, NULL, NULL) then a failed lookup", {
		struct kmod_list *x = NULL;
		kmod_set_log_fn(ctx, NULL, NULL);
		kmod_module_new_from_lookup(ctx, "dummy", &list);
		printf("%d", kmod_module_new_from_lookup(ctx, "nosuchthing", &x));
	});
	CALL("kmod_set_userdata(NULL, x)", kmod_set_userdata(NULL, ctx));
	CALL("kmod_get_userdata(NULL)", printf("%s", nn(kmod_get_userdata(NULL))));
	CALL("kmod_get_dirname(NULL)", printf("%s", nn(kmod_get_dirname(NULL))));
	CALL("kmod_list_last(NULL)", printf("%s", nn(kmod_list_last(NULL))));
	CALL("kmod_list_next(NULL, NULL)", printf("%s", nn(kmod_list_next(NULL, NULL))));
	CALL("kmod_list_prev(NULL, NULL)", printf("%s", nn(kmod_list_prev(NULL, NULL))));
	CALL("kmod_list_next(list, NULL)", printf("%s", nn(kmod_list_next(list, NULL))));
	CALL("kmod_list_prev(list, NULL)", printf("%s", nn(kmod_list_prev(list, NULL))));
	CALL("kmod_list_next(NULL, list)", printf("%s", nn(kmod_list_next(NULL, list))));
	CALL("kmod_list_prev(NULL, list)", printf("%s", nn(kmod_list_prev(NULL, list))));
	CALL("kmod_config_get_blacklists(NULL)", printf("%s", nn(kmod_config_get_blacklists(NULL))));
	CALL("kmod_config_get_install_commands(NULL)", printf("%s", nn(kmod_config_get_install_commands(NULL))));
	CALL("kmod_config_get_remove_commands(NULL)", printf("%s", nn(kmod_config_get_remove_commands(NULL))));
	CALL("kmod_config_get_aliases(NULL)", printf("%s", nn(kmod_config_get_aliases(NULL))));
	CALL("kmod_config_get_options(NULL)", printf("%s", nn(kmod_config_get_options(NULL))));
	CALL("kmod_config_get_softdeps(NULL)", printf("%s", nn(kmod_config_get_softdeps(NULL))));
	if (p_config_get_weakdeps)
		CALL("kmod_config_get_weakdeps(NULL)", printf("%s", nn(p_config_get_weakdeps(NULL))));
	CALL("kmod_config_iter_get_key(NULL)", printf("%s", nn(kmod_config_iter_get_key(NULL))));
	CALL("kmod_config_iter_get_value(NULL)", printf("%s", nn(kmod_config_iter_get_value(NULL))));
	CALL("kmod_config_iter_next(NULL)", printf("%d", kmod_config_iter_next(NULL)));
	CALL("kmod_config_iter_free_iter(NULL)", kmod_config_iter_free_iter(NULL));
	it = kmod_config_get_aliases(ctx);
	CALL("iter_get_key before next", printf("%s", s(kmod_config_iter_get_key(it))));
	CALL("iter_get_value before next", printf("%s", s(kmod_config_iter_get_value(it))));
	CALL("iter past the end", {
		int n = 0;
		while (kmod_config_iter_next(it))
			n++;
		printf("%d entries", n);
		for (int i = 0; i < 3; i++) {
			int r = kmod_config_iter_next(it);
			printf(", next again %d key %s value %s", r, s(kmod_config_iter_get_key(it)),
			       s(kmod_config_iter_get_value(it)));
		}
	});
	kmod_config_iter_free_iter(it);
	it = kmod_config_get_blacklists(ctx);
	CALL("blacklist iter value", {
		if (kmod_config_iter_next(it))
			printf("key %s value %s", s(kmod_config_iter_get_key(it)),
			       s(kmod_config_iter_get_value(it)));
		else
			printf("empty");
	});
	kmod_config_iter_free_iter(it);

	CALL("new_from_lookup(NULL, dummy, &l)", { int rc_ = kmod_module_new_from_lookup(NULL, "dummy", &l); printf("%d %s", rc_, nn(l)); });
	CALL("new_from_lookup(ctx, NULL, &l)", { int rc_ = kmod_module_new_from_lookup(ctx, NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("new_from_lookup(ctx, dummy, NULL)", printf("%d", kmod_module_new_from_lookup(ctx, "dummy", NULL)));
	CALL("new_from_lookup(ctx, \"\", &l)", { int rc_ = kmod_module_new_from_lookup(ctx, "", &l); printf("%d %s", rc_, nn(l)); });
	CALL("new_from_lookup(ctx, nosuch, &l)", { int rc_ = kmod_module_new_from_lookup(ctx, "nosuchmodule", &l); printf("%d %s", rc_, nn(l)); });
	CALL("new_from_lookup(ctx, dummy, &nonempty)", {
		struct kmod_list *x = list;
		{ int rc_ = kmod_module_new_from_lookup(ctx, "dummy", &x); printf("%d %s", rc_, x == list ? "unchanged" : "changed"); };
	});
	CALL("new_from_name_lookup(NULL, dummy, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name_lookup(NULL, "dummy", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name_lookup(ctx, NULL, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name_lookup(ctx, NULL, &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name_lookup(ctx, dummy, NULL)", printf("%d", kmod_module_new_from_name_lookup(ctx, "dummy", NULL)));
	CALL("new_from_name_lookup(ctx, nosuch, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name_lookup(ctx, "nosuchmodule", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name_lookup(ctx, \"\", &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name_lookup(ctx, "", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name(NULL, dummy, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name(NULL, "dummy", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name(ctx, NULL, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name(ctx, NULL, &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_name(ctx, dummy, NULL)", printf("%d", kmod_module_new_from_name(ctx, "dummy", NULL)));
	CALL("new_from_name(ctx, \"\", &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name(ctx, "", &mo); printf("%d %s", rc_, nn(mo)); };
		if (mo)
			printf(" name '%s'", s(kmod_module_get_name(mo)));
	});
	CALL("new_from_name(ctx, a/b, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name(ctx, "a/b", &mo); printf("%d %s", rc_, nn(mo)); };
		if (mo)
			printf(" name '%s'", s(kmod_module_get_name(mo)));
	});
	CALL("new_from_name(ctx, x.ko, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_name(ctx, "x.ko", &mo); printf("%d %s", rc_, nn(mo)); };
		if (mo)
			printf(" name '%s'", s(kmod_module_get_name(mo)));
	});
	CALL("new_from_path(NULL, /x.ko, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_path(NULL, "/x.ko", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_path(ctx, NULL, &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_path(ctx, NULL, &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_path(ctx, /, NULL)", printf("%d", kmod_module_new_from_path(ctx, "/", NULL)));
	CALL("new_from_path(ctx, \"\", &m)", {
		mo = NULL;
		{ int rc_ = kmod_module_new_from_path(ctx, "", &mo); printf("%d %s", rc_, nn(mo)); };
	});
	CALL("new_from_loaded(NULL, &l)", { int rc_ = kmod_module_new_from_loaded(NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("new_from_loaded(ctx, &nonempty)", {
		struct kmod_list *x = list;
		int rc_ = kmod_module_new_from_loaded(ctx, &x);
		printf("%d %s", rc_, x == list ? "unchanged" : "changed");
	});
	CALL("new_from_loaded(ctx, NULL)", printf("%d", kmod_module_new_from_loaded(ctx, NULL)));
	CALL("kmod_module_ref(NULL)", printf("%s", nn(kmod_module_ref(NULL))));
	CALL("kmod_module_unref(NULL)", printf("%s", nn(kmod_module_unref(NULL))));
	CALL("kmod_module_unref_list(NULL)", printf("%d", kmod_module_unref_list(NULL)));
	CALL("kmod_module_ref(m)", printf("%s", kmod_module_ref(m) == m ? "same" : "other"));
	CALL("kmod_module_unref(m) with 2 refs", {
		kmod_module_ref(m);
		printf("%s", kmod_module_unref(m) == m ? "same" : nn(kmod_module_unref(m)));
	});
	CALL("kmod_module_unref(last ref)", {
		struct kmod_module *x = NULL;
		kmod_module_new_from_name(ctx, "somethingnew", &x);
		printf("%s", nn(kmod_module_unref(x)));
	});
	CALL("kmod_module_unref_list(list)", printf("%d", kmod_module_unref_list(list)));
	CALL("insert_module(NULL, 0, NULL)", printf("%d", kmod_module_insert_module(NULL, 0, NULL)));
	CALL("probe_insert_module(NULL, ...)", printf("%d", kmod_module_probe_insert_module(NULL, 0, NULL, NULL, NULL, NULL)));
	CALL("remove_module(NULL, 0)", printf("%d", kmod_module_remove_module(NULL, 0)));
	CALL("get_module(NULL)", printf("%s", nn(kmod_module_get_module(NULL))));
	CALL("get_dependencies(NULL)", printf("%s", nn(kmod_module_get_dependencies(NULL))));
	CALL("get_softdeps(NULL, &a, &b)", {
		struct kmod_list *a = NULL, *b = NULL;
		int rc_ = kmod_module_get_softdeps(NULL, &a, &b);
		printf("%d %s %s", rc_, nn(a), nn(b));
	});
	CALL("get_softdeps(m, NULL, &b)", {
		struct kmod_list *b = NULL;
		{ int rc_ = kmod_module_get_softdeps(m, NULL, &b); printf("%d %s", rc_, nn(b)); };
	});
	CALL("get_softdeps(m, &a, NULL)", {
		struct kmod_list *a = NULL;
		{ int rc_ = kmod_module_get_softdeps(m, &a, NULL); printf("%d %s", rc_, nn(a)); };
	});
	CALL("get_softdeps(m, &nonempty, &b)", {
		struct kmod_list *a = list, *b = NULL;
		int rc_ = kmod_module_get_softdeps(m, &a, &b);
		printf("%d %s %s", rc_, a == list ? "unchanged" : "changed", nn(b));
	});
	if (p_module_get_weakdeps) {
		CALL("get_weakdeps(NULL, &w)", {
			struct kmod_list *w = NULL;
			{ int rc_ = p_module_get_weakdeps(NULL, &w); printf("%d %s", rc_, nn(w)); };
		});
		CALL("get_weakdeps(m, NULL)", printf("%d", p_module_get_weakdeps(m, NULL)));
		CALL("get_weakdeps(m, &nonempty)", {
			struct kmod_list *w = list;
			{ int rc_ = p_module_get_weakdeps(m, &w); printf("%d %s", rc_, w == list ? "unchanged" : "changed"); };
		});
	}
	CALL("apply_filter(NULL, 1, list, &out)", {
		struct kmod_list *o = NULL;
		{ int rc_ = kmod_module_apply_filter(NULL, 1, list, &o); printf("%d %s", rc_, nn(o)); };
	});
	CALL("apply_filter(ctx, 1, NULL, &out)", {
		struct kmod_list *o = NULL;
		{ int rc_ = kmod_module_apply_filter(ctx, 1, NULL, &o); printf("%d %s", rc_, nn(o)); };
	});
	CALL("apply_filter(ctx, 1, list, NULL)", printf("%d", kmod_module_apply_filter(ctx, 1, list, NULL)));
	CALL("apply_filter(ctx, 0, list, &out)", {
		struct kmod_list *o = NULL;
		{ int rc_ = kmod_module_apply_filter(ctx, 0, list, &o); printf("%d %s", rc_, nn(o)); };
	});
	CALL("apply_filter(ctx, 1, list, &nonempty)", {
		struct kmod_list *o = NULL;
		kmod_module_new_from_lookup(ctx, "loop", &o);
		struct kmod_list *k = o;
		{ int rc_ = kmod_module_apply_filter(ctx, 1, list, &o); printf("%d %s", rc_, o == k ? "unchanged" : "changed"); };
		/* kmod overwrites the list it was given: it is still the caller's to free. */
		if (o != k)
			kmod_module_unref_list(k);
		kmod_module_unref_list(o);
	});
	CALL("get_filtered_blacklist(NULL, list, &out)", {
		struct kmod_list *o = NULL;
		{ int rc_ = kmod_module_get_filtered_blacklist(NULL, list, &o); printf("%d %s", rc_, nn(o)); };
	});
	CALL("get_filtered_blacklist(ctx, NULL, &out)", {
		struct kmod_list *o = NULL;
		{ int rc_ = kmod_module_get_filtered_blacklist(ctx, NULL, &o); printf("%d %s", rc_, nn(o)); };
	});
	CALL("get_filtered_blacklist(ctx, list, NULL)", printf("%d", kmod_module_get_filtered_blacklist(ctx, list, NULL)));
	CALL("get_install_commands(NULL)", printf("%s", nn(kmod_module_get_install_commands(NULL))));
	CALL("get_remove_commands(NULL)", printf("%s", nn(kmod_module_get_remove_commands(NULL))));
	CALL("get_name(NULL)", printf("%s", nn(kmod_module_get_name(NULL))));
	CALL("get_options(NULL)", printf("%s", nn(kmod_module_get_options(NULL))));
	CALL("get_path(NULL)", printf("%s", nn(kmod_module_get_path(NULL))));
	CALL("get_dependency_symbols(NULL, &l)", { int rc_ = kmod_module_get_dependency_symbols(NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("get_dependency_symbols(m, NULL)", printf("%d", kmod_module_get_dependency_symbols(m, NULL)));
	CALL("get_dependency_symbols(m, &nonempty)", {
		struct kmod_list *x = list;
		{ int rc_ = kmod_module_get_dependency_symbols(m, &x); printf("%d %s", rc_, x == list ? "unchanged" : "changed"); };
	});
	CALL("dependency_symbol_get_bind(NULL)", printf("%d", kmod_module_dependency_symbol_get_bind(NULL)));
	CALL("dependency_symbol_get_crc(NULL)", printf("%llu", (unsigned long long)kmod_module_dependency_symbol_get_crc(NULL)));
	CALL("dependency_symbol_get_symbol(NULL)", printf("%s", nn(kmod_module_dependency_symbol_get_symbol(NULL))));
	CALL("dependency_symbols_free_list(NULL)", kmod_module_dependency_symbols_free_list(NULL));
	CALL("get_sections(NULL)", printf("%s", nn(kmod_module_get_sections(NULL))));
	CALL("section_get_address(NULL)", printf("%lu", kmod_module_section_get_address(NULL)));
	CALL("section_get_name(NULL)", printf("%s", nn(kmod_module_section_get_name(NULL))));
	CALL("section_free_list(NULL)", kmod_module_section_free_list(NULL));
	CALL("get_symbols(NULL, &l)", { int rc_ = kmod_module_get_symbols(NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("get_symbols(m, NULL)", printf("%d", kmod_module_get_symbols(m, NULL)));
	CALL("symbol_get_crc(NULL)", printf("%llu", (unsigned long long)kmod_module_symbol_get_crc(NULL)));
	CALL("symbol_get_symbol(NULL)", printf("%s", nn(kmod_module_symbol_get_symbol(NULL))));
	CALL("symbols_free_list(NULL)", kmod_module_symbols_free_list(NULL));
	CALL("get_versions(NULL, &l)", { int rc_ = kmod_module_get_versions(NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("get_versions(m, NULL)", printf("%d", kmod_module_get_versions(m, NULL)));
	CALL("version_get_crc(NULL)", printf("%llu", (unsigned long long)kmod_module_version_get_crc(NULL)));
	CALL("version_get_symbol(NULL)", printf("%s", nn(kmod_module_version_get_symbol(NULL))));
	CALL("versions_free_list(NULL)", kmod_module_versions_free_list(NULL));
	CALL("get_info(NULL, &l)", { int rc_ = kmod_module_get_info(NULL, &l); printf("%d %s", rc_, nn(l)); });
	CALL("get_info(m, NULL)", printf("%d", kmod_module_get_info(m, NULL)));
	CALL("info_get_key(NULL)", printf("%s", nn(kmod_module_info_get_key(NULL))));
	CALL("info_get_value(NULL)", printf("%s", nn(kmod_module_info_get_value(NULL))));
	CALL("info_free_list(NULL)", kmod_module_info_free_list(NULL));
	CALL("get_initstate(NULL)", printf("%d", kmod_module_get_initstate(NULL)));
	CALL("get_size(NULL)", printf("%ld", kmod_module_get_size(NULL)));
	CALL("get_refcnt(NULL)", printf("%d", kmod_module_get_refcnt(NULL)));
	CALL("get_holders(NULL)", printf("%s", nn(kmod_module_get_holders(NULL))));
	CALL("initstate_str(all)", {
		for (int i = -2; i <= 6; i++)
			printf(" %d=%s", i, s(kmod_module_initstate_str(i)));
		printf(" 0x80000000=%s", s(kmod_module_initstate_str(0x80000000u)));
	});
	/* The wrong kind of list entry for a getter: a module list's node. */
	CALL("info_get_key(module list entry)", printf("%s", nn(kmod_module_info_get_key(list))));
	kmod_module_unref_list(list);
	kmod_module_unref(m);
	printf("final unref: %s\n", nn(kmod_unref(ctx)));
	return 0;
}

/* ---- corrupt -------------------------------------------------------------------------- */

static int mode_corrupt(int argc, char **argv)
{
	char **names;
	int n;

	if (argc < 4)
		return 2;
	names = read_lines(argv[3], &n);
	for (int i = 0; i < n; i++) {
		const char *q = names[i];
		char desc[512];
		snprintf(desc, sizeof(desc), "corrupt '%s'", q);
		CALL(desc, {
			const char *empty[] = { NULL };
			struct kmod_ctx *ctx = kmod_new(moddir, empty);
			struct kmod_list *list = NULL, *d;
			struct kmod_module *m = NULL;
			int rc;
			kmod_set_log_fn(ctx, log_fn, "c");
			printf("\n");
			if (getenv("EX_LOAD"))
				printf(" load_resources %d\n", kmod_load_resources(ctx));
			rc = kmod_module_new_from_lookup(ctx, q, &list);
			printf(" lookup rc=%d", rc);
			print_names("found", list);
			kmod_module_unref_list(list);
			rc = kmod_module_new_from_name_lookup(ctx, q, &m);
			printf(" name_lookup rc=%d %s\n", rc, m ? s(kmod_module_get_name(m)) : "(none)");
			kmod_module_unref(m);
			m = NULL;
			kmod_module_new_from_name(ctx, q, &m);
			printf(" path=");
			print_path(kmod_module_get_path(m));
			printf("\n");
			d = kmod_module_get_dependencies(m);
			print_names("deps", d);
			kmod_module_unref_list(d);
			kmod_module_unref(m);
			kmod_unref(ctx);
		});
	}
	free_lines(names, n);
	return 0;
}

/* ---- threads -------------------------------------------------------------------------- */

struct thread_arg {
	char **names;
	int n;
	const char **paths;
	int rounds;
	unsigned long hash;
	int found;
};

static unsigned long hash_str(unsigned long h, const char *p)
{
	if (p == NULL)
		p = "(null)";
	while (*p)
		h = h * 131 + (unsigned char)*p++;
	return h * 131 + 1;
}

static void *thread_main(void *data)
{
	struct thread_arg *a = data;

	for (int r = 0; r < a->rounds; r++) {
		struct kmod_ctx *ctx = kmod_new(moddir, a->paths);
		kmod_load_resources(ctx);
		for (int i = 0; i < a->n; i++) {
			struct kmod_list *list = NULL, *l;
			kmod_module_new_from_lookup(ctx, a->names[i], &list);
			kmod_list_foreach(l, list) {
				struct kmod_module *m = kmod_module_get_module(l);
				struct kmod_list *d = kmod_module_get_dependencies(m), *e;
				a->hash = hash_str(a->hash, kmod_module_get_name(m));
				a->hash = hash_str(a->hash, kmod_module_get_path(m));
				a->hash = hash_str(a->hash, kmod_module_get_options(m));
				kmod_list_foreach(e, d) {
					struct kmod_module *dm = kmod_module_get_module(e);
					a->hash = hash_str(a->hash, kmod_module_get_name(dm));
					kmod_module_unref(dm);
				}
				kmod_module_unref_list(d);
				kmod_module_unref(m);
				a->found++;
			}
			kmod_module_unref_list(list);
		}
		kmod_unref(ctx);
	}
	return NULL;
}

static int mode_threads(int argc, char **argv)
{
	struct thread_arg one = { 0 }, t[2];
	pthread_t th[2];
	int n;
	char **names;

	if (argc < 4)
		return 2;
	names = read_lines(argv[3], &n);
	one.names = names;
	one.n = n;
	one.paths = conf_paths(argc, argv, 4);
	one.rounds = 1;
	thread_main(&one);
	for (int i = 0; i < 2; i++) {
		t[i] = one;
		t[i].hash = 0;
		t[i].found = 0;
		t[i].rounds = getenv("EX_ROUNDS") ? atoi(getenv("EX_ROUNDS")) : 20;
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, thread_main, &t[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("single: %d modules\n", one.found);
	for (int i = 0; i < 2; i++) {
		/* The hash of `rounds` rounds from 0: recompute the expected one. */
		struct thread_arg e = one;
		e.hash = 0;
		e.found = 0;
		e.rounds = t[i].rounds;
		thread_main(&e);
		printf("thread %d: %d modules, %s\n", i, t[i].found,
		       e.hash == t[i].hash && e.found == t[i].found ? "as alone" : "DIFFERENT");
	}
	free_lines(names, n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: api-exercise ctx|main|null|corrupt|threads MODDIR ...\n");
		return 2;
	}
	moddir = argv[2];
	/* EX_API=30: only what kmod 30 has (for comparing ours with kmod 30's library). */
	if (getenv("EX_API") == NULL || atoi(getenv("EX_API")) > 30) {
		p_config_get_weakdeps = (weak_cfg_fn)dlsym(RTLD_DEFAULT, "kmod_config_get_weakdeps");
	p_module_get_weakdeps = (weak_mod_fn)dlsym(RTLD_DEFAULT, "kmod_module_get_weakdeps");
	p_new_from_name_lookup =
		(name_lookup_fn)dlsym(RTLD_DEFAULT, "kmod_module_new_from_name_lookup");
	}
	if (strcmp(argv[1], "ctx") == 0)
		return mode_ctx(argc, argv);
	if (strcmp(argv[1], "main") == 0)
		return mode_main(argc, argv);
	if (strcmp(argv[1], "null") == 0)
		return mode_null(argc, argv);
	if (strcmp(argv[1], "corrupt") == 0)
		return mode_corrupt(argc, argv);
	if (strcmp(argv[1], "threads") == 0)
		return mode_threads(argc, argv);
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}
