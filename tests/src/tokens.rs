//! Credentials for a server run with `--auth required`: HS256 JWTs signed
//! with a shared secret the test writes next to the data directory, and
//! requests that carry them as bearer tokens.

use std::path::Path;

use jsonwebtoken::{encode, EncodingKey, Header};
use tonic::metadata::MetadataValue;
use tonic::Request;

/// The HS256 secret the test server verifies tokens with.
pub const SECRET: &str = "a-shared-hs256-secret-of-forty-bytes-long";

/// A secret the server does not know: tokens signed with it are forged.
pub const FORGER_SECRET: &str = "another-secret-of-forty-bytes-long-too!!";

/// The `serve` flags that require authentication with HS256 JWTs, writing
/// [`SECRET`] into `root`.
pub fn required_flags(root: &Path) -> Vec<String> {
    let secret = root.join("jwt.secret");
    std::fs::write(&secret, SECRET).expect("the secret file");
    vec![
        "--auth".to_owned(),
        "required".to_owned(),
        "--jwt-hs256-secret-file".to_owned(),
        secret.display().to_string(),
    ]
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// A token for `subject` with `roles` on `programmes` (`"*"`: every
/// programme; empty: none), expiring `expires_in` seconds from now, signed
/// with `secret`.
pub fn token_signed(
    secret: &str,
    subject: &str,
    roles: &[&str],
    programmes: &[&str],
    expires_in: i64,
) -> String {
    sign(
        secret,
        serde_json::json!({
            "sub": subject,
            "roles": roles,
            "programmes": programmes,
            "exp": now() + expires_in,
            "nbf": now() - 60,
        }),
    )
}

/// A token signed with [`SECRET`], valid for an hour.
pub fn token(subject: &str, roles: &[&str], programmes: &[&str]) -> String {
    token_signed(SECRET, subject, roles, programmes, 3_600)
}

/// A token signed with [`SECRET`], valid for an hour, with no `programmes`
/// claim at all.
pub fn token_without_programmes(subject: &str, roles: &[&str]) -> String {
    sign(
        SECRET,
        serde_json::json!({
            "sub": subject,
            "roles": roles,
            "exp": now() + 3_600,
            "nbf": now() - 60,
        }),
    )
}

fn sign(secret: &str, claims: serde_json::Value) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a signed token")
}

/// `message` as a request carrying `token` as its bearer credential, or no
/// credential at all.
pub fn bearer<T>(token: Option<&str>, message: T) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            MetadataValue::try_from(format!("Bearer {token}")).expect("ASCII"),
        );
    }
    request
}
