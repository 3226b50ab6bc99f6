/* A client of libkmod.so.2 that records what probing, inserting and removing do: every
 * print_action and run_install call, the return values, and the library's log lines.
 *
 * Usage: probe [-d MODDIR] [-C CONFIG]... [-l LOGPRIO] SCRIPT
 * SCRIPT (a file, "-" for stdin): one command a line, words separated by blanks; a word "-"
 * is an empty string (for EXTRA), "NULL" a NULL pointer:
 *   probe FLAGS NAME [EXTRA]        kmod_module_new_from_lookup(NAME), then
 *                                   kmod_module_probe_insert_module on each module found
 *   probe-name FLAGS NAME [EXTRA]   kmod_module_new_from_name(NAME), then probe it
 *   probe-nocb FLAGS NAME [EXTRA]   as probe, with no run_install (system()) nor print_action
 *   probe-path FLAGS PATH [EXTRA]   kmod_module_new_from_path(PATH), then probe it
 *   probe-null FLAGS -              kmod_module_probe_insert_module(NULL, ...)
 *   insert FLAGS NAME [OPTIONS]     kmod_module_new_from_name + kmod_module_insert_module
 *   insert-path FLAGS PATH [OPTIONS] kmod_module_new_from_path + kmod_module_insert_module
 *   remove FLAGS NAME               kmod_module_new_from_name + kmod_module_remove_module
 *   install-ret N                   what run_install returns from now on (default 0)
 *   # ...                           a comment, echoed
 * FLAGS: a number (0x.. allowed) or names joined by '|' (DRY_RUN, IGNORE_LOADED, ...: the
 * enum's names without KMOD_PROBE_ / KMOD_INSERT_ / KMOD_REMOVE_).
 *
 * Output lines: "> COMMAND" then "action NAME install=0|1 options=<OPTS>",
 * "run_install NAME <CMDLINE>", "log PRIO FN: MSG" (without the function for kmod 30's
 * differences: see the script) and "= RET" (the return value, with errno's name).
 * Built against kmod's libkmod.h or ours. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkmod.h>

static int install_ret;
static int log_prio = -1;

static void log_fn(void *data, int priority, const char *file, int line, const char *fn,
                   const char *format, va_list args)
{
    (void)data;
    (void)file;
    (void)line;
    (void)fn;
    printf("log %d ", priority);
    vprintf(format, args);
    fflush(stdout);
}

static void print_action(struct kmod_module *m, bool install, const char *options)
{
    printf("action %s install=%d options=<%s>\n", kmod_module_get_name(m), install ? 1 : 0,
           options ? options : "(null)");
    fflush(stdout);
}

static int run_install(struct kmod_module *m, const char *cmdline, void *data)
{
    printf("run_install %s <%s> data=%s\n", kmod_module_get_name(m),
           cmdline ? cmdline : "(null)", (const char *)data);
    fflush(stdout);
    return install_ret;
}

struct flagname {
    const char *name;
    unsigned int value;
};

static const struct flagname flagnames[] = {
    {"FORCE_VERMAGIC", KMOD_PROBE_FORCE_VERMAGIC},
    {"FORCE_MODVERSION", KMOD_PROBE_FORCE_MODVERSION},
    {"IGNORE_COMMAND", KMOD_PROBE_IGNORE_COMMAND},
    {"IGNORE_LOADED", KMOD_PROBE_IGNORE_LOADED},
    {"DRY_RUN", KMOD_PROBE_DRY_RUN},
    {"FAIL_ON_LOADED", KMOD_PROBE_FAIL_ON_LOADED},
    {"APPLY_BLACKLIST_ALL", KMOD_PROBE_APPLY_BLACKLIST_ALL},
    {"APPLY_BLACKLIST", KMOD_PROBE_APPLY_BLACKLIST},
    {"APPLY_BLACKLIST_ALIAS_ONLY", KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY},
    {"REMOVE_FORCE", KMOD_REMOVE_FORCE},
    {"REMOVE_NOWAIT", KMOD_REMOVE_NOWAIT},
    {"REMOVE_NOLOG", KMOD_REMOVE_NOLOG},
    {NULL, 0},
};

static unsigned int parse_flags(const char *s)
{
    unsigned int flags = 0;
    char *copy = strdup(s), *save = NULL, *tok;
    for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        const struct flagname *f;
        char *end;
        unsigned long v = strtoul(tok, &end, 0);
        if (*end == '\0') {
            flags |= (unsigned int)v;
            continue;
        }
        for (f = flagnames; f->name; f++)
            if (strcmp(f->name, tok) == 0)
                break;
        if (!f->name) {
            fprintf(stderr, "unknown flag %s\n", tok);
            exit(2);
        }
        flags |= f->value;
    }
    free(copy);
    return flags;
}

static const char *word(const char *w)
{
    if (w == NULL || strcmp(w, "NULL") == 0)
        return NULL;
    if (strcmp(w, "-") == 0)
        return "";
    return w;
}

static void ret(int r)
{
    if (r < 0)
        printf("= %d (%s)\n", r, strerrorname_np(-r) ? strerrorname_np(-r) : "?");
    else
        printf("= %d\n", r);
    fflush(stdout);
}

static void probe_one(struct kmod_module *m, unsigned int flags, const char *extra, int cb)
{
    int r = kmod_module_probe_insert_module(m, flags, extra, cb ? run_install : NULL,
                                            cb ? "D" : NULL, cb ? print_action : NULL);
    printf("probe %s\n", kmod_module_get_name(m));
    ret(r);
}

static void command(struct kmod_ctx *ctx, char *line)
{
    char *w[8] = {0};
    int n = 0;
    char *save = NULL, *tok;
    for (tok = strtok_r(line, " \t\n", &save); tok && n < 8; tok = strtok_r(NULL, " \t\n", &save))
        w[n++] = tok;
    if (n == 0)
        return;
    if (w[0][0] == '#') {
        return;
    }
    if (strcmp(w[0], "install-ret") == 0 && n == 2) {
        install_ret = atoi(w[1]);
        return;
    }
    if (n < 3) {
        fprintf(stderr, "bad command %s\n", w[0]);
        exit(2);
    }
    unsigned int flags = parse_flags(w[1]);
    const char *arg = w[2];
    const char *extra = word(w[3]);
    if (strncmp(w[0], "probe", 5) == 0) {
        int cb = strcmp(w[0], "probe-nocb") != 0;
        if (strcmp(w[0], "probe-null") == 0) {
            int r = kmod_module_probe_insert_module(NULL, flags, extra, run_install, "D",
                                                    print_action);
            printf("probe NULL\n");
            ret(r);
            return;
        }
        if (strcmp(w[0], "probe-name") == 0 || strcmp(w[0], "probe-path") == 0) {
            struct kmod_module *m = NULL;
            int r = strcmp(w[0], "probe-name") == 0 ? kmod_module_new_from_name(ctx, arg, &m)
                                                    : kmod_module_new_from_path(ctx, arg, &m);
            if (r < 0) {
                printf("new_from_name");
                ret(r);
                return;
            }
            probe_one(m, flags, extra, cb);
            kmod_module_unref(m);
            return;
        }
        struct kmod_list *list = NULL, *l;
        int r = kmod_module_new_from_lookup(ctx, arg, &list);
        if (r < 0) {
            printf("lookup");
            ret(r);
            return;
        }
        if (list == NULL)
            printf("lookup: nothing\n");
        kmod_list_foreach(l, list) {
            struct kmod_module *m = kmod_module_get_module(l);
            probe_one(m, flags, extra, cb);
            kmod_module_unref(m);
        }
        kmod_module_unref_list(list);
    } else if (strcmp(w[0], "insert") == 0 || strcmp(w[0], "insert-path") == 0) {
        struct kmod_module *m = NULL;
        int r = strcmp(w[0], "insert") == 0 ? kmod_module_new_from_name(ctx, arg, &m)
                                             : kmod_module_new_from_path(ctx, arg, &m);
        if (r < 0) {
            printf("new");
            ret(r);
            return;
        }
        r = kmod_module_insert_module(m, flags, extra);
        printf("insert %s\n", kmod_module_get_name(m));
        ret(r);
        kmod_module_unref(m);
    } else if (strcmp(w[0], "remove") == 0) {
        struct kmod_module *m = NULL;
        int r = kmod_module_new_from_name(ctx, arg, &m);
        if (r < 0) {
            printf("new");
            ret(r);
            return;
        }
        r = kmod_module_remove_module(m, flags);
        printf("remove %s\n", kmod_module_get_name(m));
        ret(r);
        kmod_module_unref(m);
    } else {
        fprintf(stderr, "unknown command %s\n", w[0]);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    const char *configs[16];
    int nconf = 0, i;
    for (i = 1; i < argc - 1; i++) {
        if (strcmp(argv[i], "-d") == 0)
            dir = argv[++i];
        else if (strcmp(argv[i], "-C") == 0 && nconf < 15)
            configs[nconf++] = argv[++i];
        else if (strcmp(argv[i], "-l") == 0)
            log_prio = atoi(argv[++i]);
        else
            break;
    }
    if (i != argc - 1) {
        fprintf(stderr, "usage: %s [-d MODDIR] [-C CONFIG]... [-l PRIO] SCRIPT\n", argv[0]);
        return 2;
    }
    configs[nconf] = NULL;
    struct kmod_ctx *ctx = kmod_new(dir, nconf ? configs : NULL);
    if (!ctx) {
        fprintf(stderr, "kmod_new failed\n");
        return 1;
    }
    kmod_set_log_fn(ctx, log_fn, NULL);
    if (log_prio >= 0)
        kmod_set_log_priority(ctx, log_prio);
    FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
    if (!f) {
        perror(argv[i]);
        return 2;
    }
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        printf("> %s", line);
        fflush(stdout);
        command(ctx, line);
    }
    kmod_unref(ctx);
    return 0;
}
