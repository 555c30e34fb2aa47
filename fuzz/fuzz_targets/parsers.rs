//! The flag and header parsers never panic; durations round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ms) = dlq::parse::parse_qstash_duration(s) {
        assert_eq!(
            dlq::parse::parse_qstash_duration(&dlq::parse::format_qstash_duration(ms)),
            Ok(ms)
        );
    }
    if let Ok(f) = dlq::parse::parse_status(s) {
        assert_eq!(dlq::parse::parse_status(&f.to_string()), Ok(f));
    }
    let _ = dlq::parse::parse_time(s);
    let _ = dlq::parse::parse_since(s);
    let _ = dlq::parse::parse_dlq_id(s);
    let _ = dlq::parse::parse_header_match(s);
    let _ = dlq::server::cron::Cron::parse(s).map(|c| c.next_after(1_700_000_000_000));
    if let Ok(r) = dlq::wire::retry_delay::RetryDelay::parse(s) {
        let _ = r.delay_ms(0);
        let _ = r.delay_ms(u32::MAX);
    }
    let _ = dlq::wire::flow_control::parse_flow_control_value("k", s);
});
