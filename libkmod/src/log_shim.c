/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one C function of libkmod.so.2: calls a client's log function (kmod_set_log_fn), whose
 * last parameter is a va_list. Stable Rust cannot make a va_list; this variadic function makes
 * one holding `message`, passed with the format "%s".
 */
#include <stdarg.h>

typedef void (*kmod_rs_log_fn)(void *data, int priority, const char *file, int line,
			       const char *fn, const char *format, va_list args);

static void call_with_args(kmod_rs_log_fn log_fn, void *data, int priority, const char *file,
			   int line, const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	log_fn(data, priority, file, line, fn, format, args);
	va_end(args);
}

void kmod_rs_call_log_fn(kmod_rs_log_fn log_fn, void *data, int priority, const char *file,
			 int line, const char *fn, const char *message)
{
	call_with_args(log_fn, data, priority, file, line, fn, "%s", message);
}
