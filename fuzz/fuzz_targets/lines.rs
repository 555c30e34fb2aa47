//! The line readers of untrusted input never panic and never hold more than their bound:
//! stdin for `retry -`/`delete -`/`show -` (ids, NDJSON, JSON arrays) and an export's lines
//! as `import` verifies them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = dlq::bulk::plan::parse_stdin(data) {
        for id in &p.ids {
            assert!(dlq::parse::parse_dlq_id(id).is_ok(), "{id:?}");
        }
    }
    let _ = dlq::archive::verify_from(data, |_| {});
    let mut input = data;
    let mut buf = Vec::new();
    while let Ok(true) = dlq::text::lines::bounded_line(&mut input, &mut buf, 64) {
        assert!(buf.len() <= 64 && !buf.contains(&b'\n'));
    }
});
