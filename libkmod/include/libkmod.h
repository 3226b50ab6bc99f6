/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libkmod.h: the C interface of modutils-rs's libkmod.so.2, a drop-in for kmod's library
 * (kmod 34.2: symbol versions LIBKMOD_5, _6, _22, _30 and _33). Written for this project
 * from kmod's published API documentation; every type, constant and prototype below is
 * source- and binary-compatible with kmod's header, so programs built against either header
 * run with either library. Behaviour is described in the project's docs/libkmod.md.
 */
#pragma once
#ifndef _LIBKMOD_H_
#define _LIBKMOD_H_

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The library context --------------------------------------------------------------- */

/* One per thread: a context (and the modules and lists made from it) is not thread-safe. */
struct kmod_ctx;

/* dirname: the module directory (NULL: /lib/modules/`uname -r`); config_paths: a
 * NULL-terminated list of files or directories read instead of the modprobe.d defaults
 * (NULL: the defaults). Returns a context with one reference, or NULL. */
struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths);
struct kmod_ctx *kmod_ref(struct kmod_ctx *ctx);
/* Drops a reference; returns NULL once the context is freed, else ctx. */
struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx);

/* Opens every index of the module directory and keeps it open (0 or a negative errno). */
int kmod_load_resources(struct kmod_ctx *ctx);
void kmod_unload_resources(struct kmod_ctx *ctx);

/* What kmod_validate_resources() says about the loaded configuration and indexes. */
enum kmod_resources {
	KMOD_RESOURCES_OK = 0,           /* nothing changed on disk */
	KMOD_RESOURCES_MUST_RELOAD = 1,  /* files changed: kmod_unload/load_resources() */
	KMOD_RESOURCES_MUST_RECREATE = 2 /* the configuration changed: a new context */
};
int kmod_validate_resources(struct kmod_ctx *ctx);

/* The indexes kmod_dump_index() can write. */
enum kmod_index {
	KMOD_INDEX_MODULES_DEP = 0,
	KMOD_INDEX_MODULES_ALIAS,
	KMOD_INDEX_MODULES_SYMBOL,
	KMOD_INDEX_MODULES_BUILTIN_ALIAS,
	KMOD_INDEX_MODULES_BUILTIN,
	_KMOD_INDEX_PAD = 1U << 31 /* keeps the enum int-sized; not an index */
};
/* Writes the index as text to fd (0 or a negative errno). */
int kmod_dump_index(struct kmod_ctx *ctx, enum kmod_index type, int fd);

/* Logging: priorities as syslog's (LOG_ERR ... LOG_DEBUG). The initial priority is LOG_ERR,
 * or the environment's KMOD_LOG. Without a log function, messages go to stderr. */
void kmod_set_log_priority(struct kmod_ctx *ctx, int priority);
int kmod_get_log_priority(const struct kmod_ctx *ctx);
void kmod_set_log_fn(struct kmod_ctx *ctx,
		     void (*log_fn)(void *log_data, int priority, const char *file, int line,
				    const char *fn, const char *format, va_list args),
		     const void *data);
void kmod_set_userdata(struct kmod_ctx *ctx, const void *userdata);
void *kmod_get_userdata(const struct kmod_ctx *ctx);
/* The module directory the context uses. */
const char *kmod_get_dirname(const struct kmod_ctx *ctx);

/* ---- Lists ----------------------------------------------------------------------------- */

/* An opaque list node; a list is the pointer to its first node (NULL: empty). Each function
 * that returns a list says how to free it. */
struct kmod_list;

#define kmod_list_foreach(list_entry, first_entry) \
	for (list_entry = first_entry; list_entry != NULL; \
	     list_entry = kmod_list_next(first_entry, list_entry))

#define kmod_list_foreach_reverse(list_entry, first_entry) \
	for (list_entry = kmod_list_last(first_entry); list_entry != NULL; \
	     list_entry = kmod_list_prev(first_entry, list_entry))

struct kmod_list *kmod_list_last(const struct kmod_list *list);
struct kmod_list *kmod_list_next(const struct kmod_list *list, const struct kmod_list *curr);
struct kmod_list *kmod_list_prev(const struct kmod_list *list, const struct kmod_list *curr);

/* ---- The configuration (modprobe.d) ---------------------------------------------------- */

struct kmod_config_iter;
/* Each returns an iterator positioned before the first entry (kmod_config_iter_next()
 * first), or NULL; free it with kmod_config_iter_free_iter(). */
struct kmod_config_iter *kmod_config_get_blacklists(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_install_commands(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_remove_commands(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_aliases(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_options(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_softdeps(const struct kmod_ctx *ctx);
struct kmod_config_iter *kmod_config_get_weakdeps(const struct kmod_ctx *ctx);
const char *kmod_config_iter_get_key(const struct kmod_config_iter *iter);
const char *kmod_config_iter_get_value(const struct kmod_config_iter *iter);
bool kmod_config_iter_next(struct kmod_config_iter *iter);
void kmod_config_iter_free_iter(struct kmod_config_iter *iter);

/* ---- Modules --------------------------------------------------------------------------- */

/* A module: reference counted; each function that returns one gives the caller a
 * reference. Lists of modules are freed with kmod_module_unref_list(). */
struct kmod_module;

int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias,
				struct kmod_list **list);
int kmod_module_new_from_name_lookup(struct kmod_ctx *ctx, const char *modname,
				     struct kmod_module **mod);
int kmod_module_new_from_name(struct kmod_ctx *ctx, const char *name,
			      struct kmod_module **mod);
int kmod_module_new_from_path(struct kmod_ctx *ctx, const char *path,
			      struct kmod_module **mod);
int kmod_module_new_from_loaded(struct kmod_ctx *ctx, struct kmod_list **list);

struct kmod_module *kmod_module_ref(struct kmod_module *mod);
struct kmod_module *kmod_module_unref(struct kmod_module *mod);
int kmod_module_unref_list(struct kmod_list *list);

/* Flags of kmod_module_insert_module(). */
enum kmod_insert {
	KMOD_INSERT_FORCE_VERMAGIC = 0x1,   /* ignore the version magic */
	KMOD_INSERT_FORCE_MODVERSION = 0x2, /* ignore the symbol versions */
};
int kmod_module_insert_module(struct kmod_module *mod, unsigned int flags, const char *options);

/* Flags of kmod_module_probe_insert_module(). With an APPLY_BLACKLIST flag, a blacklisted
 * module stops the probe and the flag's value is returned (a positive number). */
enum kmod_probe {
	KMOD_PROBE_FORCE_VERMAGIC = 0x00001,
	KMOD_PROBE_FORCE_MODVERSION = 0x00002,
	KMOD_PROBE_IGNORE_COMMAND = 0x00004,       /* never run install commands */
	KMOD_PROBE_IGNORE_LOADED = 0x00008,        /* insert even when already loaded */
	KMOD_PROBE_DRY_RUN = 0x00010,              /* report, change nothing */
	KMOD_PROBE_FAIL_ON_LOADED = 0x00020,       /* -EEXIST when already loaded */
	KMOD_PROBE_APPLY_BLACKLIST_ALL = 0x10000,  /* the module and its dependencies */
	KMOD_PROBE_APPLY_BLACKLIST = 0x20000,      /* the module itself */
	KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY = 0x40000, /* the module, if found by an alias */
};
int kmod_module_probe_insert_module(
	struct kmod_module *mod, unsigned int flags, const char *extra_options,
	int (*run_install)(struct kmod_module *m, const char *cmdline, void *data),
	const void *data,
	void (*print_action)(struct kmod_module *m, bool install, const char *options));

/* Flags of kmod_module_remove_module(). */
enum kmod_remove {
	KMOD_REMOVE_FORCE = O_TRUNC,   /* remove even when in use (the kernel's O_TRUNC) */
	KMOD_REMOVE_NOWAIT = O_NONBLOCK, /* always on: the kernel no longer waits */
	KMOD_REMOVE_NOLOG = 1,         /* no log message on failure */
};
int kmod_module_remove_module(struct kmod_module *mod, unsigned int flags);

/* The module of a list node (a new reference). */
struct kmod_module *kmod_module_get_module(const struct kmod_list *entry);
struct kmod_list *kmod_module_get_dependencies(const struct kmod_module *mod);
int kmod_module_get_softdeps(const struct kmod_module *mod, struct kmod_list **pre,
			     struct kmod_list **post);
int kmod_module_get_weakdeps(const struct kmod_module *mod, struct kmod_list **weak);

/* Filters of kmod_module_apply_filter(). */
enum kmod_filter {
	KMOD_FILTER_BLACKLIST = 0x00001, /* drop blacklisted modules */
	KMOD_FILTER_BUILTIN = 0x00002,   /* drop built-in modules */
};
int kmod_module_apply_filter(const struct kmod_ctx *ctx, enum kmod_filter filter_type,
			     const struct kmod_list *input, struct kmod_list **output);
/* kmod_module_apply_filter() with KMOD_FILTER_BLACKLIST. */
int kmod_module_get_filtered_blacklist(const struct kmod_ctx *ctx,
				       const struct kmod_list *input,
				       struct kmod_list **output)
	__attribute__((deprecated));

/* Strings owned by the module: valid while the caller holds a reference to it. */
const char *kmod_module_get_install_commands(const struct kmod_module *mod);
const char *kmod_module_get_remove_commands(const struct kmod_module *mod);
const char *kmod_module_get_name(const struct kmod_module *mod);
const char *kmod_module_get_options(const struct kmod_module *mod);
const char *kmod_module_get_path(const struct kmod_module *mod);

/* What a symbol is bound as (kmod_module_dependency_symbol_get_bind()). */
enum kmod_symbol_bind {
	KMOD_SYMBOL_NONE = '\0',
	KMOD_SYMBOL_LOCAL = 'L',
	KMOD_SYMBOL_GLOBAL = 'G',
	KMOD_SYMBOL_WEAK = 'W',
	KMOD_SYMBOL_UNDEF = 'U',
};

/* Read from the module's file; each list is freed with its own *_free_list(). */
int kmod_module_get_dependency_symbols(const struct kmod_module *mod, struct kmod_list **list);
int kmod_module_dependency_symbol_get_bind(const struct kmod_list *entry);
uint64_t kmod_module_dependency_symbol_get_crc(const struct kmod_list *entry);
const char *kmod_module_dependency_symbol_get_symbol(const struct kmod_list *entry);
void kmod_module_dependency_symbols_free_list(struct kmod_list *list);

/* From /sys/module/NAME/sections (loaded modules). */
struct kmod_list *kmod_module_get_sections(const struct kmod_module *mod);
unsigned long kmod_module_section_get_address(const struct kmod_list *entry);
const char *kmod_module_section_get_name(const struct kmod_list *entry);
void kmod_module_section_free_list(struct kmod_list *list);

int kmod_module_get_symbols(const struct kmod_module *mod, struct kmod_list **list);
uint64_t kmod_module_symbol_get_crc(const struct kmod_list *entry);
const char *kmod_module_symbol_get_symbol(const struct kmod_list *entry);
void kmod_module_symbols_free_list(struct kmod_list *list);

int kmod_module_get_versions(const struct kmod_module *mod, struct kmod_list **list);
uint64_t kmod_module_version_get_crc(const struct kmod_list *entry);
const char *kmod_module_version_get_symbol(const struct kmod_list *entry);
void kmod_module_versions_free_list(struct kmod_list *list);

/* .modinfo key/value pairs, with the signature's fields as modinfo shows them. */
int kmod_module_get_info(const struct kmod_module *mod, struct kmod_list **list);
const char *kmod_module_info_get_key(const struct kmod_list *entry);
const char *kmod_module_info_get_value(const struct kmod_list *entry);
void kmod_module_info_free_list(struct kmod_list *list);

/* ---- Loaded modules -------------------------------------------------------------------- */

/* States of kmod_module_get_initstate(). */
enum kmod_module_initstate {
	KMOD_MODULE_BUILTIN = 0,
	KMOD_MODULE_LIVE,
	KMOD_MODULE_COMING,
	KMOD_MODULE_GOING,
	_KMOD_MODULE_PAD = 1U << 31 /* keeps the enum int-sized; not a state */
};
const char *kmod_module_initstate_str(enum kmod_module_initstate state);
int kmod_module_get_initstate(const struct kmod_module *mod);
long kmod_module_get_size(const struct kmod_module *mod);
int kmod_module_get_refcnt(const struct kmod_module *mod);
struct kmod_list *kmod_module_get_holders(const struct kmod_module *mod);

#ifdef __cplusplus
}
#endif
#endif
