//! Text chosen by someone else (slot labels come from whoever made the keyring, often a
//! server; an adapter's error output from another program) is escaped before it reaches a
//! terminal: a right-to-left override, a line separator or an escape sequence in a label
//! must not rearrange or forge what the user reads.

/// Whether a character could change how the surrounding text is displayed: controls,
/// bidirectional and other format characters, line and paragraph separators, unassigned
/// and private-use code points. Rust's own debug escaping draws this line; using it keeps
/// every output (`{:?}` in the text views, JSON, diagnostic notation) in agreement.
pub fn is_unsafe(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.escape_debug().next() == Some('\\')
}

/// `s` in double quotes with Rust's escapes (`"a\u{202e}b"`), for the text views.
pub fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// JSON text with every unsafe character written as a `\uXXXX` escape (a surrogate pair
/// above U+FFFF): the same JSON value, safe to print. serde_json escapes only the ASCII
/// controls.
pub fn json_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unsafe(c) && !matches!(c, '\n' | '\t' | '\r') {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Pretty JSON of `v`, safe to print.
pub fn json_pretty(v: &serde_json::Value) -> String {
    json_safe(&serde_json::to_string_pretty(v).unwrap_or_default())
}

/// A JSON string literal of `s`, safe to print (also valid CBOR diagnostic notation).
pub fn json_string(s: &str) -> String {
    json_safe(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()))
}

/// One line of another program's output with unsafe characters escaped (tabs kept).
pub fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && c != '\t' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_separators_are_escaped_everywhere() {
        let label = "ab\u{202e}cd\u{2028}e\u{1b}[2Jf\u{2066}";
        assert_eq!(
            quote(label),
            "\"ab\\u{202e}cd\\u{2028}e\\u{1b}[2Jf\\u{2066}\""
        );
        let j = json_string(label);
        assert_eq!(j, "\"ab\\u202ecd\\u2028e\\u001b[2Jf\\u2066\"");
        let back: String = serde_json::from_str(&j).unwrap();
        assert_eq!(back, label);
        assert_eq!(line("x\u{202e}y\tz"), "x\\u{202e}y\tz");
        // Ordinary letters, accents and emoji stay as they are.
        assert_eq!(json_string("pässwörd 日本 😀"), "\"pässwörd 日本 😀\"");
        // Above U+FFFF: a surrogate pair.
        assert_eq!(json_string("\u{e0041}"), "\"\\udb40\\udc41\"");
    }
}
