// SPDX-License-Identifier: GPL-2.0
/* depmod cycle test (tests/diff/depmod.sh): cyc_d -> cyc_e -> cyc_f -> cyc_d,
 * a second, three-module cycle. cyc_f uses cyc_d. */
#include <linux/module.h>

int cyc_d_value(void);

int cyc_f_value(void)
{
	return 1;
}
EXPORT_SYMBOL(cyc_f_value);

static int __init cyc_f_init(void)
{
	return cyc_d_value() == 1 ? 0 : -EINVAL;
}
module_init(cyc_f_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("depmod cycle test module F (uses cyc_d)");
