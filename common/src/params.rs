//! Module parameters: joining command-line arguments into the one string the kernel parses.
//!
//! The kernel splits the string at spaces unless a value is in double quotes
//! (`Documentation/admin-guide/kernel-parameters.rst`), so an argument whose value holds a space
//! is passed as `key="value with spaces"`.

/// Joins parameter arguments (`key=value`) with single spaces, quoting values that contain
/// whitespace and are not quoted already.
pub fn join<S: AsRef<str>>(args: &[S]) -> String {
    let mut out = String::new();
    for arg in args {
        let arg = arg.as_ref();
        if !out.is_empty() {
            out.push(' ');
        }
        let needs_quotes = arg.contains(char::is_whitespace) && !arg.contains('"');
        match (needs_quotes, arg.split_once('=')) {
            (false, _) => out.push_str(arg),
            (true, Some((key, value))) => {
                out.push_str(key);
                out.push_str("=\"");
                out.push_str(value);
                out.push('"');
            }
            (true, None) => {
                out.push('"');
                out.push_str(arg);
                out.push('"');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_and_quotes() {
        assert_eq!(join::<&str>(&[]), "");
        assert_eq!(join(&["a=1", "b"]), "a=1 b");
        assert_eq!(join(&["s=a b", "n=2"]), "s=\"a b\" n=2");
        assert_eq!(join(&["s=\"a b\""]), "s=\"a b\"");
        assert_eq!(join(&["x y"]), "\"x y\"");
    }
}
