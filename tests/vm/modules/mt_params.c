// SPDX-License-Identifier: GPL-2.0
/*
 * mt_params: one parameter of each standard type, all readable under
 * /sys/module/mt_params/parameters/.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned char by;
module_param(by, byte, 0444);
MODULE_PARM_DESC(by, "byte");

static short sh;
module_param(sh, short, 0444);
MODULE_PARM_DESC(sh, "short");

static unsigned short us;
module_param(us, ushort, 0444);
MODULE_PARM_DESC(us, "ushort");

static int i;
module_param(i, int, 0444);
MODULE_PARM_DESC(i, "int");

static unsigned int u;
module_param(u, uint, 0444);
MODULE_PARM_DESC(u, "uint");

static long l;
module_param(l, long, 0444);
MODULE_PARM_DESC(l, "long");

static unsigned long ul;
module_param(ul, ulong, 0444);
MODULE_PARM_DESC(ul, "ulong");

static bool b;
module_param(b, bool, 0444);
MODULE_PARM_DESC(b, "bool");

static bool ib = true;
module_param(ib, invbool, 0444);
MODULE_PARM_DESC(ib, "invbool");

static unsigned int hx;
module_param(hx, hexint, 0444);
MODULE_PARM_DESC(hx, "hexint");

static char *s = "unset";
module_param(s, charp, 0444);
MODULE_PARM_DESC(s, "charp");

static char str[32] = "unset";
module_param_string(str, str, sizeof(str), 0444);
MODULE_PARM_DESC(str, "string (fixed buffer)");

static int arr[4];
static unsigned int arr_n;
module_param_array(arr, int, &arr_n, 0444);
MODULE_PARM_DESC(arr, "array of int");

static int __init mt_params_init(void)
{
	return 0;
}

static void __exit mt_params_exit(void)
{
}

module_init(mt_params_init);
module_exit(mt_params_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("modutils-rs test: parameters of every type");
