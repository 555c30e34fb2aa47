//! Pairing a bulk call's answers with its ids. The service answers a bulk retry, resume or
//! restart with a list of new messages or runs that names no dlqId, in an order it does not
//! document. The plausible orders are the order the ids were sent in and dlqId order (as
//! strings, or by their numbers: `1725323658779-2` before `1725323658779-10`). So each call
//! sends ids in an order all three agree on, and answers are paired by position only then.

pub use crate::parse::{compare_dlq_ids as compare, dlq_id_numbers as numbers};

/// Splits `ids` into calls whose answers pair with their ids whatever the plausible order:
/// each call sorted by number, an id whose string order disagrees with the one before it
/// starting the next call, and ids of another form sent alone.
pub fn calls(ids: &[String]) -> Vec<Vec<String>> {
    let (mut known, odd): (Vec<&String>, Vec<&String>) =
        ids.iter().partition(|i| numbers(i).is_some());
    known.sort_by(|a, b| compare(a, b));
    let mut out: Vec<Vec<String>> = Vec::new();
    for id in known {
        match out.last_mut() {
            Some(call) if call.last().is_some_and(|l| l.as_str() < id.as_str()) => {
                call.push(id.clone())
            }
            _ => out.push(vec![id.clone()]),
        }
    }
    out.extend(odd.into_iter().map(|i| vec![i.clone()]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_call_is_sorted_and_split_where_string_and_number_orders_disagree() {
        assert_eq!(
            calls(&strs(&["5-3", "4-0", "5-11", "5-2", "5-10"])),
            vec![strs(&["4-0", "5-2", "5-3"]), strs(&["5-10", "5-11"])]
        );
        assert_eq!(
            calls(&strs(&["b", "1-0", "a"])),
            vec![strs(&["1-0"]), strs(&["b"]), strs(&["a"])]
        );
        assert_eq!(compare("7-2", "7-10"), Ordering::Less);
        assert_eq!(numbers("12-x"), None);
    }

    proptest! {
        /// Every id is sent once, and within a call the order sent, the string order and the
        /// number order are one order.
        #[test]
        fn every_call_agrees_with_each_plausible_order(
            raw in proptest::collection::vec((0u64..30, 0u64..15, any::<bool>()), 0..60)
        ) {
            let ids: Vec<String> = raw.iter().map(|(ms, seq, odd)| {
                if *odd && *seq == 0 { format!("x{ms}") } else { format!("17{ms:02}-{seq}") }
            }).collect();
            let mut unique = ids.clone();
            crate::bulk::plan::dedup(&mut unique);
            let parts = calls(&unique);
            let mut sent: Vec<String> = parts.concat();
            sent.sort();
            let mut want = unique.clone();
            want.sort();
            prop_assert_eq!(sent, want);
            for c in &parts {
                let mut by_string = c.clone();
                by_string.sort();
                let mut by_number = c.clone();
                by_number.sort_by(|a, b| compare(a, b));
                prop_assert_eq!(&by_string, c);
                prop_assert_eq!(&by_number, c);
            }
        }
    }
}
