//! Property tests: the parsers round-trip and never panic; sanitised text is always inert.

use dlq::parse::{
    StatusFilter, format_qstash_duration, parse_dlq_id, parse_qstash_duration, parse_since,
    parse_status, parse_time,
};
use dlq::text::sanitize;
use proptest::prelude::*;

fn inert(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{2060}'..='\u{2064}').contains(&c)
    })
}

proptest! {
    #[test]
    fn qstash_durations_round_trip(ms in 0u64..10_000_000_000) {
        prop_assert_eq!(parse_qstash_duration(&format_qstash_duration(ms)), Ok(ms));
    }

    #[test]
    fn statuses_round_trip(code in prop_oneof![Just(0u16), 100u16..600], class in 1u8..6) {
        prop_assert_eq!(parse_status(&StatusFilter::Code(code).to_string()), Ok(StatusFilter::Code(code)));
        prop_assert_eq!(parse_status(&StatusFilter::Class(class).to_string()), Ok(StatusFilter::Class(class)));
    }

    #[test]
    fn times_round_trip(ms in 0i64..4_000_000_000_000) {
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        prop_assert_eq!(parse_time(&t.to_rfc3339()), Ok(ms));
        prop_assert_eq!(parse_time(&format!("unix-ms:{ms}")), Ok(ms));
        prop_assert_eq!(parse_time(&format!("@{}", ms / 1000)), Ok(ms / 1000 * 1000));
        prop_assert!(parse_time(&ms.to_string()).is_err(), "a bare number is no time");
    }

    #[test]
    fn parsers_never_panic(s in ".{0,64}") {
        let _ = parse_qstash_duration(&s);
        let _ = parse_status(&s);
        let _ = parse_time(&s);
        let _ = parse_since(&s);
        let _ = parse_dlq_id(&s);
        let _ = dlq::parse::parse_header_match(&s);
        let _ = dlq::server::cron::Cron::parse(&s);
        let _ = dlq::wire::retry_delay::RetryDelay::parse(&s).map(|r| r.delay_ms(3));
    }

    #[test]
    fn dlq_ids_have_no_spaces_or_slashes(s in ".{0,40}") {
        if let Ok(id) = parse_dlq_id(&s) {
            prop_assert!(!id.is_empty() && !id.contains(char::is_whitespace) && !id.contains('/'));
        }
    }

    #[test]
    fn sanitised_text_is_inert(s in any::<String>(), b in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assert!(inert(&sanitize::inline(&s)));
        prop_assert!(!sanitize::inline(&s).contains('\n'));
        prop_assert!(inert(&sanitize::block(&s)));
        prop_assert!(inert(&sanitize::block_bytes(&b)));
    }

    #[test]
    fn api_responses_never_panic_the_model(s in ".{0,200}") {
        let _ = serde_json::from_str::<dlq::model::DlqPage>(&s);
        let _ = serde_json::from_str::<dlq::model::DlqEntry>(&s);
    }

    #[test]
    fn any_entry_renders_inert(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        header in ".{0,40}",
        status in -1i64..1000,
    ) {
        use base64::Engine as _;
        let e = dlq::model::DlqEntry {
            dlq_id: "1-0".into(),
            url: Some(header.clone()),
            header: Some([(header.clone(), vec![header.clone()])].into_iter().collect()),
            body_base64: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
            response_status: Some(status),
            response_body: Some(String::from_utf8_lossy(&body).into_owned()),
            ..Default::default()
        };
        for tty in [false, true] {
            let style = dlq::render::Style { tty, color: false, width: 80, now_ms: 0 };
            prop_assert!(inert(&dlq::render::detail::render(&e, dlq::workflow_run::decode(&e, false).as_ref(), None, &style)));
            let mut buf = Vec::new();
            let mut w = dlq::render::list::ListWriter::new(&mut buf, dlq::render::Format::Table, style, false);
            w.write(std::slice::from_ref(&e)).unwrap();
            w.finish().unwrap();
            prop_assert!(inert(&String::from_utf8(buf).unwrap()));
        }
    }
}

#[test]
fn deep_and_huge_bodies_render_bounded() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge = "x".repeat(10 * 1024 * 1024);
    for body in [deep, huge] {
        let e = dlq::model::DlqEntry {
            dlq_id: "1-0".into(),
            response_body: Some(body.clone()),
            ..Default::default()
        };
        let tty = dlq::render::Style {
            tty: true,
            color: false,
            width: 80,
            now_ms: 0,
        };
        let out = dlq::render::detail::render(
            &e,
            dlq::workflow_run::decode(&e, false).as_ref(),
            None,
            &tty,
        );
        assert!(
            out.len() < 200 * 1024,
            "bounded on a terminal: {} bytes",
            out.len()
        );
        let plain = dlq::render::detail::render(&e, None, None, &dlq::render::Style::plain(0));
        assert!(plain.len() >= body.len(), "whole off a terminal");
    }
}
