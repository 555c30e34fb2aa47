//! Whatever bytes an entry holds, the rendered text is inert: no control characters, escape
//! sequences or bidi overrides reach the terminal.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fn inert(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

fuzz_target!(|data: &[u8]| {
    let split = data.len() / 3;
    let (a, rest) = data.split_at(split);
    let (b, c) = rest.split_at(rest.len() / 2);
    let text = String::from_utf8_lossy(a).into_owned();
    let e = dlq::model::DlqEntry {
        dlq_id: text.clone(),
        url: Some(text.clone()),
        header: Some(
            [(text.clone(), vec![String::from_utf8_lossy(b).into_owned()])]
                .into_iter()
                .collect(),
        ),
        body_base64: Some(base64::engine::general_purpose::STANDARD.encode(b)),
        response_body: Some(String::from_utf8_lossy(c).into_owned()),
        response_header: Some(
            [("Content-Type".to_string(), vec![text.clone()])]
                .into_iter()
                .collect(),
        ),
        response_status: Some(i64::from(data.first().copied().unwrap_or(0)) * 3),
        ..Default::default()
    };
    for tty in [false, true] {
        let style = dlq::render::Style {
            tty,
            color: tty,
            width: 80,
            now_ms: 0,
        };
        let out = dlq::render::detail::render(&e, dlq::workflow_run::decode(&e, false).as_ref(), None, &style);
        // Colour codes are ours; strip them before checking.
        let stripped = out
            .replace("\u{1b}[0m", "")
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[2m", "")
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[33m", "")
            .replace("\u{1b}[34m", "")
            .replace("\u{1b}[35m", "")
            .replace("\u{1b}[36m", "");
        assert!(inert(&stripped), "{out:?}");
        for format in [
            dlq::render::list::Format::Table,
            dlq::render::list::Format::Csv,
            dlq::render::list::Format::Ids,
        ] {
            let mut buf = Vec::new();
            let mut w = dlq::render::list::ListWriter::new(
                &mut buf,
                format,
                dlq::render::Style {
                    color: false,
                    ..style
                },
                true,
            );
            w.write(std::slice::from_ref(&e)).unwrap();
            w.finish().unwrap();
            assert!(inert(&String::from_utf8(buf).unwrap()));
        }
    }
});
