//! JSON Web Tokens for people, issued by the organisation's SSO gateway and
//! verified here with configured keys: an HS256 shared secret, an RS256
//! public key, an EdDSA public key, or several of them. The token's header
//! names its algorithm; only a configured algorithm is tried, so a token
//! cannot pick a weaker check than the operator chose.
//!
//! Claims: `sub` (the actor), `roles` (names of [`Role`]), `programmes`
//! (the scope; `["*"]` is every programme, empty or absent is none),
//! `exp` (required),
//! `nbf` (checked when present), and `iss` and `aud` (required and checked
//! when the operator configured an issuer or an audience).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mentorship_engine::domain::ids::ActorId;
use serde::Deserialize;

use super::principal::{Kind, Principal, Role, Scope};

/// Seconds of clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 5;

/// Why a verification key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JwtKeyError {
    /// The file could not be read: fix the path or permissions.
    #[error("{flag} {path}: {source}")]
    Io {
        /// The flag that named the file.
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a key of the expected kind.
    #[error("{flag} {path}: {detail}")]
    Invalid {
        /// The flag that named the file.
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

/// The claims this server reads.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    programmes: Vec<String>,
}

/// The configured verification keys, one per algorithm at most, and the
/// issuer and audience every token must carry when the operator set them.
#[derive(Default)]
pub struct JwtKeys {
    keys: Vec<(Algorithm, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algorithms: Vec<_> = self.keys.iter().map(|(algorithm, _)| algorithm).collect();
        f.debug_struct("JwtKeys")
            .field("algorithms", &algorithms)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, JwtKeyError> {
    std::fs::read(path).map_err(|source| JwtKeyError::Io {
        flag,
        path: path.to_owned(),
        source,
    })
}

impl JwtKeys {
    /// Loads the keys named by the flags; `None` leaves an algorithm off.
    pub fn load(
        hs256_secret: Option<&Path>,
        rs256_public: Option<&Path>,
        eddsa_public: Option<&Path>,
    ) -> Result<Self, JwtKeyError> {
        let mut keys = Vec::new();
        if let Some(path) = hs256_secret {
            let flag = "--jwt-hs256-secret-file";
            let secret = read(flag, path)?;
            let secret = secret.trim_ascii();
            if secret.len() < 32 {
                return Err(JwtKeyError::Invalid {
                    flag,
                    path: path.to_owned(),
                    detail: "the secret must be at least 32 bytes".into(),
                });
            }
            keys.push((Algorithm::HS256, DecodingKey::from_secret(secret)));
        }
        if let Some(path) = rs256_public {
            let flag = "--jwt-rs256-public-key";
            let key = DecodingKey::from_rsa_pem(&read(flag, path)?).map_err(|error| {
                JwtKeyError::Invalid {
                    flag,
                    path: path.to_owned(),
                    detail: error.to_string(),
                }
            })?;
            keys.push((Algorithm::RS256, key));
        }
        if let Some(path) = eddsa_public {
            let flag = "--jwt-eddsa-public-key";
            let key = DecodingKey::from_ed_pem(&read(flag, path)?).map_err(|error| {
                JwtKeyError::Invalid {
                    flag,
                    path: path.to_owned(),
                    detail: error.to_string(),
                }
            })?;
            keys.push((Algorithm::EdDSA, key));
        }
        Ok(Self {
            keys,
            issuer: None,
            audience: None,
        })
    }

    /// Requires every token to carry `issuer` as `iss` and to name
    /// `audience` in `aud`, each when given: a token the gateway issued for
    /// another service, or another gateway's token signed with a shared
    /// key, is then refused.
    pub fn expecting(mut self, issuer: Option<String>, audience: Option<String>) -> Self {
        self.issuer = issuer;
        self.audience = audience;
        self
    }

    /// Whether any key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The principal of `token`, or why it is refused (a bad signature, an
    /// unconfigured algorithm, an expired or not-yet-valid token, a claim
    /// that does not parse).
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|error| error.to_string())?;
        let (algorithm, key) = self
            .keys
            .iter()
            .find(|(algorithm, _)| *algorithm == header.alg)
            .ok_or_else(|| format!("tokens signed with {:?} are not accepted", header.alg))?;
        let mut validation = Validation::new(*algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &self.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|error| error.to_string())?
            .claims;
        if claims.sub.starts_with(super::api_keys::SUBJECT_PREFIX) {
            return Err(format!(
                "sub may not begin {:?}: those actors are API keys",
                super::api_keys::SUBJECT_PREFIX
            ));
        }
        let subject = ActorId::parse("sub", claims.sub).map_err(|error| error.to_string())?;
        let roles = claims
            .roles
            .iter()
            .map(|role| role.parse::<Role>())
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Principal {
            subject,
            kind: Kind::Person,
            roles,
            scope: Scope::of(claims.programmes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> (tempfile::TempDir, JwtKeys) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, SECRET).unwrap();
        let keys = JwtKeys::load(Some(&path), None, None).unwrap();
        (dir, keys)
    }

    fn token(claims: serde_json::Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_valid_token_names_subject_roles_and_scope() {
        let (_dir, keys) = keys();
        let principal = keys
            .verify(&token(
                json!({"sub": "ana", "roles": ["programme_manager"], "programmes": ["p1"], "exp": now() + 60}),
                SECRET,
            ))
            .unwrap();
        assert_eq!(principal.subject.as_str(), "ana");
        assert!(principal.has(Role::ProgrammeManager));
        assert!(principal.scope.covers("p1") && !principal.scope.covers("p2"));
    }

    #[test]
    fn a_token_cannot_name_an_api_keys_actor() {
        let (_dir, keys) = keys();
        let claims = json!({"sub": "service:mk_0123", "roles": ["service"], "exp": now() + 60});
        let refused = keys.verify(&token(claims, SECRET)).unwrap_err();
        assert!(refused.contains("API keys"), "{refused}");
    }

    #[test]
    fn expired_early_unsigned_and_wrongly_signed_tokens_are_refused() {
        let (_dir, keys) = keys();
        let expired = json!({"sub": "ana", "roles": [], "exp": now() - 3600});
        assert!(keys.verify(&token(expired, SECRET)).is_err());
        let early = json!({"sub": "ana", "roles": [], "exp": now() + 7200, "nbf": now() + 3600});
        assert!(keys.verify(&token(early, SECRET)).is_err());
        let forged = json!({"sub": "ana", "roles": ["administrator"], "exp": now() + 60});
        assert!(keys
            .verify(&token(forged, b"another secret of thirty-two bytes"))
            .is_err());
        let no_expiry = json!({"sub": "ana", "roles": []});
        assert!(keys.verify(&token(no_expiry, SECRET)).is_err());
        let unknown_role = json!({"sub": "ana", "roles": ["root"], "exp": now() + 60});
        assert!(keys.verify(&token(unknown_role, SECRET)).is_err());
    }

    #[test]
    fn a_short_secret_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"short").unwrap();
        assert!(JwtKeys::load(Some(&path), None, None).is_err());
    }

    /// Key pairs made for these tests only: the private halves sign test
    /// tokens, the public halves are what an operator would configure.
    const RS256_PRIVATE: &[u8] = include_bytes!("testdata/rs256-private.pem");
    const RS256_PUBLIC: &str = "src/auth/testdata/rs256-public.pem";
    const EDDSA_PRIVATE: &[u8] = include_bytes!("testdata/eddsa-private.pem");
    const EDDSA_PUBLIC: &str = "src/auth/testdata/eddsa-public.pem";

    fn public_keys() -> JwtKeys {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        JwtKeys::load(
            None,
            Some(&root.join(RS256_PUBLIC)),
            Some(&root.join(EDDSA_PUBLIC)),
        )
        .unwrap()
    }

    fn signed(algorithm: Algorithm, key: &EncodingKey, subject: &str) -> String {
        let claims = json!({"sub": subject, "roles": ["mentor"], "exp": now() + 60});
        jsonwebtoken::encode(&Header::new(algorithm), &claims, key).unwrap()
    }

    #[test]
    fn rs256_and_eddsa_tokens_verify_with_the_configured_public_keys() {
        let keys = public_keys();
        let rsa = EncodingKey::from_rsa_pem(RS256_PRIVATE).unwrap();
        let ed = EncodingKey::from_ed_pem(EDDSA_PRIVATE).unwrap();
        let by_rsa = keys.verify(&signed(Algorithm::RS256, &rsa, "ana")).unwrap();
        assert_eq!(by_rsa.subject.as_str(), "ana");
        let by_ed = keys.verify(&signed(Algorithm::EdDSA, &ed, "ben")).unwrap();
        assert_eq!(by_ed.subject.as_str(), "ben");
        assert!(by_ed.has(Role::Mentor));
    }

    #[test]
    fn a_token_cannot_choose_an_algorithm_the_operator_did_not_configure() {
        let configured = public_keys();
        // The classic confusion: HS256 keyed with the RSA public key, which
        // anyone has. Only RS256 and EdDSA are configured, so it is refused.
        let public =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(RS256_PUBLIC)).unwrap();
        let confused = signed(Algorithm::HS256, &EncodingKey::from_secret(&public), "eve");
        assert!(configured.verify(&confused).is_err());
        // And a server that trusts only its HS256 secret refuses EdDSA and
        // RS256 tokens, however well signed.
        let (_dir, secret_only) = keys();
        let ed = EncodingKey::from_ed_pem(EDDSA_PRIVATE).unwrap();
        let rsa = EncodingKey::from_rsa_pem(RS256_PRIVATE).unwrap();
        assert!(secret_only
            .verify(&signed(Algorithm::EdDSA, &ed, "eve"))
            .is_err());
        assert!(secret_only
            .verify(&signed(Algorithm::RS256, &rsa, "eve"))
            .is_err());
    }

    #[test]
    fn a_file_that_is_not_a_public_key_is_refused_at_load_naming_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-key.pem");
        std::fs::write(
            &path,
            b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let error = JwtKeys::load(None, Some(&path), None).unwrap_err();
        assert!(
            error.to_string().contains("--jwt-rs256-public-key"),
            "{error}"
        );
        let error = JwtKeys::load(None, None, Some(&path)).unwrap_err();
        assert!(
            error.to_string().contains("--jwt-eddsa-public-key"),
            "{error}"
        );
    }

    #[test]
    fn an_expected_issuer_and_audience_refuse_tokens_for_another_service() {
        let (_dir, plain) = keys();
        let expecting = plain.expecting(
            Some("https://sso.example".to_owned()),
            Some("mentorship".to_owned()),
        );
        let claims = |iss: Option<&str>, aud: Option<&str>| {
            let mut claims = json!({"sub": "ana", "roles": ["mentee"], "exp": now() + 60});
            if let Some(iss) = iss {
                claims["iss"] = json!(iss);
            }
            if let Some(aud) = aud {
                claims["aud"] = json!(aud);
            }
            token(claims, SECRET)
        };
        let ours = claims(Some("https://sso.example"), Some("mentorship"));
        assert_eq!(expecting.verify(&ours).unwrap().subject.as_str(), "ana");
        for (case, refused) in [
            (
                "another audience",
                claims(Some("https://sso.example"), Some("payroll")),
            ),
            (
                "another issuer",
                claims(Some("https://evil.example"), Some("mentorship")),
            ),
            ("no audience", claims(Some("https://sso.example"), None)),
            ("no issuer", claims(None, Some("mentorship"))),
        ] {
            assert!(expecting.verify(&refused).is_err(), "{case} was accepted");
        }
        // Without expectations, neither claim is needed nor checked.
        let (_dir, lenient) = keys();
        assert!(lenient.verify(&claims(None, Some("payroll"))).is_ok());
    }
}
