//! `Upstash-Signature`: an HS256 JWT over the SHA-256 of the body, as QStash signs deliveries.
//!
//! Signed by hand (a header, fixed claims and an HMAC) rather than with jsonwebtoken on
//! purpose: the dev server only ever signs, with one algorithm and a fixed claim set, using the
//! hmac and sha2 crates it already has; a JWT library would add its crypto backend to every
//! build for no behaviour of ours. The SDKs' `Receiver` verifies these signatures in the
//! workflow tests, so a mistake here fails a test.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Builds the JWT that QStash puts in `Upstash-Signature`.
///
/// Claims: `iss`="Upstash", `sub`=destination URL, `exp` (now + 5 min), `nbf`, `iat`, `jti`,
/// `body`=base64url(sha256(raw body)).
pub fn sign(key: &str, url: &str, body: &[u8], now_s: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(body));
    let claims = serde_json::json!({
        "iss": "Upstash",
        "sub": url,
        "exp": now_s + 300,
        "nbf": now_s,
        "iat": now_s,
        "jti": format!("jwt_{:016x}", rand::random::<u64>()),
        "body": body_hash,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let sig = hmac_sha256(key.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty tag anyway.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Verifies a signature made by [`sign`]; used by tests and by the demo receiver.
pub fn verify(key: &str, jwt: &str, body: &[u8]) -> bool {
    let mut parts = jwt.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let expected =
        URL_SAFE_NO_PAD.encode(hmac_sha256(key.as_bytes(), format!("{h}.{c}").as_bytes()));
    if expected != s {
        return false;
    }
    let Ok(claims) = URL_SAFE_NO_PAD.decode(c) else {
        return false;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&claims) else {
        return false;
    };
    claims["body"].as_str() == Some(URL_SAFE_NO_PAD.encode(Sha256::digest(body)).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_and_binds_the_body() {
        let jwt = sign("sig_key", "http://127.0.0.1/x", b"hello", 1_700_000_000);
        assert!(verify("sig_key", &jwt, b"hello"));
        assert!(!verify("sig_key", &jwt, b"hellO"));
        assert!(!verify("other", &jwt, b"hello"));
    }
}
