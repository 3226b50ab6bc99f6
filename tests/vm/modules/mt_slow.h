/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of mt_slow_a ... mt_slow_d: an init function that takes delay_ms (default 500)
 * milliseconds, asleep, and tells mt_slow_core it runs. The four are independent of each other.
 */
#include <linux/module.h>
#include <linux/delay.h>

void mt_slow_enter(void);
void mt_slow_leave(void);

static unsigned int delay_ms = 500;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "how long init takes");

static int __init mt_slow_init(void)
{
	mt_slow_enter();
	msleep(delay_ms);
	mt_slow_leave();
	return 0;
}

static void __exit mt_slow_exit(void)
{
}

module_init(mt_slow_init);
module_exit(mt_slow_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: an init function that takes a while");
