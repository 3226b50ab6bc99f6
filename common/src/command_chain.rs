//! Catching `install` and `remove` commands that end up running themselves again.
//!
//! modprobe runs a module's configured `install` (or `remove`) command through `/bin/sh`, and
//! such commands often call modprobe themselves. `install foo /sbin/modprobe foo` (instead of
//! `--ignore-install foo`), or two commands calling each other's module, make kmod start
//! modprobe after modprobe, each waiting for the next, until something runs out (observed with
//! kmod 30: it runs the same command at every level).
//!
//! [`CommandChain`] carries, in the environment variable [`ENV`] of the commands modprobe runs,
//! which commands are already running above them: `install:foo remove:bar`, outermost first. A
//! modprobe started inside them reads it ([`CommandChain::from_env`]) and, before running a
//! command, checks it ([`CommandChain::check`]): the same command for the same module (`-` and
//! `_` alike) already in the chain is a loop, and more than [`MAX_DEPTH`] nested commands are
//! refused too (a chain through ever new names). The check belongs right before the command
//! would really run: after the "already loaded" test and not under `--dry-run`, so commands
//! that load their module with `--ignore-install` and then call modprobe for something that
//! softdepends on it keep working.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::process::Command;

use crate::name;

/// The environment variable holding the chain.
pub const ENV: &str = "MODUTILS_COMMAND_CHAIN";

/// The most commands that may run inside each other.
pub const MAX_DEPTH: usize = 32;

/// Which configured command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// An `install` command.
    Install,
    /// A `remove` command.
    Remove,
}

impl CommandKind {
    fn word(self) -> &'static str {
        match self {
            CommandKind::Install => "install",
            CommandKind::Remove => "remove",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The commands already running around this process, outermost first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandChain {
    links: Vec<(CommandKind, String)>,
}

/// Why a command must not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The command is already running further up.
    #[error("{kind} command for module {module} would run again inside itself ({chain}); not running it")]
    Loop {
        /// The command's kind.
        kind: CommandKind,
        /// The module.
        module: String,
        /// The chain, `install foo -> install bar -> install foo`.
        chain: String,
    },
    /// Too many commands inside each other.
    #[error("{kind} command for module {module} would be the {depth}th command running inside another ({chain}); not running it")]
    TooDeep {
        /// The command's kind.
        kind: CommandKind,
        /// The module.
        module: String,
        /// How deep it would run.
        depth: usize,
        /// The chain so far.
        chain: String,
    },
}

impl CommandChain {
    /// The chain this process runs in, from [`ENV`] (empty when unset).
    pub fn from_env() -> CommandChain {
        CommandChain::parse(std::env::var_os(ENV).as_deref())
    }

    /// Reads a value of [`ENV`]: words `install:NAME` / `remove:NAME`; anything else is ignored.
    pub fn parse(value: Option<&OsStr>) -> CommandChain {
        let Some(value) = value else {
            return CommandChain::default();
        };
        let links = value
            .to_string_lossy()
            .split_whitespace()
            .filter_map(|word| {
                let (kind, module) = word.split_once(':')?;
                let kind = match kind {
                    "install" => CommandKind::Install,
                    "remove" => CommandKind::Remove,
                    _ => return None,
                };
                (!module.is_empty()).then(|| (kind, name::normalize(module)))
            })
            .collect();
        CommandChain { links }
    }

    /// How many commands are running around this process.
    pub fn depth(&self) -> usize {
        self.links.len()
    }

    /// Whether the `kind` command of `module` may run here.
    ///
    /// # Errors
    ///
    /// [`ChainError::Loop`] if it is running already, [`ChainError::TooDeep`] if it would be
    /// more than [`MAX_DEPTH`] commands deep.
    pub fn check(&self, kind: CommandKind, module: &str) -> Result<(), ChainError> {
        let module = name::normalize(module);
        let with_it = || {
            self.links
                .iter()
                .chain(std::iter::once(&(kind, module.clone())))
                .map(|(k, m)| format!("{k} {m}"))
                .collect::<Vec<_>>()
                .join(" -> ")
        };
        if self.links.iter().any(|(k, m)| *k == kind && *m == module) {
            return Err(ChainError::Loop {
                kind,
                module: module.clone(),
                chain: with_it(),
            });
        }
        if self.links.len() >= MAX_DEPTH {
            return Err(ChainError::TooDeep {
                kind,
                module: module.clone(),
                depth: self.links.len() + 1,
                chain: with_it(),
            });
        }
        Ok(())
    }

    /// The value of [`ENV`] for the `kind` command of `module`: this chain plus that command.
    pub fn child_value(&self, kind: CommandKind, module: &str) -> OsString {
        let mut words: Vec<String> = self.links.iter().map(|(k, m)| format!("{k}:{m}")).collect();
        words.push(format!("{kind}:{}", name::normalize(module)));
        OsString::from(words.join(" "))
    }

    /// Sets [`ENV`] on `command` (the shell running the `kind` command of `module`).
    pub fn pass_to<'c>(
        &self,
        command: &'c mut Command,
        kind: CommandKind,
        module: &str,
    ) -> &'c mut Command {
        command.env(ENV, self.child_value(kind, module))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_inside_itself_is_a_loop() {
        let top = CommandChain::default();
        assert_eq!(top.check(CommandKind::Install, "foo"), Ok(()));
        let value = top.child_value(CommandKind::Install, "foo-bar");
        assert_eq!(value, "install:foo_bar");
        let inner = CommandChain::parse(Some(&value));
        // The same module by its other spelling: a loop.
        let err = inner
            .check(CommandKind::Install, "foo_bar")
            .expect_err("loop");
        assert_eq!(
            err.to_string(),
            "install command for module foo_bar would run again inside itself \
             (install foo_bar -> install foo_bar); not running it"
        );
        // Other modules, and foo's remove command, may run.
        assert_eq!(inner.check(CommandKind::Install, "baz"), Ok(()));
        assert_eq!(inner.check(CommandKind::Remove, "foo-bar"), Ok(()));
        // Two commands calling each other's module.
        let two = CommandChain::parse(Some(&inner.child_value(CommandKind::Install, "baz")));
        assert_eq!(two.depth(), 2);
        let err = two
            .check(CommandKind::Install, "foo-bar")
            .expect_err("loop");
        assert!(
            err.to_string()
                .contains("(install foo_bar -> install baz -> install foo_bar)"),
            "{err}"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut chain = CommandChain::default();
        for i in 0..MAX_DEPTH {
            let module = format!("m{i}");
            assert_eq!(chain.check(CommandKind::Install, &module), Ok(()));
            chain = CommandChain::parse(Some(&chain.child_value(CommandKind::Install, &module)));
        }
        assert_eq!(chain.depth(), MAX_DEPTH);
        assert!(matches!(
            chain.check(CommandKind::Remove, "other"),
            Err(ChainError::TooDeep { depth: 33, .. })
        ));
    }

    #[test]
    fn odd_values_are_ignored() {
        let chain = CommandChain::parse(Some(OsStr::new(
            "  install:a bogus remove: load:b remove:c ",
        )));
        assert_eq!(chain.depth(), 2);
        assert!(chain.check(CommandKind::Install, "a").is_err());
        assert!(chain.check(CommandKind::Remove, "c").is_err());
        assert_eq!(CommandChain::parse(None).depth(), 0);
    }

    #[test]
    fn the_child_gets_the_variable() {
        let mut cmd = Command::new("/bin/sh");
        CommandChain::parse(Some(OsStr::new("install:a"))).pass_to(
            &mut cmd,
            CommandKind::Remove,
            "b",
        );
        let value = cmd
            .get_envs()
            .find(|(k, _)| *k == ENV)
            .and_then(|(_, v)| v)
            .map(OsStr::to_os_string);
        assert_eq!(value, Some(OsString::from("install:a remove:b")));
    }
}
