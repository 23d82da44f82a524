//! Slack's request signatures: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the Slack app's signing
//! secret, compared in constant time, with the timestamp at most five minutes from
//! now. A verified signature yields the replay key its request is claimed under.
use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Slack's signature scheme version.
pub const SIGNATURE_VERSION: &str = "v0";

/// How far a request's timestamp may be from now (Slack's recommendation: 5 minutes).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

/// Why a request was refused before anything was read from it.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("no Slack signing secret is configured: put \"signing_secret\" in the Slack secret's JSON")]
    NoSigningSecret,
    #[error("the X-Slack-Request-Timestamp header is missing or not a number")]
    BadTimestamp,
    #[error("the request timestamp is {skew_seconds} s away from now (more than 5 minutes)")]
    Stale { skew_seconds: i64 },
    #[error("the X-Slack-Signature header is missing")]
    MissingSignature,
    #[error("the signature does not match")]
    BadSignature,
    #[error("replayed: this signed request was already handled")]
    Replayed,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(SIGNATURE_VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// Slack's signature of a request: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let hex = mac(secret, timestamp, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{SIGNATURE_VERSION}={hex}")
}

/// What [`verify`] proved: Slack's MAC over this (timestamp, body).
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    /// The HMAC-SHA256 of `v0:{timestamp}:{body}`, as decoded from the header and
    /// checked against our own computation: the bytes, not the header's text.
    mac: [u8; 32],
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("replay_key", &self.replay_key())
            .finish()
    }
}

impl Verified {
    /// The ledger claim that makes this request act once: `slack#` + the verified
    /// MAC in lower-case hex.
    ///
    /// Derived from what was verified, never from the request's spelling: the
    /// header's hex is decoded case-insensitively (and trimmed), so keying on its
    /// text made `v0=ABC…` a "new" request after `v0=abc…` had been handled. The
    /// MAC is a function of exactly the signed (timestamp, body); every spelling
    /// that verifies has these same 32 bytes, and no other request can have them
    /// without the signing secret. (The MAC is no secret: it travels in the header.)
    pub fn replay_key(&self) -> String {
        format!("slack#{}", hex::encode(self.mac))
    }
}

/// Check a request's signature (compared in constant time by `hmac`'s
/// `verify_slice`), then its timestamp (within five minutes of `now`): the
/// timestamp is only trusted once the signature shows Slack sent it.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, Rejection> {
    if secret.is_empty() {
        return Err(Rejection::NoSigningSecret);
    }
    // 1. The signature, over the timestamp as sent.
    let timestamp = timestamp
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Rejection::BadTimestamp)?;
    let signature = signature.map(str::trim).ok_or(Rejection::MissingSignature)?;
    let hex_sig = signature
        .strip_prefix(SIGNATURE_VERSION)
        .and_then(|s| s.strip_prefix('='))
        .ok_or(Rejection::BadSignature)?;
    let tag = hex::decode(hex_sig).map_err(|_| Rejection::BadSignature)?;
    let mac = mac(secret, timestamp, body).ok_or(Rejection::NoSigningSecret)?;
    mac.verify_slice(&tag).map_err(|_| Rejection::BadSignature)?;
    // verify_slice accepts only a full-length tag: these are the 32 bytes of the MAC.
    let mac: [u8; 32] = tag.try_into().map_err(|_| Rejection::BadSignature)?;
    // 2. The timestamp window.
    let ts: i64 = timestamp.parse().map_err(|_| Rejection::BadTimestamp)?;
    let skew_seconds = now.timestamp().saturating_sub(ts).saturating_abs();
    if skew_seconds > MAX_CLOCK_SKEW_SECONDS {
        return Err(Rejection::Stale { skew_seconds });
    }
    Ok(Verified { mac })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    pub(crate) const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    pub(crate) fn at(ts: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(ts, 0).single().unwrap_or_default()
    }

    /// HMAC-SHA256 as RFC 2104 defines it, over `sha2` directly: an independent
    /// computation of the documented algorithm to check `sign` against.
    fn reference_hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new().chain_update(&ipad).chain_update(msg).finalize();
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_v0_timestamp_body() {
        let body = b"payload=%7B%22type%22%3A%22block_actions%22%7D";
        let ts = "1531420618";
        let mut base = b"v0:1531420618:".to_vec();
        base.extend_from_slice(body);
        let expected = format!("v0={}", hex::encode(reference_hmac(SECRET.as_bytes(), &base)));
        assert_eq!(sign(SECRET, ts, body), expected);
        // RFC 4231 test case 2, as a check of the reference itself.
        assert_eq!(
            hex::encode(reference_hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(SECRET, Some(ts), Some(&expected), body, at(1531420618)).is_ok());
    }

    #[test]
    fn a_wrong_or_missing_signature_is_refused() {
        let body = b"payload=x";
        let ts = "1700000000";
        let now = at(1700000000);
        let good = sign(SECRET, ts, body);
        assert!(verify(SECRET, Some(ts), Some(&good), body, now).is_ok());
        assert!(matches!(
            verify("another-secret", Some(ts), Some(&good), body, now),
            Err(Rejection::BadSignature)
        ));
        assert!(matches!(
            verify(SECRET, Some(ts), Some(&good), b"payload=y", now),
            Err(Rejection::BadSignature)
        ));
        // The timestamp is part of what is signed.
        assert!(matches!(
            verify(SECRET, Some("1700000001"), Some(&good), body, now),
            Err(Rejection::BadSignature)
        ));
        let flipped = format!(
            "{}{}",
            &good[..good.len() - 1],
            if good.ends_with('0') { '1' } else { '0' }
        );
        for bad in [flipped.as_str(), &good[3..], "v1=00", "v0=zz", "v0=", "v0=abcd", ""] {
            assert!(
                matches!(
                    verify(SECRET, Some(ts), Some(bad), body, now),
                    Err(Rejection::BadSignature)
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            verify(SECRET, Some(ts), None, body, now),
            Err(Rejection::MissingSignature)
        ));
        assert!(matches!(
            verify("", Some(ts), Some(&good), body, now),
            Err(Rejection::NoSigningSecret)
        ));
    }

    #[test]
    fn timestamps_more_than_five_minutes_off_are_refused() {
        let body = b"payload=x";
        let ts = 1_700_000_000;
        let sig = sign(SECRET, &ts.to_string(), body);
        let check = |now: i64| verify(SECRET, Some(&ts.to_string()), Some(&sig), body, at(now));
        assert!(check(ts + 300).is_ok());
        assert!(check(ts - 300).is_ok());
        assert!(matches!(check(ts + 301), Err(Rejection::Stale { skew_seconds: 301 })));
        assert!(matches!(check(ts - 301), Err(Rejection::Stale { .. })));
        // A timestamp that is no number is refused even when it is what was signed.
        for bad in [None, Some(""), Some("soon"), Some("1.5")] {
            let sig = sign(SECRET, bad.unwrap_or_default(), body);
            assert!(
                matches!(
                    verify(SECRET, bad, Some(&sig), body, at(ts)),
                    Err(Rejection::BadTimestamp)
                ),
                "{bad:?}"
            );
        }
        // The signature comes first: a stale timestamp with a forged signature is
        // refused as forged, so nothing about the window is told to a forger.
        let forged = sign("not-the-secret", &ts.to_string(), body);
        assert!(matches!(
            verify(SECRET, Some(&ts.to_string()), Some(&forged), body, at(ts + 3600)),
            Err(Rejection::BadSignature)
        ));
    }

    /// `v0=` + the hex of `sig` with every other letter in upper case.
    pub(crate) fn mixed_case(sig: &str) -> String {
        let hex: String = sig[3..]
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
            .collect();
        format!("v0={hex}")
    }

    #[test]
    fn every_spelling_of_one_signature_has_one_replay_key() {
        let body = b"payload=x";
        let ts = "1700000000";
        let now = at(1_700_000_000);
        let good = sign(SECRET, ts, body);
        let upper = format!("v0={}", good[3..].to_ascii_uppercase());
        let mixed = mixed_case(&good);
        assert!(upper != good && mixed != good && mixed != upper);
        let key = |sig: &str| {
            verify(SECRET, Some(ts), Some(sig), body, now)
                .map(|v| v.replay_key())
                .unwrap_or_else(|e| panic!("{sig}: {e}"))
        };
        let keys: BTreeSet<String> = [good.clone(), upper, mixed, format!(" {good} ")]
            .iter()
            .map(|s| key(s))
            .collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        // The key is the MAC's bytes: lower-case hex of exactly what was verified.
        assert_eq!(keys.first().cloned(), Some(format!("slack#{}", &good[3..])));
        // Another body or another timestamp is another request, another key.
        let other_body = sign(SECRET, ts, b"payload=y");
        let other = verify(SECRET, Some(ts), Some(&other_body), b"payload=y", now).map(|v| v.replay_key());
        assert!(other.is_ok_and(|k| !keys.contains(&k)));
        let later = sign(SECRET, "1700000001", body);
        let later = verify(SECRET, Some("1700000001"), Some(&later), body, now).map(|v| v.replay_key());
        assert!(later.is_ok_and(|k| !keys.contains(&k)));
    }
}
