/*
 * Supplementary LD_PRELOAD traps for tests/kmod-testsuite.sh (our code, not kmod's), preloaded
 * before kmod's own traps. They cover two calls a Rust library makes that kmod's traps, written
 * for kmod's C library, do not catch:
 *
 * - statx(): kmod's testsuite fakes a root directory by preloading a library that rewrites the
 *   absolute paths given to open(), open64(), fopen(), stat(), opendir() and a few others (the
 *   test's root, $TESTSUITE_ROOTFS, put in front, unless the path is under kmod's build
 *   directory). Rust's std::fs::metadata() calls statx(), which it does not wrap, so it would
 *   look at the host's files. Wrapped here by the same rule; with no $TESTSUITE_ROOTFS (tests
 *   without a fake root) it changes nothing.
 * - syscall(SYS_init_module) and syscall(SYS_delete_module): kmod's traps replace the C
 *   library's init_module() and delete_module() and catch finit_module made with syscall(); the
 *   nix crate makes all three with syscall(). The two are sent here to the init_module() and
 *   delete_module() functions the process sees (kmod's trap when it is preloaded, else the C
 *   library's, which makes the same system call); every other number goes on to the next
 *   syscall() unchanged.
 *
 * Build: cc -shared -fPIC -DBUILD_ROOT='"<kmod build dir>"' -o trap.so this.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef BUILD_ROOT
#error "BUILD_ROOT (kmod's build directory) must be defined"
#endif

typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);
typedef long (*syscall_fn)(long, ...);
typedef int (*init_module_fn)(void *, unsigned long, const char *);
typedef int (*delete_module_fn)(const char *, unsigned int);

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
	static statx_fn next;
	char moved[2 * PATH_MAX];
	const char *root = getenv("TESTSUITE_ROOTFS");

	if (next == NULL)
		next = (statx_fn)dlsym(RTLD_NEXT, "statx");
	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* Rust's std probes statx() with a null path. */
	if (root != NULL && path != NULL && path[0] == '/' &&
	    strncmp(path, BUILD_ROOT, strlen(BUILD_ROOT)) != 0) {
		int n = snprintf(moved, sizeof(moved), "%s%s", root, path);

		if (n < 0 || (size_t)n >= sizeof(moved)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		path = moved;
	}
	return next(dirfd, path, flags, mask, buf);
}

long syscall(long number, ...)
{
	static syscall_fn next;
	long a[6];
	va_list ap;
	int i;

	/* x86_64: a system call takes at most six arguments, each a register's worth. */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (number == SYS_init_module) {
		init_module_fn f = (init_module_fn)dlsym(RTLD_DEFAULT, "init_module");

		if (f != NULL)
			return f((void *)a[0], (unsigned long)a[1], (const char *)a[2]);
	} else if (number == SYS_delete_module) {
		delete_module_fn f = (delete_module_fn)dlsym(RTLD_DEFAULT, "delete_module");

		if (f != NULL)
			return f((const char *)a[0], (unsigned int)a[1]);
	}
	if (next == NULL)
		next = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return next(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
