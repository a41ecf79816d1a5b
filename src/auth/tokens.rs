//! Random secrets and their stored form. Tokens are 32 random bytes from the operating
//! system, URL-safe base64; only their SHA-256 is stored, so a database leak gives no
//! usable session, reset link or API token.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new random token of 32 bytes.
///
/// # Panics
/// If the operating system has no randomness to give, which leaves nothing safe to do.
#[must_use]
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    #[expect(
        clippy::expect_used,
        reason = "no safe fallback exists without OS randomness"
    )]
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
#[must_use]
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in constant time.
#[must_use]
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
