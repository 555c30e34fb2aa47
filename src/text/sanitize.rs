//! Making untrusted text inert for a terminal: control characters, escape sequences (CSI,
//! OSC 8 hyperlinks, OSC 52 clipboard writes) and bidi overrides become visible escapes.

use std::fmt::Write as _;

fn escape_char(c: char, out: &mut String, keep_newlines: bool) {
    match c {
        '\n' if keep_newlines => out.push('\n'),
        '\t' if keep_newlines => out.push('\t'),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        // C1 controls (8-bit CSI/OSC), bidi overrides and isolates, invisible format
        // characters (zero-width space, joiners, word joiner, invisible operators).
        c if ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{2060}'..='\u{2064}').contains(&c)
            || c == '\u{180e}'
            || c == '\u{feff}' =>
        {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// The first `max` characters of `s`, and when that is not all of it, a marker with its whole
/// length: an echoed input line never floods the terminal (or holds a whole secret).
pub fn prefix(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}… ({} bytes)", &s[..end], s.len()),
        None => s.to_string(),
    }
}

/// One line: every control character escaped, newlines included.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        escape_char(c, &mut out, false);
    }
    out
}

/// A block of text: newlines and tabs kept, every other control character escaped.
pub fn block(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        escape_char(c, &mut out, true);
    }
    out
}

/// Bytes that may not be UTF-8: invalid sequences become `\xNN`.
pub fn block_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&block(chunk.valid()));
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_inert() {
        let evil = "ok\u{1b}[31mred\u{1b}]8;;http://x\u{7}link\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{202e}abc";
        let s = inline(evil);
        assert!(
            !s.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{s:?}"
        );
        assert!(s.contains("\\e[31m"));
        assert_eq!(block("a\nb\tc\r"), "a\nb\tc\\r");
        assert_eq!(block_bytes(b"a\xffb\n"), "a\\xffb\n");
    }

    #[test]
    fn invisible_characters_show_as_escapes() {
        assert_eq!(
            inline("a\u{200b}b\u{200c}c\u{200d}d\u{2060}e"),
            "a\\u{200b}b\\u{200c}c\\u{200d}d\\u{2060}e"
        );
    }

    #[test]
    fn a_prefix_names_the_whole_length() {
        assert_eq!(prefix("short", 10), "short");
        assert_eq!(prefix("abcdefghijkl", 3), "abc… (12 bytes)");
    }
}
