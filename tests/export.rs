//! `dlq export` against `dlq dev`: every entry whole, byte-exact, compressed by name, secrets
//! masked unless asked, a file that proves itself complete.

use serde_json::Value;

use crate::support::{Dev, Receiver};

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_every_entry_whole_and_masks_secrets() {
    let dev = Dev::start().await;
    let rx = Receiver::always(500).await;
    let binary: Vec<u8> = vec![0, 159, 146, 150, 255, b'\n', 1];
    dev.publish(
        &format!("{}/bin", rx.url),
        &[
            ("Upstash-Retries", "0"),
            ("Content-Type", "application/octet-stream"),
            ("Upstash-Forward-Authorization", "Bearer s3cret-value"),
            ("Upstash-Label", "orders"),
        ],
        binary.clone(),
    )
    .await;
    dev.fail_many(
        &format!("{}/json", rx.url),
        3,
        &[("Upstash-Label", "orders")],
    )
    .await;
    dev.fail_many(&format!("{}/other", rx.url), 2, &[]).await;
    let api = dev.wait_dlq("/v2/dlq", 6).await;
    let dir = tempfile::tempdir().unwrap();

    let zst = dir.path().join("orders.ndjson.zst");
    let r = dev
        .dlq(&["export", "--label", "orders", "-o", zst.to_str().unwrap()])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let raw = std::fs::read(&zst).unwrap();
    assert_eq!(&raw[..4], &[0x28, 0xb5, 0x2f, 0xfd], "zstd by name");
    let header = dlq::archive::verify(&zst).unwrap();
    assert_eq!(header.count, 4);
    assert_eq!(header.secrets, "masked");
    assert_eq!(header.source, dev.url);
    assert_eq!(header.filters.filter.label, ["orders"]);
    let items: Vec<dlq::archive::Item> = dlq::archive::entries(&zst)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(items.len(), 4);
    for it in &items {
        assert_eq!(it.dlq, "qstash");
        let from_api = api.iter().find(|e| e["dlqId"] == it.entry.dlq_id).unwrap();
        // Bodies exactly as the API holds them.
        for f in [
            "body",
            "bodyBase64",
            "responseBody",
            "createdAt",
            "url",
            "messageId",
        ] {
            assert_eq!(
                serde_json::to_value(&it.entry).unwrap().get(f),
                from_api.get(f),
                "{f}"
            );
        }
    }
    let bin = items
        .iter()
        .find(|i| i.entry.url.as_deref() == Some(&format!("{}/bin", rx.url)))
        .unwrap();
    assert_eq!(bin.entry.body_bytes(), binary, "binary body byte-exact");
    let auth = &bin.entry.header.as_ref().unwrap()["Authorization"];
    assert!(!auth[0].contains("s3cret"), "masked: {auth:?}");

    // With secrets, gzip.
    let gz = dir.path().join("all.ndjson.gz");
    let r = dev
        .dlq(&["export", "--include-secrets", "-o", gz.to_str().unwrap()])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(&std::fs::read(&gz).unwrap()[..2], &[0x1f, 0x8b]);
    let header = dlq::archive::verify(&gz).unwrap();
    assert_eq!((header.count, header.secrets.as_str()), (6, "included"));
    let with: Vec<dlq::archive::Item> = dlq::archive::entries(&gz)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let bin = with
        .iter()
        .find(|i| i.entry.url.as_deref() == Some(&format!("{}/bin", rx.url)))
        .unwrap();
    assert_eq!(
        bin.entry.header.as_ref().unwrap()["Authorization"],
        ["Bearer s3cret-value"]
    );

    // The token never lands in a file or on stdout; stdout gets the plain NDJSON.
    for f in [&zst, &gz] {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert!(!text.contains(&dev.token));
    }
    let r = dev
        .dlq(&["export", "--url", &format!("{}/other", rx.url)])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<Value> = r
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "header, 2 entries, trailer");
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["count"], 2);
    assert_eq!(lines[1]["type"], "entry");
    assert_eq!(lines[3]["type"], "trailer");
    assert!(!r.out().contains(&dev.token));

    // An archive is never overwritten.
    let r = dev.dlq(&["export", "-o", gz.to_str().unwrap()]).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("never overwritten"), "{}", r.stderr);
    assert_eq!(dlq::archive::verify(&gz).unwrap().count, 6, "untouched");
}
