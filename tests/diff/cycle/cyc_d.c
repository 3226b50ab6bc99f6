// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_d -> cyc_e -> cyc_f -> cyc_d,
 * a second, three-module cycle. cyc_d uses cyc_e. */
#include <linux/module.h>

int cyc_e_value(void);

int cyc_d_value(void)
{
	return 1;
}
EXPORT_SYMBOL(cyc_d_value);

static int __init cyc_d_init(void)
{
	return cyc_e_value() == 1 ? 0 : -EINVAL;
}
module_init(cyc_d_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module D (uses cyc_e)");
