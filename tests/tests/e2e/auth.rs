//! Authentication and authorisation with `--auth required` and HS256 JWTs:
//! missing, expired and forged tokens are UNAUTHENTICATED; a role or scope
//! the policy refuses is PERMISSION_DENIED; a refused call writes nothing;
//! the actor on an event is the token's subject, never a header.

use mentorship_e2e::fixtures::{charter, design};
use mentorship_e2e::tokens::{bearer, required_flags, token, token_signed, FORGER_SECRET, SECRET};
use mentorship_e2e::{options, Server};
use mentorship_proto::v1 as pb;
use pb::event_store_service_client::EventStoreServiceClient;
use pb::programme_service_client::ProgrammeServiceClient;
use tonic::metadata::MetadataValue;
use tonic::{Code, Request};

async fn secured() -> Server {
    Server::start_with(required_flags).await
}

fn define(id: &str) -> pb::DefineProgrammeRequest {
    pb::DefineProgrammeRequest {
        options: options(),
        programme_id: id.to_owned(),
        charter: Some(charter(id)),
    }
}

fn design_of(id: &str) -> pb::DesignProgrammeRequest {
    pb::DesignProgrammeRequest {
        options: options(),
        programme_id: id.to_owned(),
        design: Some(design()),
    }
}

async fn head(server: &Server, admin: &str) -> u64 {
    EventStoreServiceClient::new(server.channel())
        .read_all(bearer(
            Some(admin),
            pb::ReadAllRequest {
                from_position: 1,
                limit: 1,
                filter: None,
            },
        ))
        .await
        .expect("an administrator reads the log")
        .into_inner()
        .head_position
}

#[tokio::test]
async fn missing_expired_and_forged_tokens_are_unauthenticated_and_write_nothing() {
    let server = secured().await;
    let admin = token("ana", &["administrator"], &[]);
    let mut programmes = ProgrammeServiceClient::new(server.channel());
    let cases = [
        ("no token", None),
        (
            "expired",
            Some(token_signed(SECRET, "ana", &["administrator"], &[], -3_600)),
        ),
        (
            "bad signature",
            Some(token_signed(
                FORGER_SECRET,
                "ana",
                &["administrator"],
                &[],
                3_600,
            )),
        ),
        ("not a token", Some("mk_nope_nope".to_owned())),
    ];
    for (case, token) in cases {
        let refused = programmes
            .define_programme(bearer(token.as_deref(), define("p-auth")))
            .await
            .expect_err(case);
        assert_eq!(refused.code(), Code::Unauthenticated, "{case}: {refused:?}");
    }
    // A header naming an actor is no credential when auth is required.
    let mut named = Request::new(define("p-auth"));
    named
        .metadata_mut()
        .insert("x-actor-id", MetadataValue::from_static("ana"));
    let refused = programmes
        .define_programme(named)
        .await
        .expect_err("x-actor-id");
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert_eq!(head(&server, &admin).await, 0);
}

#[tokio::test]
async fn roles_and_programme_scopes_are_enforced_and_a_refusal_writes_nothing() {
    let server = secured().await;
    let admin = token("ana", &["administrator"], &[]);
    let manager = token("mo", &["programme_manager"], &["p-one"]);
    let mentor = token("mia", &["mentor"], &["p-one"]);
    let auditor = token("al", &["auditor"], &[]);
    let mut programmes = ProgrammeServiceClient::new(server.channel());
    for id in ["p-one", "p-two"] {
        programmes
            .define_programme(bearer(Some(&admin), define(id)))
            .await
            .expect("an administrator defines any programme");
    }
    let before = head(&server, &admin).await;
    let refusals = [
        (
            "a manager outside their scope",
            &manager,
            design_of("p-two"),
        ),
        ("a mentor", &mentor, design_of("p-one")),
        ("an auditor", &auditor, design_of("p-one")),
    ];
    for (who, token, request) in refusals {
        let refused = programmes
            .design_programme(bearer(Some(token), request))
            .await
            .expect_err(who);
        assert_eq!(refused.code(), Code::PermissionDenied, "{who}: {refused:?}");
        assert_eq!(head(&server, &admin).await, before, "{who} wrote");
    }
    programmes
        .design_programme(bearer(Some(&manager), design_of("p-one")))
        .await
        .expect("a manager designs their own programme");

    let mut events = EventStoreServiceClient::new(server.channel());
    let read_all = || pb::ReadAllRequest {
        from_position: 1,
        limit: 100,
        filter: None,
    };
    events
        .read_all(bearer(Some(&auditor), read_all()))
        .await
        .expect("an auditor reads all history");
    let refused = events
        .read_all(bearer(Some(&mentor), read_all()))
        .await
        .expect_err("a mentor reads everything");
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn the_actor_on_an_event_is_the_tokens_subject_not_a_header() {
    let server = secured().await;
    let admin = token("ana", &["administrator"], &[]);
    let mut request = bearer(Some(&admin), define("p-actor"));
    request
        .metadata_mut()
        .insert("x-actor-id", MetadataValue::from_static("mallory"));
    ProgrammeServiceClient::new(server.channel())
        .define_programme(request)
        .await
        .expect("defined");
    let stream = EventStoreServiceClient::new(server.channel())
        .read_stream(bearer(
            Some(&admin),
            pb::ReadStreamRequest {
                stream_type: "programme".to_owned(),
                stream_id: "p-actor".to_owned(),
                from_revision: 0,
                limit: 0,
            },
        ))
        .await
        .expect("read")
        .into_inner();
    let actors: Vec<&str> = stream
        .events
        .iter()
        .map(|event| event.actor.as_str())
        .collect();
    assert_eq!(actors, ["ana"]);
}

/// Runs `serve` with `flags` on a fresh data directory and returns how it
/// exited and what it wrote on stderr; fails the test if it is still
/// serving after 20 seconds.
fn refused_start(flags: &[&str]) -> (std::process::ExitStatus, String) {
    let root = tempfile::tempdir().expect("a temporary directory");
    let mut child = std::process::Command::new(mentorship_e2e::binary())
        .arg("serve")
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .args(flags)
        .env_remove("MENTORSHIP_AUTH")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the binary") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve {flags:?} started instead of refusing");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().expect("piped stderr"), &mut stderr)
        .expect("stderr is readable");
    (status, stderr)
}

#[test]
fn auth_required_without_key_material_refuses_to_start() {
    let (status, stderr) = refused_start(&["--auth", "required", "--listen", "127.0.0.1:0"]);
    assert!(!status.success());
    assert!(
        stderr.contains("--auth required needs key material"),
        "{stderr}"
    );
}

#[test]
fn development_mode_refuses_an_address_beyond_loopback() {
    let (status, stderr) = refused_start(&["--listen", "0.0.0.0:0"]);
    assert!(!status.success());
    assert!(stderr.contains("loopback only"), "{stderr}");
}

#[tokio::test]
async fn a_key_revoked_on_the_command_line_is_refused_by_the_running_server() {
    let server = secured().await;
    let key = server.create_key("service", &["p-keys"]);
    let list = || pb::ListParticipantsRequest {
        programme_id: "p-keys".to_owned(),
        ..Default::default()
    };
    let mut queries = server.queries();
    queries
        .list_participants(bearer(Some(&key), list()))
        .await
        .expect("a fresh key is accepted without a restart");
    let id = key
        .strip_prefix("mk_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(id, _)| id.to_owned())
        .expect("a key reads mk_<id>_<secret>");
    let revoked = std::process::Command::new(mentorship_e2e::binary())
        .args(["keys", "revoke", "--data-dir"])
        .arg(server.data_dir())
        .arg(&id)
        .status()
        .expect("keys revoke runs");
    assert!(revoked.success());
    let refused = queries
        .list_participants(bearer(Some(&key), list()))
        .await
        .expect_err("a revoked key");
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
}

/// Test-only key pairs of the server crate's JWT tests: the private halves
/// sign as the SSO gateway would, the public halves are configured.
const RS256_PRIVATE: &[u8] = include_bytes!("../../../server/src/auth/testdata/rs256-private.pem");
const EDDSA_PRIVATE: &[u8] = include_bytes!("../../../server/src/auth/testdata/eddsa-private.pem");

fn gateway_token(
    algorithm: jsonwebtoken::Algorithm,
    key: &jsonwebtoken::EncodingKey,
    audience: &str,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let claims = serde_json::json!({
        "sub": "ana",
        "roles": ["administrator"],
        "iss": "https://sso.example",
        "aud": audience,
        "exp": now + 600,
    });
    jsonwebtoken::encode(&jsonwebtoken::Header::new(algorithm), &claims, key)
        .expect("a signed token")
}

#[tokio::test]
async fn rs256_and_eddsa_tokens_of_the_gateway_are_accepted_for_this_audience_only() {
    let testdata =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/auth/testdata");
    let server = Server::start_with(|_| {
        vec![
            "--auth".to_owned(),
            "required".to_owned(),
            "--jwt-rs256-public-key".to_owned(),
            testdata.join("rs256-public.pem").display().to_string(),
            "--jwt-eddsa-public-key".to_owned(),
            testdata.join("eddsa-public.pem").display().to_string(),
            "--jwt-issuer".to_owned(),
            "https://sso.example".to_owned(),
            "--jwt-audience".to_owned(),
            "mentorship".to_owned(),
        ]
    })
    .await;
    let rsa = jsonwebtoken::EncodingKey::from_rsa_pem(RS256_PRIVATE).expect("an RSA key");
    let ed = jsonwebtoken::EncodingKey::from_ed_pem(EDDSA_PRIVATE).expect("an Ed25519 key");
    let mut programmes = ProgrammeServiceClient::new(server.channel());
    for (id, token) in [
        (
            "p-rs256",
            gateway_token(jsonwebtoken::Algorithm::RS256, &rsa, "mentorship"),
        ),
        (
            "p-eddsa",
            gateway_token(jsonwebtoken::Algorithm::EdDSA, &ed, "mentorship"),
        ),
    ] {
        programmes
            .define_programme(bearer(Some(&token), define(id)))
            .await
            .unwrap_or_else(|status| panic!("{id}: {status:?}"));
    }
    for (case, token) in [
        (
            "a token for another service",
            gateway_token(jsonwebtoken::Algorithm::RS256, &rsa, "payroll"),
        ),
        ("an HS256 token", token("ana", &["administrator"], &[])),
    ] {
        let refused = programmes
            .define_programme(bearer(Some(&token), define("p-refused")))
            .await
            .expect_err(case);
        assert_eq!(refused.code(), Code::Unauthenticated, "{case}: {refused:?}");
    }
}

#[tokio::test]
async fn a_token_naming_an_api_keys_actor_is_unauthenticated() {
    let server = secured().await;
    let admin = token("ana", &["administrator"], &[]);
    let before = head(&server, &admin).await;
    let key = server.create_key("service", &["p-keys"]);
    let key_id = key
        .strip_prefix("mk_")
        .and_then(|rest| rest.split('_').next())
        .expect("a key reads mk_<id>_<secret>");
    let impostor = token(&format!("service:{key_id}"), &["administrator"], &[]);
    let refused = ProgrammeServiceClient::new(server.channel())
        .define_programme(bearer(Some(&impostor), define("p-impostor")))
        .await
        .expect_err("a JWT cannot speak as an API key");
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    assert_eq!(head(&server, &admin).await, before);
}

#[tokio::test]
async fn rule_no_self_decided_application_refuses_a_manager_approving_their_own() {
    let server = secured().await;
    let admin = token("ana", &["administrator"], &[]);
    let mut programmes = ProgrammeServiceClient::new(server.channel());
    programmes
        .define_programme(bearer(Some(&admin), define("p-self")))
        .await
        .expect("defined");
    programmes
        .design_programme(bearer(Some(&admin), design_of("p-self")))
        .await
        .expect("designed");
    programmes
        .open_onboarding(bearer(
            Some(&admin),
            pb::AdvanceProgrammeRequest {
                options: options(),
                programme_id: "p-self".to_owned(),
            },
        ))
        .await
        .expect("onboarding");
    let both = token("mo", &["programme_manager", "mentor"], &["p-self"]);
    let mut participants =
        pb::participant_service_client::ParticipantServiceClient::new(server.channel());
    participants
        .apply(bearer(
            Some(&both),
            pb::ApplyRequest {
                options: options(),
                programme_id: "p-self".to_owned(),
                person_id: "mo".to_owned(),
                questionnaire: Some(mentorship_e2e::fixtures::questionnaire(
                    pb::Role::Mentor,
                    "mo",
                    7,
                    None,
                )),
            },
        ))
        .await
        .expect("applied");
    let before = head(&server, &admin).await;
    let refused = participants
        .approve_application(bearer(
            Some(&both),
            pb::ParticipantRequest {
                options: options(),
                programme_id: "p-self".to_owned(),
                person_id: "mo".to_owned(),
            },
        ))
        .await
        .expect_err("nobody approves their own application");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(
        mentorship_e2e::details::rule(&refused).as_deref(),
        Some("no_self_decided_application")
    );
    assert_eq!(head(&server, &admin).await, before);
}

#[tokio::test]
async fn a_caller_past_the_rate_limit_is_resource_exhausted_with_retry_info_and_others_are_served()
{
    use tonic_types::StatusExt;
    let server = Server::start_with(|root| {
        let mut flags = required_flags(root);
        flags.extend(["--rate-limit", "5", "--rate-burst", "5"].map(str::to_owned));
        flags
    })
    .await;
    let hasty = token("hal", &["auditor"], &[]);
    let calm = token("cal", &["auditor"], &[]);
    let mut events = EventStoreServiceClient::new(server.channel());
    let read = || pb::ReadAllRequest {
        from_position: 1,
        limit: 1,
        filter: None,
    };
    let mut exhausted = None;
    for _ in 0..20 {
        if let Err(status) = events.read_all(bearer(Some(&hasty), read())).await {
            exhausted = Some(status);
            break;
        }
    }
    let status = exhausted.expect("twenty requests at once pass a rate of five a second");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let retry = status
        .get_error_details()
        .retry_info()
        .and_then(|info| info.retry_delay)
        .expect("a RetryInfo with a delay");
    assert!(retry <= std::time::Duration::from_secs(1), "{retry:?}");
    events
        .read_all(bearer(Some(&calm), read()))
        .await
        .expect("another caller is served");
}
