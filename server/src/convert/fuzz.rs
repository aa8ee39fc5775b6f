//! Every request decoder on arbitrary bytes: the wire decode (through the
//! contract's codec) and then every conversion the server applies to a
//! decoded request. None may panic, and none may answer `INTERNAL`: a
//! client's bad bytes are the client's mistake.
//!
//! The bytes are protobuf-shaped (fields of the right numbers, wire types
//! varint and length-delimited, nested a few levels, strings that are not
//! always UTF-8 nor short), so that most cases decode and reach the
//! conversions. `PROPTEST_CASES` sets how many run; the long run is in
//! BENCHMARKS.md, "Decoder fuzzing".

use mentorship_engine::domain::StreamAddress;
use mentorship_proto::codec::undecodable;
use mentorship_proto::v1 as pb;
use proptest::prelude::*;
use prost::Message;
use tonic::{Code, Status};

use super::common;
use super::query as convert;
use crate::services::seam::{CommandRequest, IntoCommand};

/// The status must be a client's refusal, never the server's fault.
fn not_internal<T>(what: &str, result: Result<T, Status>) {
    if let Err(status) = result {
        assert_ne!(status.code(), Code::Internal, "{what}: {status:?}");
        assert!(
            status.message().len() < 4 * crate::status::MESSAGE_LIMIT,
            "{what}: a huge message of {} bytes",
            status.message().len()
        );
        assert!(status.details().len() < 8 * crate::status::MESSAGE_LIMIT);
    }
}

/// Decodes `bytes` as `R`; a failure must map to `INVALID_ARGUMENT`.
fn decoded<R: Message + Default>(bytes: &[u8]) -> Option<R> {
    match R::decode(bytes) {
        Ok(request) => Some(request),
        Err(error) => {
            let status = undecodable(Status::internal(error.to_string()));
            assert_eq!(status.code(), Code::InvalidArgument);
            None
        }
    }
}

fn addressed<R: CommandRequest + Message + Default>(bytes: &[u8]) -> Option<R> {
    let request = decoded::<R>(bytes)?;
    not_internal("target", request.target());
    not_internal("acting_for", request.acting_for());
    not_internal("options", common::options(request.options()));
    Some(request)
}

fn command<R: IntoCommand + Message + Default>(bytes: &[u8]) {
    if let Some(request) = addressed::<R>(bytes) {
        not_internal("command", request.command());
    }
}

fn query(consistency: Option<&pb::Consistency>, page: Option<&pb::PageRequest>) {
    not_internal("consistency", convert::consistency(consistency));
    not_internal("page", convert::page(page));
}

/// Runs decoder `index` (of [`DECODERS`]) on `bytes`.
fn run(index: usize, bytes: &[u8]) {
    match index {
        0 => command::<pb::DefineProgrammeRequest>(bytes),
        1 => command::<pb::DesignProgrammeRequest>(bytes),
        2 => drop(addressed::<pb::AdvanceProgrammeRequest>(bytes)),
        3 => command::<pb::ProposeMatchRequest>(bytes),
        4 => command::<pb::RespondToMatchRequest>(bytes),
        5 => command::<pb::RespondToSurveyRequest>(bytes),
        6 => command::<pb::ApproveProposalRequest>(bytes),
        7 => command::<pb::DeclineProposalRequest>(bytes),
        8 => command::<pb::ApplyRequest>(bytes),
        9 => drop(addressed::<pb::ParticipantRequest>(bytes)),
        10 => command::<pb::CompleteModuleRequest>(bytes),
        11 => drop(addressed::<pb::RelationshipRequest>(bytes)),
        12 => command::<pb::DraftAgreementRequest>(bytes),
        13 => command::<pb::SignAgreementRequest>(bytes),
        14 => command::<pb::LogMeetingRequest>(bytes),
        15 => command::<pb::RecordMidpointReviewRequest>(bytes),
        16 => command::<pb::CheckInRequest>(bytes),
        17 => command::<pb::RecordGoalProgressRequest>(bytes),
        18 => command::<pb::ShareResourceRequest>(bytes),
        19 => command::<pb::MakeIntroductionRequest>(bytes),
        20 => command::<pb::GiveFeedbackRequest>(bytes),
        21 => command::<pb::RecogniseRequest>(bytes),
        22 => command::<pb::CompleteRelationshipRequest>(bytes),
        23 => command::<pb::EndRelationshipEarlyRequest>(bytes),
        24 => {
            if let Some(request) = decoded::<pb::GetProgrammeOverviewRequest>(bytes) {
                query(request.consistency.as_ref(), None);
            }
        }
        25 => {
            if let Some(request) = decoded::<pb::ListParticipantsRequest>(bytes) {
                query(request.consistency.as_ref(), request.page.as_ref());
                not_internal("status", convert::status_filter(request.status));
            }
        }
        26 => {
            if let Some(request) = decoded::<pb::ListRelationshipsRequest>(bytes) {
                query(request.consistency.as_ref(), request.page.as_ref());
                not_internal("health", convert::health_filter(request.health));
                not_internal("now", common::timestamp("now", request.now.as_ref()));
            }
        }
        27 => {
            if let Some(request) = decoded::<pb::GetOutcomesRequest>(bytes) {
                query(request.consistency.as_ref(), None);
            }
        }
        28 => {
            if let Some(request) = decoded::<pb::ReadStreamRequest>(bytes) {
                let address = StreamAddress::parse(
                    ("stream_type", "stream_id"),
                    &request.stream_type,
                    &request.stream_id,
                )
                .map_err(|error| crate::status::from_domain(error, ""));
                not_internal("stream", address);
            }
        }
        29 => drop(decoded::<pb::ReadAllRequest>(bytes)),
        30 => drop(decoded::<pb::SubscribeRequest>(bytes)),
        31 => {
            if let Some(request) = decoded::<pb::ProposeMatchesRequest>(bytes) {
                not_internal(
                    "programme",
                    super::commands::programme(&request.programme_id),
                );
                not_internal("options", common::options(request.options.as_ref()));
            }
        }
        _ => {
            if let Some(request) = decoded::<pb::ExplainPairRequest>(bytes) {
                not_internal(
                    "programme",
                    super::commands::programme(&request.programme_id),
                );
            }
        }
    }
}

/// How many decoders [`run`] knows.
const DECODERS: usize = 33;

/// A protobuf-shaped message: fields 1–12, varints and length-delimited
/// values (strings, bytes that may not be UTF-8, nested messages).
fn message(depth: u32) -> BoxedStrategy<Vec<u8>> {
    let varint = (1u32..13, any::<u64>()).prop_map(|(field, value)| {
        let mut out = Vec::new();
        prost::encoding::encode_key(field, prost::encoding::WireType::Varint, &mut out);
        prost::encoding::encode_varint(value, &mut out);
        out
    });
    let text = prop_oneof![
        "[a-z0-9-]{0,12}",
        "\\PC{0,40}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        Just("x".repeat(5_000)),
    ]
    .prop_map(String::into_bytes);
    let raw = prop::collection::vec(any::<u8>(), 0..24);
    let leaf = prop_oneof![text, raw].boxed();
    let value = if depth == 0 {
        leaf
    } else {
        prop_oneof![3 => leaf, 2 => message(depth - 1)].boxed()
    };
    let delimited = (1u32..13, value).prop_map(|(field, bytes)| {
        let mut out = Vec::new();
        prost::encoding::encode_key(field, prost::encoding::WireType::LengthDelimited, &mut out);
        prost::encoding::encode_varint(bytes.len() as u64, &mut out);
        out.extend(bytes);
        out
    });
    prop::collection::vec(prop_oneof![varint, delimited], 0..8)
        .prop_map(|fields| fields.concat())
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(2_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_decoder_panics_or_answers_internal_on_protobuf_shaped_bytes(
        index in 0..DECODERS,
        bytes in message(2),
    ) {
        run(index, &bytes);
    }

    #[test]
    fn no_decoder_panics_or_answers_internal_on_any_bytes(
        index in 0..DECODERS,
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        run(index, &bytes);
    }
}
