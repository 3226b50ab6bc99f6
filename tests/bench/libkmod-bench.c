/* libkmod-bench DIR ALIASES NEW: times a libkmod.so.2 (whichever the dynamic loader finds) on
 * what udev and modprobe ask of it, for tests/bench/libkmod.sh:
 *   - one context on DIR with the default configuration and kmod_load_resources (as udev and
 *     modprobe make theirs); kmod_module_new_from_lookup of every line of ALIASES;
 *   - then, in the same context, each lookup again and kmod_module_probe_insert_module with
 *     KMOD_PROBE_DRY_RUN on every module found (what `modprobe -n` does), the actions counted by
 *     the print_action callback; skipped (n/a) while the library answers -ENOSYS;
 *   - NEW times kmod_new (DIR, default configuration) and kmod_unref.
 * Prints one line per part: `lookup SECONDS modules N hash H`, `probe SECONDS actions N hash H`
 * (or `probe n/a`), `new_unref SECONDS`; N and H (FNV-1a over the names and actions) say whether
 * two libraries found the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libkmod.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t hash = 2166136261u;
static long actions;

static void mix(const char *s)
{
	for (; s && *s; s++) {
		hash ^= (unsigned char)*s;
		hash *= 16777619u;
	}
	hash ^= '\n';
	hash *= 16777619u;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_action(struct kmod_module *m, bool install, const char *options)
{
	actions++;
	mix(install ? "install" : "insmod");
	mix(install ? kmod_module_get_install_commands(m) : kmod_module_get_path(m));
	mix(options);
}

int main(int argc, char **argv)
{
	char **aliases = NULL, *line = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	ssize_t len;
	FILE *f;
	struct kmod_ctx *ctx;
	long modules = 0;
	int probe_ok = 1;
	double t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR ALIASES NEW\n", argv[0]);
		return 2;
	}
	f = fopen(argv[2], "r");
	if (f == NULL) {
		perror(argv[2]);
		return 2;
	}
	while ((len = getline(&line, &linecap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			aliases = realloc(aliases, cap * sizeof(*aliases));
			if (aliases == NULL)
				return 2;
		}
		aliases[n++] = strdup(line);
	}
	fclose(f);

	ctx = kmod_new(argv[1], NULL);
	if (ctx == NULL || kmod_load_resources(ctx) < 0) {
		fprintf(stderr, "no context on %s\n", argv[1]);
		return 2;
	}
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		struct kmod_list *list = NULL, *l;
		if (kmod_module_new_from_lookup(ctx, aliases[i], &list) < 0)
			continue;
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);
			modules++;
			mix(kmod_module_get_name(m));
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	t1 = now();
	printf("lookup %.6f modules %ld hash %08x\n", t1 - t0, modules, hash);

	hash = 2166136261u;
	t0 = now();
	for (size_t i = 0; i < n && probe_ok; i++) {
		struct kmod_list *list = NULL, *l;
		if (kmod_module_new_from_lookup(ctx, aliases[i], &list) < 0)
			continue;
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);
			int r = kmod_module_probe_insert_module(m, KMOD_PROBE_DRY_RUN, NULL, NULL, NULL,
								print_action);
			if (r == -ENOSYS)
				probe_ok = 0;
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	t1 = now();
	if (probe_ok)
		printf("probe %.6f actions %ld hash %08x\n", t1 - t0, actions, hash);
	else
		printf("probe n/a\n");
	kmod_unref(ctx);

	t0 = now();
	for (long i = 0, count = atol(argv[3]); i < count; i++) {
		struct kmod_ctx *c = kmod_new(argv[1], NULL);
		if (c == NULL) {
			fprintf(stderr, "kmod_new failed\n");
			return 2;
		}
		kmod_unref(c);
	}
	t1 = now();
	printf("new_unref %.6f\n", t1 - t0);
	for (size_t i = 0; i < n; i++)
		free(aliases[i]);
	free(aliases);
	free(line);
	return 0;
}
