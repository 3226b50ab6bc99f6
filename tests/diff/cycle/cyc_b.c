// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_b and cyc_a use each
 * other's exports, so depmod must report a dependency cycle. */
#include <linux/module.h>

int cyc_a_value(void);

int cyc_b_value(void)
{
	return 2;
}
EXPORT_SYMBOL(cyc_b_value);

static int __init cyc_b_init(void)
{
	return cyc_a_value() == 1 ? 0 : -EINVAL;
}
module_init(cyc_b_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module B (uses cyc_a)");
