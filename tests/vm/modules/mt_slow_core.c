// SPDX-License-Identifier: GPL-2.0
/*
 * mt_slow_core: counts the mt_slow_* modules' init functions as they run, so that a test can
 * tell how many ran at the same time (max_inflight) and how many ran at all (loads), without
 * timing anything.
 */
#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>

static atomic_t inflight = ATOMIC_INIT(0);
static int max_inflight;
static int loads;
static DEFINE_SPINLOCK(lock);
module_param(max_inflight, int, 0444);
MODULE_PARM_DESC(max_inflight, "most mt_slow_* init functions running at once");
module_param(loads, int, 0444);
MODULE_PARM_DESC(loads, "mt_slow_* init functions run");

void mt_slow_enter(void)
{
	int now = atomic_inc_return(&inflight);

	spin_lock(&lock);
	if (now > max_inflight)
		max_inflight = now;
	loads++;
	spin_unlock(&lock);
}
EXPORT_SYMBOL_GPL(mt_slow_enter);

void mt_slow_leave(void)
{
	atomic_dec(&inflight);
}
EXPORT_SYMBOL_GPL(mt_slow_leave);

static int __init mt_slow_core_init(void)
{
	return 0;
}

static void __exit mt_slow_core_exit(void)
{
}

module_init(mt_slow_core_init);
module_exit(mt_slow_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: counts mt_slow_* loads running at once");
