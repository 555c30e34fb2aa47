//! `dlq stats` against `dlq dev`: entries grouped as they fail, in every format.

use serde_json::Value;

use crate::support::{Dev, Receiver};

/// 6 timeouts (each with its own duration) and 3 not-founds, two of them labelled.
async fn failures() -> (Dev, Receiver) {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    rx.set(|r, n| {
        if r.path.starts_with("/slow") {
            (
                500,
                vec![],
                format!("timeout after {} ms", 30_000 + n * 7).into_bytes(),
            )
        } else {
            (404, vec![], b"no such route".to_vec())
        }
    });
    dev.fail_many(&format!("{}/slow", rx.url), 6, &[]).await;
    dev.fail_many(&format!("{}/gone", rx.url), 1, &[]).await;
    dev.fail_many(
        &format!("{}/gone", rx.url),
        2,
        &[("Upstash-Label", "billing")],
    )
    .await;
    dev.wait_dlq("/v2/dlq", 9).await;
    (dev, rx)
}

fn ndjson(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_group_failures_by_status_url_error_and_label() {
    let (dev, rx) = failures().await;
    let r = dev.dlq(&["stats", "-o", "ndjson"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g = ndjson(&r.out());
    assert_eq!(g.len(), 2, "{g:?}");
    assert_eq!(g[0]["status"], 500, "a status is a number");
    assert_eq!(g[0]["url"], format!("{}/slow", rx.url));
    assert_eq!(
        (g[0]["count"].as_u64(), g[1]["count"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(g[0]["share"], 0.6667);
    assert!(g[0]["firstSeen"].as_i64() <= g[0]["lastSeen"].as_i64());
    // The example is an entry of the group.
    let ex = g[1]["exampleDlqId"].as_str().unwrap();
    let (status, e) = dev.get(&format!("/v2/dlq/{ex}")).await;
    assert_eq!((status, e["responseStatus"].as_i64()), (200, Some(404)));
    // `-o ids`: each group's example, largest group first, ready for `dlq show`.
    let r = dev.dlq(&["stats", "-o", "ids"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ids = r.lines();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], g[0]["exampleDlqId"].as_str().unwrap());
    assert_eq!(ids[1], ex);
    let shown = dev.dlq(&["show", "-o", "json", &ids[0]]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);

    // Timeouts of different lengths are one error.
    let r = dev.dlq(&["stats", "--by", "error", "-o", "json"]).await;
    let g: Vec<Value> = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(g.len(), 2, "{g:?}");
    assert_eq!(g[0]["error"], "timeout after <n> ms");
    assert_eq!(g[0]["count"], 6);

    // Filters narrow first; labels group.
    let r = dev
        .dlq(&[
            "stats",
            "--status",
            "4xx",
            "--by",
            "label,status",
            "-o",
            "csv",
        ])
        .await;
    assert_eq!(
        r.lines()[0],
        "label,status,count,share,firstSeen,lastSeen,exampleDlqId"
    );
    assert!(
        r.lines()[1].starts_with("billing,404,2,66.7%,"),
        "{}",
        r.out()
    );
    assert!(r.lines()[2].starts_with(",404,1,33.3%,"), "{}", r.out());

    // Off a terminal the table is tab-separated, whole.
    let r = dev.dlq(&["stats", "--by", "day"]).await;
    assert_eq!(
        r.lines()[0],
        "DAY\tCOUNT\tSHARE\tFIRST SEEN\tLAST SEEN\tEXAMPLE"
    );
    assert!(r.lines()[1].contains("\t9\t100.0%\t"), "{}", r.out());

    // Nothing matching: an empty result, not an error.
    let r = dev
        .dlq(&["stats", "--url", "https://nowhere.example/", "-o", "json"])
        .await;
    assert_eq!((r.code, r.out().trim()), (0, "[]"));
    let r = dev.dlq(&["stats", "--by", "colour"]).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("colour"), "{}", r.stderr);
}
