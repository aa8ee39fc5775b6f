//! From a request's headers to a [`Principal`], or `UNAUTHENTICATED`.
//!
//! `authorization: Bearer <token>` carries either an API key (`mk_…`) or a
//! JWT. In development mode a request without a bearer token may instead
//! name its caller in the `x-actor-id` header; that caller holds every role
//! on every programme, which is why development mode listens on loopback
//! only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use mentorship_engine::domain::ids::ActorId;
use tonic::codegen::http::HeaderMap;
use tonic::Status;

use super::api_keys::{self, KeyStore, KeyStoreError, PREFIX};
use super::jwt::JwtKeys;
use super::principal::{Kind, Principal, Role, Scope};
use super::rate::{RateLimit, RateLimiter};

/// The request header naming the caller in development mode.
pub const ACTOR_HEADER: &str = "x-actor-id";

/// How the server establishes who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bearer tokens when sent, else the `x-actor-id` header; loopback only.
    Development,
    /// Bearer tokens only.
    Required,
}

/// The API keys of the data directory, re-read when the file changes, so
/// that `keys create` and `keys revoke` take effect on a running server.
#[derive(Debug)]
struct Keys {
    data_dir: PathBuf,
    loaded: Mutex<(Option<SystemTime>, KeyStore)>,
}

impl Keys {
    fn modified(data_dir: &Path) -> Option<SystemTime> {
        std::fs::metadata(api_keys::path(data_dir))
            .and_then(|metadata| metadata.modified())
            .ok()
    }

    fn authenticate(&self, token: &str) -> Result<Option<Principal>, Status> {
        let modified = Self::modified(&self.data_dir);
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| Status::internal("the key store lock was poisoned"))?;
        if loaded.0 != modified {
            let store = KeyStore::open(&self.data_dir)
                .map_err(|error| Status::unavailable(error.to_string()))?;
            *loaded = (modified, store);
        }
        Ok(loaded.1.authenticate(token))
    }
}

/// Establishes the principal of every request.
#[derive(Debug)]
pub struct Authenticator {
    mode: Mode,
    keys: Keys,
    jwt: JwtKeys,
    rate: Option<RateLimiter>,
}

impl Authenticator {
    /// An authenticator for the data directory `data_dir` in `mode`.
    pub fn new(mode: Mode, data_dir: &Path, jwt: JwtKeys) -> Result<Self, KeyStoreError> {
        let store = KeyStore::open(data_dir)?;
        Ok(Self {
            mode,
            keys: Keys {
                data_dir: data_dir.to_owned(),
                loaded: Mutex::new((Keys::modified(data_dir), store)),
            },
            jwt,
            rate: None,
        })
    }

    /// Admits at most `limit` requests per caller, when given.
    pub fn limit_rate(mut self, limit: Option<RateLimit>) -> Self {
        self.rate = limit.map(RateLimiter::new);
        self
    }

    /// Takes one request from `principal`'s allowance: `RESOURCE_EXHAUSTED`
    /// with the time to wait when it is spent.
    #[allow(clippy::result_large_err)]
    pub fn throttle(&self, principal: &Principal) -> Result<(), Status> {
        match &self.rate {
            Some(rate) => rate.admit(principal.subject.as_str()),
            None => Ok(()),
        }
    }

    /// The mode it runs in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether any credential could authenticate: a live API key or a JWT
    /// key. `required` mode refuses to start without one.
    pub fn has_key_material(&self) -> bool {
        !self.jwt.is_empty()
            || self
                .keys
                .loaded
                .lock()
                .map(|loaded| loaded.1.has_active())
                .unwrap_or(false)
    }

    /// The principal of a request with these headers.
    #[allow(clippy::result_large_err)]
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, Status> {
        if let Some(value) = headers.get("authorization") {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    Status::unauthenticated("the authorization header must be `Bearer <token>`")
                })?;
            return self.bearer(token);
        }
        if self.mode == Mode::Development {
            if let Some(actor) = headers
                .get(ACTOR_HEADER)
                .and_then(|value| value.to_str().ok())
                .filter(|value| !value.starts_with(api_keys::SUBJECT_PREFIX))
                .and_then(|value| ActorId::parse(ACTOR_HEADER, value).ok())
            {
                return Ok(Principal {
                    subject: actor,
                    kind: Kind::Person,
                    roles: BTreeSet::from(Role::ALL),
                    scope: Scope::All,
                });
            }
            return Err(Status::unauthenticated(format!(
                "no caller: send a bearer token, or in development mode a valid {ACTOR_HEADER} header (letters, digits and - _ . : @)"
            )));
        }
        Err(Status::unauthenticated(
            "no credential: send `authorization: Bearer <API key or JWT>`",
        ))
    }

    #[allow(clippy::result_large_err)]
    fn bearer(&self, token: &str) -> Result<Principal, Status> {
        if token.starts_with(PREFIX) {
            return self
                .keys
                .authenticate(token)?
                .ok_or_else(|| Status::unauthenticated("unknown or revoked API key"));
        }
        self.jwt
            .verify(token)
            .map_err(|reason| Status::unauthenticated(format!("invalid token: {reason}")))
    }
}
