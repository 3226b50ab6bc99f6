/* info-probe: drives the parts of libkmod.so.2 that read a module's file and the kernel's state
 * (kmod_module_get_info, _versions, _symbols, _dependency_symbols, the init state, size,
 * refcount, holders, sections, kmod_module_new_from_loaded), kmod_dump_index and
 * kmod_validate_resources, and prints what they return as text, so that the output with our
 * library and with kmod's (30 on the host, 34.2 in the Debian 13 root) can be compared byte for
 * byte (tests/diff/libkmod-info.sh). Built against kmod's header or ours; runs with whichever
 * libkmod.so.2 the dynamic loader finds.
 *
 * Commands, one a line on stdin (words separated by one space; '#' lines are skipped):
 *   ctx DIR [CONFIG...]  a new context (kmod_new; DIR "-" is NULL; no CONFIG: an empty list
 *                        {NULL}; the word "default" alone: NULL, the default configuration)
 *   load | unload | validate          kmod_load_resources, _unload_resources, _validate_resources
 *   dump N               kmod_dump_index(ctx, N, stdout)
 *   file MOD             info, versions, symbols and dependency symbols of MOD: a path (starts
 *                        with '/': kmod_module_new_from_path) or a name (kmod_module_new_from_name)
 *   info MOD | versions MOD | symbols MOD | depsyms MOD           one of those
 *   seq MOD              versions, then info, of one module object (info then has the
 *                        signature of the file versions read, even for a built-in module)
 *   lookup ALIAS         the modules of kmod_module_new_from_lookup, each with `state`
 *   state MOD            init state, size, refcount, holders, sections
 *   loaded               kmod_module_new_from_loaded: each module's name and `state`
 *   initstate_str        kmod_module_initstate_str of -1..5
 *   touch PATH SECONDS [NSEC]  sets PATH's modification time to SECONDS after the epoch and
 *                        NSEC (default 500000000) nanoseconds
 *   write PATH TEXT...   writes the rest of the line and a newline to PATH
 *   rm PATH              removes PATH
 *   mkdir PATH           makes directory PATH
 *   nulls                the functions above with NULL arguments
 * Each result line starts with the command; errors print as -ERRNO (name).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct kmod_ctx *ctx;

static void put(const char *s);

/* The library's messages, on stdout among the results (without kmod's source file and line). */
static void log_fn(void *data, int priority, const char *file, int line, const char *fn,
		   const char *format, va_list args)
{
	char *msg = NULL;
	(void)data, (void)file, (void)line;
	if (vasprintf(&msg, format, args) < 0)
		return;
	printf("log %d %s: ", priority, fn);
	put(msg);
	putchar('\n');
	free(msg);
	fflush(stdout);
}

static const char *err(int r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "%d", r);
	else
		snprintf(buf, sizeof(buf), "%d (%s)", r, strerrorname_np(-r) ? strerrorname_np(-r) : "?");
	return buf;
}

/* A string as C would write it: printable ASCII as is, the rest escaped; NULL as (null). */
static void put(const char *s)
{
	if (s == NULL) {
		fputs("(null)", stdout);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p >= 0x20 && *p < 0x7f)
			putchar(*p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else
			printf("\\x%02x", *p);
	}
}

static struct kmod_module *module_of(const char *arg, int *ret)
{
	struct kmod_module *mod = NULL;
	if (arg[0] == '/')
		*ret = kmod_module_new_from_path(ctx, arg, &mod);
	else
		*ret = kmod_module_new_from_name(ctx, arg, &mod);
	return *ret < 0 ? NULL : mod;
}

static void do_info(struct kmod_module *mod)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_get_info(mod, &list);
	printf("info %s\n", err(r));
	kmod_list_foreach(l, list) {
		fputs("  ", stdout);
		put(kmod_module_info_get_key(l));
		fputs(" = ", stdout);
		put(kmod_module_info_get_value(l));
		putchar('\n');
	}
	kmod_module_info_free_list(list);
}

static void do_versions(struct kmod_module *mod)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_get_versions(mod, &list);
	printf("versions %s\n", err(r));
	kmod_list_foreach(l, list) {
		printf("  0x%016llx ", (unsigned long long)kmod_module_version_get_crc(l));
		put(kmod_module_version_get_symbol(l));
		putchar('\n');
	}
	kmod_module_versions_free_list(list);
}

static void do_symbols(struct kmod_module *mod)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_get_symbols(mod, &list);
	printf("symbols %s\n", err(r));
	kmod_list_foreach(l, list) {
		printf("  0x%016llx ", (unsigned long long)kmod_module_symbol_get_crc(l));
		put(kmod_module_symbol_get_symbol(l));
		putchar('\n');
	}
	kmod_module_symbols_free_list(list);
}

static void do_depsyms(struct kmod_module *mod)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_get_dependency_symbols(mod, &list);
	printf("depsyms %s\n", err(r));
	kmod_list_foreach(l, list) {
		int bind = kmod_module_dependency_symbol_get_bind(l);
		printf("  0x%016llx %c(%d) ", (unsigned long long)kmod_module_dependency_symbol_get_crc(l),
		       bind >= 0x20 && bind < 0x7f ? bind : '?', bind);
		put(kmod_module_dependency_symbol_get_symbol(l));
		putchar('\n');
	}
	kmod_module_dependency_symbols_free_list(list);
}

static void do_state(struct kmod_module *mod)
{
	struct kmod_list *list, *l;
	int st = kmod_module_get_initstate(mod);
	printf("  initstate %s %s\n", err(st), st >= 0 ? kmod_module_initstate_str(st) : "-");
	printf("  size %ld\n", kmod_module_get_size(mod));
	printf("  refcnt %s\n", err(kmod_module_get_refcnt(mod)));
	list = kmod_module_get_holders(mod);
	printf("  holders%s", list ? ":" : " NULL");
	kmod_list_foreach(l, list) {
		struct kmod_module *h = kmod_module_get_module(l);
		printf(" %s", kmod_module_get_name(h));
		kmod_module_unref(h);
	}
	putchar('\n');
	kmod_module_unref_list(list);
	list = kmod_module_get_sections(mod);
	printf("  sections%s\n", list ? ":" : " NULL");
	kmod_list_foreach(l, list) {
		printf("    0x%lx ", kmod_module_section_get_address(l));
		put(kmod_module_section_get_name(l));
		putchar('\n');
	}
	kmod_module_section_free_list(list);
}

/* Splits LINE at single spaces into at most MAX words. */
static int split(char *line, char **words, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " ", &save); w && n < max; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return n;
}

static void nulls(void)
{
	struct kmod_list *list = NULL;
	printf("nulls get_info(NULL) %s\n", err(kmod_module_get_info(NULL, &list)));
	printf("nulls get_versions(NULL) %s\n", err(kmod_module_get_versions(NULL, &list)));
	printf("nulls get_symbols(NULL) %s\n", err(kmod_module_get_symbols(NULL, &list)));
	printf("nulls get_dependency_symbols(NULL) %s\n",
	       err(kmod_module_get_dependency_symbols(NULL, &list)));
	printf("nulls get_initstate(NULL) %s\n", err(kmod_module_get_initstate(NULL)));
	printf("nulls get_size(NULL) %ld\n", kmod_module_get_size(NULL));
	printf("nulls get_refcnt(NULL) %s\n", err(kmod_module_get_refcnt(NULL)));
	printf("nulls get_holders(NULL) %p\n", (void *)kmod_module_get_holders(NULL));
	printf("nulls get_sections(NULL) %p\n", (void *)kmod_module_get_sections(NULL));
	printf("nulls new_from_loaded(NULL) %s\n", err(kmod_module_new_from_loaded(NULL, &list)));
	printf("nulls validate_resources(NULL) %s\n", err(kmod_validate_resources(NULL)));
	printf("nulls dump_index(NULL) %s\n", err(kmod_dump_index(NULL, KMOD_INDEX_MODULES_DEP, 1)));
	printf("nulls info_get_key(NULL) %s\n", kmod_module_info_get_key(NULL) ? "set" : "NULL");
	printf("nulls info_get_value(NULL) %s\n", kmod_module_info_get_value(NULL) ? "set" : "NULL");
	printf("nulls version_get_symbol(NULL) %s\n",
	       kmod_module_version_get_symbol(NULL) ? "set" : "NULL");
	printf("nulls version_get_crc(NULL) %llu\n",
	       (unsigned long long)kmod_module_version_get_crc(NULL));
	printf("nulls symbol_get_symbol(NULL) %s\n", kmod_module_symbol_get_symbol(NULL) ? "set" : "NULL");
	printf("nulls symbol_get_crc(NULL) %llu\n", (unsigned long long)kmod_module_symbol_get_crc(NULL));
	printf("nulls dependency_symbol_get_bind(NULL) %d\n", kmod_module_dependency_symbol_get_bind(NULL));
	printf("nulls dependency_symbol_get_crc(NULL) %llu\n",
	       (unsigned long long)kmod_module_dependency_symbol_get_crc(NULL));
	printf("nulls section_get_name(NULL) %s\n", kmod_module_section_get_name(NULL) ? "set" : "NULL");
	printf("nulls section_get_address(NULL) 0x%lx\n", kmod_module_section_get_address(NULL));
	if (ctx) {
		struct kmod_module *mod = NULL;
		int r = kmod_module_new_from_name(ctx, "snd", &mod);
		if (r == 0) {
			printf("nulls get_info(mod, NULL) %s\n", err(kmod_module_get_info(mod, NULL)));
			printf("nulls get_versions(mod, NULL) %s\n", err(kmod_module_get_versions(mod, NULL)));
			printf("nulls get_symbols(mod, NULL) %s\n", err(kmod_module_get_symbols(mod, NULL)));
			printf("nulls get_dependency_symbols(mod, NULL) %s\n",
			       err(kmod_module_get_dependency_symbols(mod, NULL)));
			kmod_module_unref(mod);
		}
		printf("nulls new_from_loaded(ctx, NULL) %s\n", err(kmod_module_new_from_loaded(ctx, NULL)));
		for (int i = -1; i <= 6; i++) {
			fflush(stdout);
			printf("nulls dump_index(ctx, %d, -1) %s\n", i, err(kmod_dump_index(ctx, i, -1)));
		}
	}
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		char *w[64];
		int n, r;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = split(line, w, 64);
		if (n == 0)
			continue;
		if (strcmp(w[0], "ctx") == 0 && n >= 2) {
			const char *cfg[64] = {NULL};
			const char *dir = strcmp(w[1], "-") == 0 ? NULL : w[1];
			int def = n == 3 && strcmp(w[2], "default") == 0;
			for (int i = 2; i < n; i++)
				cfg[i - 2] = w[i];
			if (ctx)
				kmod_unref(ctx);
			ctx = kmod_new(dir, def ? NULL : cfg);
			printf("ctx %s\n", ctx ? "ok" : "NULL");
			if (ctx)
				kmod_set_log_fn(ctx, log_fn, NULL);
		} else if (strcmp(w[0], "load") == 0) {
			printf("load %s\n", err(kmod_load_resources(ctx)));
		} else if (strcmp(w[0], "unload") == 0) {
			kmod_unload_resources(ctx);
			printf("unload\n");
		} else if (strcmp(w[0], "validate") == 0) {
			printf("validate %s\n", err(kmod_validate_resources(ctx)));
		} else if (strcmp(w[0], "dump") == 0 && n == 2) {
			fflush(stdout);
			r = kmod_dump_index(ctx, atoi(w[1]), STDOUT_FILENO);
			printf("dump %s %s\n", w[1], err(r));
		} else if (strcmp(w[0], "seq") == 0 && n == 2) {
			/* One module object: versions (reads the file), then info. */
			struct kmod_module *mod = module_of(w[1], &r);
			printf("seq %s: module %s\n", w[1], err(r));
			if (mod == NULL)
				continue;
			do_versions(mod);
			do_info(mod);
			kmod_module_unref(mod);
		} else if (n == 2 && (strcmp(w[0], "file") == 0 || strcmp(w[0], "info") == 0 ||
				      strcmp(w[0], "versions") == 0 || strcmp(w[0], "symbols") == 0 ||
				      strcmp(w[0], "depsyms") == 0 || strcmp(w[0], "state") == 0)) {
			struct kmod_module *mod = module_of(w[1], &r);
			int all = strcmp(w[0], "file") == 0;
			printf("%s %s: module %s\n", w[0], w[1], err(r));
			if (mod == NULL)
				continue;
			if (all || strcmp(w[0], "info") == 0)
				do_info(mod);
			if (all || strcmp(w[0], "versions") == 0)
				do_versions(mod);
			if (all || strcmp(w[0], "symbols") == 0)
				do_symbols(mod);
			if (all || strcmp(w[0], "depsyms") == 0)
				do_depsyms(mod);
			if (strcmp(w[0], "state") == 0)
				do_state(mod);
			kmod_module_unref(mod);
		} else if (strcmp(w[0], "lookup") == 0 && n == 2) {
			struct kmod_list *list = NULL, *l;
			r = kmod_module_new_from_lookup(ctx, w[1], &list);
			printf("lookup %s %s\n", w[1], err(r));
			kmod_list_foreach(l, list) {
				struct kmod_module *m = kmod_module_get_module(l);
				printf(" %s\n", kmod_module_get_name(m));
				do_state(m);
				kmod_module_unref(m);
			}
			kmod_module_unref_list(list);
		} else if (strcmp(w[0], "loaded") == 0) {
			struct kmod_list *list = NULL, *l;
			r = kmod_module_new_from_loaded(ctx, &list);
			printf("loaded %s\n", err(r));
			kmod_list_foreach(l, list) {
				struct kmod_module *m = kmod_module_get_module(l);
				printf(" %s\n", kmod_module_get_name(m));
				do_state(m);
				kmod_module_unref(m);
			}
			kmod_module_unref_list(list);
		} else if (strcmp(w[0], "initstate_str") == 0) {
			for (int i = -1; i <= 5; i++) {
				const char *s = kmod_module_initstate_str(i);
				printf("initstate_str %d %s\n", i, s ? s : "NULL");
			}
		} else if (strcmp(w[0], "touch") == 0 && (n == 3 || n == 4)) {
			long ns = n == 4 ? atol(w[3]) : 500000000;
			struct timespec ts[2] = {{atol(w[2]), ns}, {atol(w[2]), ns}};
			r = utimensat(AT_FDCWD, w[1], ts, 0);
			printf("touch %s\n", r == 0 ? "ok" : strerror(errno));
		} else if (strcmp(w[0], "write") == 0 && n >= 2) {
			FILE *f = fopen(w[1], "w");
			if (f == NULL) {
				printf("write %s\n", strerror(errno));
				continue;
			}
			for (int i = 2; i < n; i++)
				fprintf(f, "%s%s", i > 2 ? " " : "", w[i]);
			fputc('\n', f);
			fclose(f);
			printf("write ok\n");
		} else if (strcmp(w[0], "mkdir") == 0 && n == 2) {
			printf("mkdir %s\n", mkdir(w[1], 0755) == 0 ? "ok" : strerror(errno));
		} else if (strcmp(w[0], "rm") == 0 && n == 2) {
			printf("rm %s\n", unlink(w[1]) == 0 ? "ok" : strerror(errno));
		} else if (strcmp(w[0], "nulls") == 0) {
			nulls();
		} else {
			printf("? %s\n", w[0]);
		}
		fflush(stdout);
	}
	free(line);
	if (ctx)
		kmod_unref(ctx);
	return 0;
}
