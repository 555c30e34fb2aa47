//! What a body is (JSON, HTML, text, binary), from its bytes and content type.

/// What a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Empty,
    Json,
    Html,
    Text,
    Binary,
}

pub fn kind(bytes: &[u8], content_type: Option<&str>) -> Kind {
    if bytes.is_empty() {
        return Kind::Empty;
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Kind::Binary;
    };
    // NUL bytes, or mostly control characters: data, not text (escape-laden text stays text
    // and is shown with visible escapes).
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !c.is_whitespace())
        .count();
    if text.contains('\0') || controls * 3 > text.chars().count() {
        return Kind::Binary;
    }
    let t = text.trim_start();
    if (t.starts_with('{') || t.starts_with('[') || ct.contains("json"))
        && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        return Kind::Json;
    }
    let lower: String = t.chars().take(64).collect::<String>().to_ascii_lowercase();
    if ct.contains("html") || lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Kind::Html;
    }
    Kind::Text
}
