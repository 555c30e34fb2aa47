//! The readable part of an HTML page (an error page from a proxy or a tunnel): its title and
//! visible text. Hand-written on purpose: it only ever reduces hostile markup to plain text
//! (scripts, styles and tags dropped, the common entities decoded) and must never fetch,
//! execute or expand anything; the output is sanitised before it is shown.

/// The `<title>` and the visible text of an HTML page (scripts and styles dropped, tags
/// removed, entities for the common characters decoded, blank runs collapsed).
pub fn html_text(html: &str) -> (Option<String>, String) {
    let lower = html.to_ascii_lowercase();
    let title = lower.find("<title").and_then(|s| {
        let open_end = lower[s..].find('>')? + s + 1;
        let close = lower[open_end..].find("</title")? + open_end;
        Some(decode_entities(html[open_end..close].trim()))
    });
    let mut text = String::new();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let rest = &lower[i..];
            let skip_to = ["script", "style", "head", "title"].iter().find_map(|t| {
                if rest.starts_with(&format!("<{t}")) {
                    rest.find(&format!("</{t}")).map(|e| i + e)
                } else {
                    None
                }
            });
            let from = skip_to.unwrap_or(i);
            match lower[from..].find('>') {
                Some(e) => {
                    let tag = &lower[i..(from + e).min(lower.len())];
                    if [
                        "<br", "<p", "<div", "</p", "</div", "<h", "</h", "<li", "<tr", "<pre",
                        "</pre",
                    ]
                    .iter()
                    .any(|t| tag.starts_with(t))
                    {
                        text.push('\n');
                    }
                    i = from + e + 1;
                }
                None => break,
            }
        } else {
            let next = lower[i..].find('<').map(|n| i + n).unwrap_or(bytes.len());
            // Source line breaks are white space in HTML; block tags make the lines.
            text.extend(
                html[i..next]
                    .chars()
                    .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
            );
            i = next;
        }
    }
    let text = decode_entities(&text);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    (title, lines.join("\n"))
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
