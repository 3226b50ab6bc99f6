//! `--json` output (docs/json.md): one document per run, an object whose first member is
//! `"version"` ([`VERSION`]) and whose second, `"tool"`, names the command; the command's facts
//! follow. Text is UTF-8: bytes that are not (a module's `modinfo` field, a path) are given as
//! the lossy conversion (U+FFFD for each bad sequence) and, beside it, the exact bytes in
//! base64 under the same name with `_base64` appended ([`put_bytes`]).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

/// The schema's version. Adding a member or a new value of an enumerated member keeps it;
/// renaming, removing or changing the meaning of one raises it (docs/json.md, "Versions").
pub const VERSION: u32 = 1;

/// Writes `{"version": VERSION, "tool": tool, ...members of body}` and a newline. `body` must
/// serialise as an object.
pub fn write_document(out: &mut dyn Write, tool: &str, body: &impl Serialize) -> io::Result<()> {
    let mut doc = Map::new();
    doc.insert("version".into(), Value::from(VERSION));
    doc.insert("tool".into(), Value::from(tool));
    match serde_json::to_value(body).map_err(io::Error::other)? {
        Value::Object(members) => doc.extend(members),
        other => {
            doc.insert("data".into(), other);
        }
    }
    serde_json::to_writer_pretty(&mut *out, &Value::Object(doc)).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Puts `bytes` into `map` under `name` as text, and, when they are not UTF-8, under
/// `name_base64` as they are.
pub fn put_bytes(map: &mut Map<String, Value>, name: &str, bytes: &[u8]) {
    map.insert(name.into(), Value::from(String::from_utf8_lossy(bytes)));
    if std::str::from_utf8(bytes).is_err() {
        map.insert(format!("{name}_base64"), Value::from(base64(bytes)));
    }
}

/// A path as [`put_bytes`] puts it.
pub fn put_path(map: &mut Map<String, Value>, name: &str, path: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    put_bytes(map, name, path.as_os_str().as_bytes());
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_rfc4648_vectors() {
        // RFC 4648, section 10.
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_keep_their_value() {
        let mut m = Map::new();
        put_bytes(&mut m, "author", b"Ren\xe9");
        put_bytes(&mut m, "name", b"vfat");
        assert_eq!(m["author"], "Ren\u{fffd}");
        assert_eq!(m["author_base64"], "UmVu6Q==");
        assert_eq!(m["name"], "vfat");
        assert!(!m.contains_key("name_base64"));
    }

    #[test]
    fn documents_start_with_version_and_tool() {
        let mut out = Vec::new();
        let mut body = Map::new();
        body.insert("modules".into(), Value::Array(vec![]));
        write_document(&mut out, "lsmod", &body).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["version"], VERSION);
        assert_eq!(v["tool"], "lsmod");
        assert!(text.find("\"version\"") < text.find("\"tool\""));
    }
}
