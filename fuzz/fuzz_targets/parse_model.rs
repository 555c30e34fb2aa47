//! API responses of any shape parse into the model or fail cleanly; what parses serialises
//! back and parses again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<dlq::model::DlqPage>(data) {
        for e in &page.messages {
            let again = serde_json::to_vec(e).expect("serialise");
            let back: dlq::model::DlqEntry = serde_json::from_slice(&again).expect("round trip");
            assert_eq!(&back, e);
            let _ = e.body_bytes();
            let _ = e.response_bytes();
        }
    }
    let _ = serde_json::from_slice::<dlq::model::DlqEntry>(data);
    let _ = serde_json::from_slice::<dlq::model::LogPage>(data);
    let _ = serde_json::from_slice::<dlq::model::BulkRetryResponse>(data);
    let _ = serde_json::from_slice::<dlq::model::BulkWorkflowResponse>(data);
    let _ = serde_json::from_slice::<dlq::model::BulkDeleteResponse>(data);
});
