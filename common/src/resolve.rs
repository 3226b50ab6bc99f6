//! Dependency resolution between modules: who provides each undefined symbol, the order in which
//! a module's dependencies are listed, and dependency cycles.
//!
//! The order is the one kmod's depmod produces (established by comparing with its output on
//! Debian's kernels, not from its code): a topological order of the "uses" graph computed with a
//! stack. Start with every module that no other module uses, pushed in module order; repeatedly
//! pop one, give it the next position, and for each of its direct dependencies (in the order
//! their symbols first appear in its symbol table) drop one user; a dependency left with no users
//! is pushed. A module's line in `modules.dep` lists its transitive dependencies sorted by that
//! position, so every module comes before the modules it uses. Modules never popped are in (or
//! behind) a cycle.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::elf::NameList;
use crate::scan::ModuleScan;

/// Dependencies of a set of modules, by index into the slice given to [`resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Direct dependencies of each module, in the order their symbols first appear.
    pub direct: Vec<Vec<usize>>,
    /// Position of each module in the topological order; `None` for modules in or behind a cycle.
    pub position: Vec<Option<usize>>,
    /// Undefined symbols no module exports, per module (in symbol order).
    pub unresolved: Vec<NameList>,
}

/// Where each exported symbol comes from: the first module in module order that exports it.
pub fn symbol_owners(modules: &[ModuleScan]) -> FxHashMap<&str, usize> {
    let mut owners = FxHashMap::default();
    for (i, m) in modules.iter().enumerate() {
        for e in &m.exports {
            owners.entry(e.name.as_str()).or_insert(i);
        }
    }
    owners
}

/// Resolves every module's undefined symbols against the others' exports.
pub fn resolve(modules: &[ModuleScan]) -> Resolution {
    let owners = symbol_owners(modules);
    let mut direct = Vec::with_capacity(modules.len());
    let mut unresolved = Vec::with_capacity(modules.len());
    for (i, m) in modules.iter().enumerate() {
        let mut deps: Vec<usize> = Vec::new();
        let mut missing = NameList::new();
        for sym in m.undefined.iter() {
            match owners.get(sym) {
                Some(&o) if o != i => {
                    if !deps.contains(&o) {
                        deps.push(o);
                    }
                }
                Some(_) => {}
                None => missing.push(sym),
            }
        }
        direct.push(deps);
        unresolved.push(missing);
    }
    let position = topological_positions(&direct);
    Resolution {
        direct,
        position,
        unresolved,
    }
}

fn topological_positions(direct: &[Vec<usize>]) -> Vec<Option<usize>> {
    let mut users = vec![0usize; direct.len()];
    for deps in direct {
        for &d in deps {
            users[d] += 1;
        }
    }
    let mut stack: Vec<usize> = (0..direct.len()).filter(|&i| users[i] == 0).collect();
    let mut position = vec![None; direct.len()];
    let mut next = 0;
    while let Some(m) = stack.pop() {
        position[m] = Some(next);
        next += 1;
        for &d in &direct[m] {
            users[d] -= 1;
            if users[d] == 0 {
                stack.push(d);
            }
        }
    }
    position
}

impl Resolution {
    /// All modules `module` needs, directly or not, sorted so that each comes before the modules
    /// it uses (load them in reverse).
    pub fn sorted_closure(&self, module: usize) -> Vec<usize> {
        // Closures are short (a dozen modules at most on Debian's trees): a linear search beats
        // clearing a table the size of the tree for every module. Past `LINEAR` modules a hash
        // set takes over, so that a long chain of modules (each needing the next: closures of
        // every length) is not cubic: 2000 chained modules took 0.5 s, 4000 took 4 s.
        const LINEAR: usize = 64;
        let mut out = Vec::new();
        let mut seen: FxHashSet<usize> = FxHashSet::default();
        let mut stack = self.direct[module].clone();
        while let Some(m) = stack.pop() {
            let known = if out.len() < LINEAR {
                out.contains(&m)
            } else {
                if seen.is_empty() {
                    seen.extend(out.iter().copied());
                }
                seen.contains(&m)
            };
            if m == module || known {
                continue;
            }
            out.push(m);
            if !seen.is_empty() {
                seen.insert(m);
            }
            stack.extend_from_slice(&self.direct[m]);
        }
        out.sort_by_key(|&m| self.position[m].unwrap_or(usize::MAX));
        out
    }

    /// The dependency cycles, each as the module indexes along it, first module repeated at the
    /// end (`a -> b -> a`), in the order and from the module kmod's depmod reports them (both
    /// kmod 30 and 34.2, observed on trees built for it):
    ///
    /// - each module in or behind a cycle, in module order, is a start unless it is already in a
    ///   reported cycle;
    /// - from a start, every path of dependencies that returns to it is a cycle, found depth
    ///   first, a module's direct dependencies tried last first (the reverse of
    ///   [`Resolution::direct`]): `h -> i -> j -> k -> h` before `h -> i -> j -> h` when `j`
    ///   needs `h`, then `k`;
    /// - the count kmod prints is the number of distinct modules in the cycles
    ///   ([`Resolution::cycle_module_count`]).
    ///
    /// Where kmod never ends (a start from which a cycle not through it can be reached: kmod
    /// then walks that cycle forever, printing ever longer paths or nothing), a path does not
    /// go through a module already on it: such a cycle is reported only from a later start of
    /// its own, if one is left. To bound
    /// the work on adversarial graphs (kmod enumerates every path, exponential in the worst
    /// case), a start stops after `CYCLE_STEPS` steps.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        const CYCLE_STEPS: usize = 1 << 22;
        let n = self.direct.len();
        let mut reported = vec![false; n];
        let mut on_path = vec![false; n];
        let mut out = Vec::new();
        for start in (0..n).filter(|&i| self.position[i].is_none()) {
            if reported[start] {
                continue;
            }
            let mut found = Vec::new();
            // The path, and per module on it how many of its dependencies are still to try
            // (tried from the last one down).
            let mut path = vec![start];
            let mut left = vec![self.direct[start].len()];
            on_path[start] = true;
            let mut steps = 0;
            while let (Some(&node), Some(todo)) = (path.last(), left.last_mut()) {
                steps += 1;
                if *todo == 0 || steps > CYCLE_STEPS {
                    on_path[node] = false;
                    path.pop();
                    left.pop();
                    continue;
                }
                *todo -= 1;
                let d = self.direct[node][*todo];
                if d == start {
                    let mut c = path.clone();
                    c.push(start);
                    found.push(c);
                } else if !on_path[d] && self.position[d].is_none() {
                    on_path[d] = true;
                    path.push(d);
                    left.push(self.direct[d].len());
                }
            }
            for c in found {
                for &m in &c {
                    reported[m] = true;
                }
                out.push(c);
            }
        }
        out
    }

    /// How many distinct modules the [`Resolution::cycles`] go through (kmod's `Found N modules
    /// in dependency cycles!`).
    pub fn cycle_module_count(cycles: &[Vec<usize>]) -> usize {
        let mut all: Vec<usize> = cycles.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::Export;
    use std::path::PathBuf;

    fn module(name: &str, exports: &[&str], undefined: &[&str]) -> ModuleScan {
        ModuleScan {
            name: name.to_string(),
            path: PathBuf::from(format!("{name}.ko")),
            modinfo: Vec::new(),
            exports: exports
                .iter()
                .map(|e| Export {
                    name: e.to_string(),
                    crc: None,
                })
                .collect(),
            undefined: undefined.iter().copied().collect(),
            versions: Vec::new(),
        }
    }

    fn names(ms: &[ModuleScan], idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| ms[i].name.clone()).collect()
    }

    #[test]
    fn nfs_like_chain_orders_users_first() {
        // The dependency shape of Debian 6.1's nfsv3. On its own (no other modules around) the
        // stack order, worked by hand: nfsv3; push nfs_acl, nfs; pop nfs, push lockd, fscache;
        // pop fscache, push netfs; pop netfs; pop lockd, push grace (sunrpc still used by
        // nfs_acl); pop grace; pop nfs_acl, push sunrpc; pop sunrpc. (In the full tree kmod
        // writes a different interleaving because other modules share the stack; the
        // differential test against kmod covers that.)
        let ms = vec![
            module("nfsv3", &[], &["nfs_acl_sym", "nfs_sym"]),
            module("nfs", &["nfs_sym"], &["lockd_sym", "fscache_sym"]),
            module("lockd", &["lockd_sym"], &["grace_sym", "sunrpc_sym"]),
            module("nfs_acl", &["nfs_acl_sym"], &["sunrpc_sym"]),
            module("grace", &["grace_sym"], &[]),
            module("sunrpc", &["sunrpc_sym"], &[]),
            module("fscache", &["fscache_sym"], &["netfs_sym"]),
            module("netfs", &["netfs_sym"], &[]),
        ];
        let r = resolve(&ms);
        assert_eq!(
            names(&ms, &r.sorted_closure(0)),
            ["nfs", "fscache", "netfs", "lockd", "grace", "nfs_acl", "sunrpc"]
        );
        assert!(r.cycles().is_empty());
        assert!(r.unresolved.iter().all(|u| u.is_empty()));
    }

    #[test]
    fn long_closures_are_complete_and_ordered() {
        // 300 modules, each needing the next two (closures past the linear-search length, and
        // reached along several paths): module i needs every j > i, in order.
        let n = 300;
        let syms: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let ms: Vec<ModuleScan> = (0..n)
            .map(|i| {
                let needs: Vec<&str> = (i + 1..n.min(i + 3)).map(|j| syms[j].as_str()).collect();
                module(&format!("m{i}"), &[syms[i].as_str()], &needs)
            })
            .collect();
        let r = resolve(&ms);
        for i in [0, 1, 200, 298, 299] {
            assert_eq!(r.sorted_closure(i), (i + 1..n).collect::<Vec<_>>(), "m{i}");
        }
        assert!(r.cycles().is_empty());
    }

    #[test]
    fn unresolved_and_self_symbols() {
        let ms = vec![module("a", &["x"], &["x", "printk"])];
        let r = resolve(&ms);
        assert!(r.direct[0].is_empty());
        assert_eq!(r.unresolved[0].iter().collect::<Vec<_>>(), ["printk"]);
    }

    /// The tree: a->b->c->a, d->e->d, h->i->j->h and h->i->j->k->h. kmod 34.2 and
    /// kmod 30 both print (stderr of `depmod -b` on modules built with these symbols):
    /// `a -> b -> c -> a`, `d -> e -> d`, `h -> i -> j -> k -> h`, `h -> i -> j -> h`,
    /// `Found 9 modules in dependency cycles!`; with j needing k before h, the last two swap.
    #[test]
    fn cycles_sharing_modules_like_kmod() {
        for (j_needs, want_h) in [
            (
                ["h_sym", "k_sym"],
                [["h", "i", "j", "k", "h"].as_slice(), &["h", "i", "j", "h"]],
            ),
            (
                ["k_sym", "h_sym"],
                [["h", "i", "j", "h"].as_slice(), &["h", "i", "j", "k", "h"]],
            ),
        ] {
            let ms = vec![
                module("a", &["a_sym"], &["b_sym"]),
                module("b", &["b_sym"], &["c_sym"]),
                module("c", &["c_sym"], &["a_sym"]),
                module("d", &["d_sym"], &["e_sym"]),
                module("e", &["e_sym"], &["d_sym"]),
                module("h", &["h_sym"], &["i_sym"]),
                module("i", &["i_sym"], &["j_sym"]),
                module("j", &["j_sym"], &j_needs),
                module("k", &["k_sym"], &["h_sym"]),
            ];
            let cycles = resolve(&ms).cycles();
            let got: Vec<Vec<String>> = cycles.iter().map(|c| names(&ms, c)).collect();
            let want: Vec<Vec<&str>> = vec![
                vec!["a", "b", "c", "a"],
                vec!["d", "e", "d"],
                want_h[0].to_vec(),
                want_h[1].to_vec(),
            ];
            assert_eq!(got, want);
            assert_eq!(Resolution::cycle_module_count(&cycles), 9);
        }
    }

    /// kmod 34.2: with modules.order `b c a`, `b -> c -> a -> b`; with a needing b then c,
    /// `a -> c -> d -> a` before `a -> b -> a`, 4 modules.
    #[test]
    fn cycle_start_and_dependency_order_like_kmod() {
        let ms = vec![
            module("b", &["b_sym"], &["c_sym"]),
            module("c", &["c_sym"], &["a_sym"]),
            module("a", &["a_sym"], &["b_sym"]),
        ];
        let cycles = resolve(&ms).cycles();
        assert_eq!(names(&ms, &cycles[0]), ["b", "c", "a", "b"]);
        assert_eq!(cycles.len(), 1);
        let ms = vec![
            module("a", &["a_sym"], &["b_sym", "c_sym"]),
            module("b", &["b_sym"], &["a_sym"]),
            module("c", &["c_sym"], &["d_sym"]),
            module("d", &["d_sym"], &["a_sym"]),
        ];
        let cycles = resolve(&ms).cycles();
        let got: Vec<Vec<String>> = cycles.iter().map(|c| names(&ms, c)).collect();
        assert_eq!(got, [vec!["a", "c", "d", "a"], vec!["a", "b", "a"]]);
        assert_eq!(Resolution::cycle_module_count(&cycles), 4);
    }

    /// Where kmod never ends (a start reaching a cycle not through it), every cycle is still
    /// reported once, and the walk ends.
    #[test]
    fn cycles_kmod_would_loop_on_end() {
        // modules.order k j i h: kmod prints ever longer `k -> h -> i -> j -> h -> ...` forever.
        let ms = vec![
            module("k", &["k_sym"], &["h_sym"]),
            module("j", &["j_sym"], &["h_sym", "k_sym"]),
            module("i", &["i_sym"], &["j_sym"]),
            module("h", &["h_sym"], &["i_sym"]),
        ];
        let cycles = resolve(&ms).cycles();
        let got: Vec<Vec<String>> = cycles.iter().map(|c| names(&ms, c)).collect();
        assert_eq!(got, [vec!["k", "h", "i", "j", "k"]]);
        assert_eq!(Resolution::cycle_module_count(&cycles), 4);
    }

    #[test]
    fn cycles_are_found_once() {
        let ms = vec![
            module("a", &["a_sym"], &["b_sym"]),
            module("b", &["b_sym"], &["a_sym"]),
            module("c", &["c_sym"], &["a_sym"]),
            module("d", &[], &["c_sym"]),
        ];
        let r = resolve(&ms);
        let cycles = r.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(names(&ms, &cycles[0]), ["a", "b", "a"]);
        // c and d are not in a cycle: d has no users, so it gets a position; c does too.
        assert!(r.position[3].is_some());
    }
}
