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
    /// end (`a -> b -> a`). Each cycle is reported once, starting from its earliest module.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let stuck: Vec<usize> = (0..self.direct.len())
            .filter(|&i| self.position[i].is_none())
            .collect();
        let mut reported = vec![false; self.direct.len()];
        let mut out = Vec::new();
        for &start in &stuck {
            if reported[start] {
                continue;
            }
            // Walk a path of stuck modules until it closes on itself.
            if let Some(cycle) = self.cycle_through(start) {
                if cycle.iter().any(|&m| reported[m]) {
                    continue;
                }
                for &m in &cycle {
                    reported[m] = true;
                }
                let mut c = cycle;
                c.push(c[0]);
                out.push(c);
            }
        }
        out
    }

    /// A cycle reachable from `start` that returns to `start`, if any (depth-first search).
    fn cycle_through(&self, start: usize) -> Option<Vec<usize>> {
        let mut path = vec![start];
        let mut iters = vec![0usize];
        let mut on_path = vec![false; self.direct.len()];
        let mut dead = vec![false; self.direct.len()];
        on_path[start] = true;
        while let (Some(&node), Some(it)) = (path.last(), iters.last_mut()) {
            let deps = &self.direct[node];
            if *it < deps.len() {
                let d = deps[*it];
                *it += 1;
                if d == start {
                    return Some(path);
                }
                if !on_path[d] && !dead[d] && self.position[d].is_none() {
                    on_path[d] = true;
                    path.push(d);
                    iters.push(0);
                }
            } else {
                on_path[node] = false;
                dead[node] = true;
                path.pop();
                iters.pop();
            }
        }
        None
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
