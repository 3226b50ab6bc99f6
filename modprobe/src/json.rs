//! modprobe's `--json` documents (docs/json.md): `--show-depends`, `-c` and `--explain`.

use std::io::{self, Write};

use common::config::modprobe::{EntryKind, ModprobeConfig};
use common::index::bin::Index;
use common::index::files::{MODULES_ALIAS_BIN, MODULES_SYMBOLS_BIN};
use common::json::{put_path, write_document};
use common::modprobe::{Planner, Step};
use serde_json::{json, Map, Value};

use crate::explain::From;
use crate::output::SharedStdout;

/// One `--show-depends` step as JSON: the module asked for (`target`), the step's module and
/// kind, its file or command and options, and the text line.
pub(crate) fn step(target: &str, step: &Step) -> Value {
    let mut m = Map::new();
    m.insert("target".into(), target.into());
    m.insert("module".into(), step.module().into());
    match step {
        Step::Insmod { path, options, .. } => {
            m.insert("kind".into(), "insmod".into());
            put_path(&mut m, "path", path);
            m.insert("options".into(), options.as_str().into());
        }
        Step::Install {
            command, options, ..
        } => {
            m.insert("kind".into(), "install".into());
            m.insert("command".into(), command.as_str().into());
            m.insert("options".into(), options.as_str().into());
        }
        Step::Builtin(_) => {
            m.insert("kind".into(), "builtin".into());
        }
        Step::Missing { options, .. } => {
            m.insert("kind".into(), "missing".into());
            m.insert("options".into(), options.as_str().into());
        }
    }
    m.insert("line".into(), step.show_line().into());
    Value::Object(m)
}

/// `--show-depends --json`.
pub(crate) fn show_depends(steps: Vec<Value>, out: &mut dyn Write) -> io::Result<()> {
    write_document(
        out,
        "modprobe",
        &json!({"command": "show-depends", "steps": steps}),
    )
}

fn from(config: &ModprobeConfig, kind: EntryKind, i: usize) -> Value {
    serde_json::to_value(From::of(config.origin(kind, i))).unwrap_or(Value::Null)
}

/// `-c --json`: the configuration's entries in reading order, each with where it was read,
/// and the index dump of `-c`.
pub(crate) fn show_config(planner: &Planner, out: &SharedStdout) -> io::Result<()> {
    let c = &planner.config;
    let with = |kind: EntryKind, items: Vec<Map<String, Value>>| -> Vec<Value> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, mut m)| {
                m.insert("from".into(), from(c, kind, i));
                Value::Object(m)
            })
            .collect()
    };
    let obj = |pairs: Vec<(&str, Value)>| -> Map<String, Value> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    };
    let blacklist = c
        .blacklist()
        .iter()
        .map(|m| obj(vec![("module", m.as_str().into())]))
        .collect();
    let command = |list: &[(String, String)]| -> Vec<Map<String, Value>> {
        list.iter()
            .map(|(m, cmd)| {
                obj(vec![
                    ("module", m.as_str().into()),
                    ("command", cmd.as_str().into()),
                ])
            })
            .collect()
    };
    let aliases = c
        .aliases()
        .iter()
        .map(|(p, m)| {
            obj(vec![
                ("pattern", p.as_str().into()),
                ("module", m.as_str().into()),
            ])
        })
        .collect();
    let options = c
        .options()
        .iter()
        .map(|(m, t)| {
            obj(vec![
                ("module", m.as_str().into()),
                ("options", t.as_str().into()),
            ])
        })
        .collect();
    let softdeps = c
        .softdeps()
        .iter()
        .map(|s| {
            obj(vec![
                ("module", s.module.as_str().into()),
                ("pre", s.pre.clone().into()),
                ("post", s.post.clone().into()),
                ("line", s.display_line().into()),
            ])
        })
        .collect();
    let weakdeps = c
        .weakdeps()
        .iter()
        .map(|(m, deps)| {
            obj(vec![
                ("module", m.as_str().into()),
                ("deps", deps.clone().into()),
            ])
        })
        .collect();
    let mut index = Map::new();
    for (file, name) in [
        (MODULES_ALIAS_BIN, "aliases"),
        (MODULES_SYMBOLS_BIN, "symbols"),
    ] {
        let mut list = Vec::new();
        if let Ok(bytes) = std::fs::read(planner.indexes.dir().join(file)) {
            if let Ok(ix) = Index::new(&bytes) {
                for (key, values) in ix.entries().unwrap_or_default() {
                    for v in values {
                        list.push(json!({"pattern": key, "module": v.value}));
                    }
                }
            }
        }
        index.insert(name.into(), Value::Array(list));
    }
    let body = json!({
        "command": "show-config",
        "blacklist": with(EntryKind::Blacklist, blacklist),
        "install": with(EntryKind::Install, command(c.install())),
        "remove": with(EntryKind::Remove, command(c.remove())),
        "aliases": with(EntryKind::Alias, aliases),
        "options": with(EntryKind::Options, options),
        "softdeps": with(EntryKind::Softdep, softdeps),
        "weakdeps": with(EntryKind::Weakdep, weakdeps),
        "index": index,
    });
    let mut w = out.writer();
    write_document(&mut *w, "modprobe", &body)
}
