//! Every error the server returns is mapped to a `tonic::Status` here, and
//! nowhere else, so that each class of failure always reaches the client
//! with the same code and the same kind of details.
//!
//! | error | code | details |
//! |---|---|---|
//! | invalid input | `INVALID_ARGUMENT` | `google.rpc.BadRequest` naming the field |
//! | wrong step or phase | `FAILED_PRECONDITION` | `google.rpc.PreconditionFailure` (type `STATE`) |
//! | a rule refused | `FAILED_PRECONDITION` | `google.rpc.PreconditionFailure` (type `RULE`, subject = rule name) |
//! | revision conflict | `ABORTED` | `google.rpc.ErrorInfo` with the current revision |
//! | other conflict | `ALREADY_EXISTS` | |
//! | unknown id | `NOT_FOUND` | |
//! | store unavailable | `UNAVAILABLE` | retry with the same command id |
//! | store corrupt, internal | `INTERNAL` / `DATA_LOSS` | |
//! | projection not at `min_position` in time | `DEADLINE_EXCEEDED` | |
//! | projection stopped (poison event) | `FAILED_PRECONDITION` | rebuild it |
//! | unknown projection | `NOT_FOUND` | |

use std::collections::HashMap;

use mentorship_engine::domain::DomainError;
use mentorship_engine::facade::EngineError;
use mentorship_engine::store::StoreError;
use mentorship_projections::ProjectionError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The field the domain names when the reason a command needs (a
/// rejection's, an early end's) is missing: `options.reason` on the wire.
const AUDIT_REASON: &str = "reason";

/// The error domain named in `ErrorInfo` details.
pub const ERROR_DOMAIN: &str = "mentorship.v1";

/// A request field that failed conversion or validation.
pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Status {
    let field = bounded(field.into());
    let reason = bounded(reason.into());
    Status::with_error_details(
        Code::InvalidArgument,
        format!("invalid {field}: {reason}"),
        ErrorDetails::with_bad_request_violation(field, reason),
    )
}

/// The refusals of several fields of one request as one `INVALID_ARGUMENT`
/// listing every violation: what a client needs to fix it in one go.
pub fn all_invalid(statuses: Vec<Status>) -> Status {
    let mut violations: Vec<tonic_types::FieldViolation> = Vec::new();
    for status in &statuses {
        if let Some(bad) = status.get_error_details().bad_request() {
            violations.extend(bad.field_violations.iter().cloned());
        }
    }
    match (statuses.len(), violations.is_empty()) {
        (1, _) | (_, true) => statuses
            .into_iter()
            .next()
            .unwrap_or_else(|| Status::invalid_argument("invalid request")),
        _ => {
            let message = violations
                .iter()
                .map(|violation| format!("{}: {}", violation.field, violation.description))
                .collect::<Vec<_>>()
                .join("; ");
            Status::with_error_details(
                Code::InvalidArgument,
                bounded(format!("{} invalid fields: {message}", violations.len())),
                ErrorDetails::with_bad_request(violations),
            )
        }
    }
}

/// Maps a domain refusal; `prefix` is the request's path to the message the
/// domain validated (e.g. `charter.`), so that the field named is the one
/// the client sent.
pub fn from_domain(error: DomainError, prefix: &str) -> Status {
    match error {
        // The reason the domain asks for travels in the request's options.
        DomainError::InvalidInput { field, reason } if field == AUDIT_REASON => {
            invalid_field("options.reason", reason)
        }
        DomainError::InvalidInput { field, reason } => {
            invalid_field(format!("{prefix}{field}"), reason)
        }
        DomainError::InvalidInputs(fields) => {
            let fields: Vec<(String, String)> = fields
                .into_iter()
                .map(|(field, reason)| {
                    let field = if field == AUDIT_REASON {
                        "options.reason".to_owned()
                    } else {
                        format!("{prefix}{field}")
                    };
                    (bounded(field), bounded(reason))
                })
                .collect();
            let message = fields
                .iter()
                .map(|(field, reason)| format!("{field}: {reason}"))
                .collect::<Vec<_>>()
                .join("; ");
            Status::with_error_details(
                Code::InvalidArgument,
                bounded(format!("{} invalid fields: {message}", fields.len())),
                ErrorDetails::with_bad_request(
                    fields
                        .into_iter()
                        .map(|(field, reason)| tonic_types::FieldViolation::new(field, reason))
                        .collect::<Vec<_>>(),
                ),
            )
        }
        DomainError::WrongState {
            subject,
            ref current,
            ref required,
        } => Status::with_error_details(
            Code::FailedPrecondition,
            bounded(error.to_string()),
            ErrorDetails::with_precondition_failure_violation(
                "STATE",
                subject,
                bounded(format!("{subject} is {current}; needs {required}")),
            ),
        ),
        DomainError::RuleViolated { rule, ref detail } => Status::with_error_details(
            Code::FailedPrecondition,
            bounded(error.to_string()),
            ErrorDetails::with_precondition_failure_violation(
                "RULE",
                rule.to_string(),
                bounded(detail.clone()),
            ),
        ),
        DomainError::Conflict(detail) => Status::already_exists(bounded(detail)),
        DomainError::NotFound { what, ref id } => Status::with_error_details(
            Code::NotFound,
            bounded(error.to_string()),
            ErrorDetails::with_resource_info(what, bounded(id.clone()), "", "no such resource"),
        ),
    }
}

/// The longest piece of a caller's input an error message repeats.
pub const ECHO_LIMIT: usize = 64;

/// The longest text of one error message or detail: a reason that quotes a
/// huge input is cut, so that the error stays small and the client sees it
/// rather than a transport limit.
pub const MESSAGE_LIMIT: usize = 512;

/// `text` cut to [`MESSAGE_LIMIT`] characters, marking the cut.
pub fn bounded(text: String) -> String {
    match text.char_indices().nth(MESSAGE_LIMIT) {
        None => text,
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// `text` as an error message may repeat it: at most [`ECHO_LIMIT`]
/// characters, with a mark of what was cut, so that a huge input never
/// makes a huge error.
pub fn short(text: &str) -> String {
    match text.char_indices().nth(ECHO_LIMIT) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// Maps any engine failure.
pub fn from_engine(error: EngineError, prefix: &str) -> Status {
    match error {
        EngineError::Domain(error) => from_domain(error, prefix),
        EngineError::RevisionConflict {
            stream,
            expected,
            current,
        } => Status::with_error_details(
            Code::Aborted,
            format!("{stream} is at revision {current}, not {expected}"),
            ErrorDetails::with_error_info(
                "REVISION_CONFLICT",
                ERROR_DOMAIN,
                HashMap::from([
                    ("stream".to_owned(), stream.to_string()),
                    ("expected_revision".to_owned(), expected.to_string()),
                    ("current_revision".to_owned(), current.to_string()),
                ]),
            ),
        ),
        EngineError::CommandIdReused { command_id } => Status::with_error_details(
            Code::AlreadyExists,
            format!(
                "command id {} was already used for a different request; send a new command id",
                short(&command_id)
            ),
            ErrorDetails::with_error_info(
                "COMMAND_ID_REUSED",
                ERROR_DOMAIN,
                HashMap::from([("command_id".to_owned(), short(&command_id))]),
            ),
        ),
        EngineError::Store(error) => from_store(error),
    }
}

/// Maps a store failure.
pub fn from_store(error: StoreError) -> Status {
    match error {
        StoreError::Conflict {
            stream, current, ..
        } => Status::with_error_details(
            Code::Aborted,
            format!("{stream} changed concurrently; it is at revision {current}"),
            ErrorDetails::with_error_info(
                "REVISION_CONFLICT",
                ERROR_DOMAIN,
                HashMap::from([
                    ("stream".to_owned(), stream.to_string()),
                    ("current_revision".to_owned(), current.to_string()),
                ]),
            ),
        ),
        StoreError::NotFound { .. } => Status::not_found(error.to_string()),
        StoreError::InvalidData { .. } => Status::internal(error.to_string()),
        StoreError::Corrupt { .. } => Status::data_loss(error.to_string()),
        StoreError::Unavailable { .. } | StoreError::Io(_) => {
            Status::unavailable(format!("{error}; retry with the same command id"))
        }
        StoreError::Full(_) => Status::resource_exhausted(format!(
            "{error}; nothing was written: retry with the same command id once space is freed"
        )),
    }
}

/// Maps a read-model failure: a projection that did not reach the position
/// asked for in time, one that stopped, a damaged read-model store, or the
/// log beneath it.
pub fn from_projection(error: ProjectionError) -> Status {
    match error {
        ProjectionError::NotYet { .. } => {
            Status::deadline_exceeded(format!("{error}; retry later or with a longer deadline"))
        }
        ProjectionError::Stopped { .. } => {
            Status::failed_precondition(format!("{error}; rebuild the projection"))
        }
        ProjectionError::Unknown(_) => Status::not_found(format!(
            "{error}; one of {}",
            mentorship_projections::models::NAMES.join(", ")
        )),
        ProjectionError::Poison { .. } | ProjectionError::Damaged { .. } => {
            Status::internal(format!("{error}; rebuild the projection"))
        }
        ProjectionError::Store(_) => Status::unavailable(format!("{error}; retry")),
        ProjectionError::Log(error) => from_store(error),
    }
}

#[cfg(test)]
mod tests {
    use mentorship_engine::domain::Rule;
    use mentorship_engine::store::StreamRef;

    use super::*;
    use mentorship_engine::domain::StreamType;

    #[test]
    fn every_error_class_maps_to_its_code() {
        let cases: Vec<(EngineError, Code)> = vec![
            (
                DomainError::invalid("name", "must not be blank").into(),
                Code::InvalidArgument,
            ),
            (
                DomainError::wrong_state("programme", "defined", "designed").into(),
                Code::FailedPrecondition,
            ),
            (
                DomainError::rule(Rule::MentorCapacity, "full").into(),
                Code::FailedPrecondition,
            ),
            (
                DomainError::Conflict("exists".into()).into(),
                Code::AlreadyExists,
            ),
            (
                DomainError::not_found("programme", "p").into(),
                Code::NotFound,
            ),
            (
                EngineError::RevisionConflict {
                    stream: StreamRef::new(StreamType::Programme.as_str(), "p"),
                    expected: 1,
                    current: 2,
                },
                Code::Aborted,
            ),
            (
                StoreError::Conflict {
                    stream: StreamRef::new(StreamType::Programme.as_str(), "p"),
                    expected: mentorship_engine::store::ExpectedRevision::Exact(1),
                    current: 2,
                }
                .into(),
                Code::Aborted,
            ),
            (
                EngineError::CommandIdReused {
                    command_id: "c-1".into(),
                },
                Code::AlreadyExists,
            ),
            (StoreError::corrupt(3, "bad").into(), Code::DataLoss),
            (StoreError::invalid("bad").into(), Code::Internal),
            (
                StoreError::Unavailable {
                    detail: "closed".into(),
                }
                .into(),
                Code::Unavailable,
            ),
        ];
        for (error, code) in cases {
            let text = error.to_string();
            assert_eq!(from_engine(error, "").code(), code, "{text}");
        }
    }

    #[test]
    fn invalid_input_names_the_request_field_in_bad_request_details() {
        let status = from_domain(
            DomainError::invalid("name", "must not be blank"),
            "charter.",
        );
        let details = status.get_error_details();
        let violations = details.bad_request().map(|b| b.field_violations.clone());
        let violation = violations
            .and_then(|v| v.into_iter().next())
            .expect("one violation");
        assert_eq!(violation.field, "charter.name");
        assert_eq!(violation.description, "must not be blank");
    }

    #[test]
    fn a_refusing_rule_is_named() {
        let status = from_domain(DomainError::rule(Rule::MentorCapacity, "full"), "");
        let details = status.get_error_details();
        let violation = details
            .precondition_failure()
            .and_then(|p| p.violations.first().cloned())
            .expect("one violation");
        assert_eq!(violation.r#type, "RULE");
        assert_eq!(violation.subject, "mentor_capacity");
    }

    #[test]
    fn a_revision_conflict_carries_the_current_revision() {
        let status = from_engine(
            EngineError::RevisionConflict {
                stream: StreamRef::new(StreamType::Programme.as_str(), "p"),
                expected: 1,
                current: 4,
            },
            "",
        );
        let info = status
            .get_error_details()
            .error_info()
            .cloned()
            .expect("info");
        assert_eq!(
            info.metadata.get("current_revision").map(String::as_str),
            Some("4")
        );
    }

    fn projection_code(error: ProjectionError) -> Code {
        from_projection(error).code()
    }

    #[test]
    fn a_projection_behind_min_position_is_deadline_exceeded_naming_both_positions() {
        let status = from_projection(ProjectionError::NotYet {
            wanted: 90,
            reached: 12,
        });
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert!(status.message().contains("90"), "{}", status.message());
        assert!(status.message().contains("12"), "{}", status.message());
    }

    #[test]
    fn a_stopped_projection_is_a_failed_precondition() {
        let error = ProjectionError::Stopped {
            projection: "board".into(),
            reason: "poison".into(),
        };
        assert_eq!(projection_code(error), Code::FailedPrecondition);
    }

    #[test]
    fn an_unknown_projection_is_not_found_and_the_known_ones_are_listed() {
        let status = from_projection(ProjectionError::Unknown("boards".into()));
        assert_eq!(status.code(), Code::NotFound);
        assert!(
            status.message().contains("directory"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn a_poison_event_is_internal_and_named_by_position() {
        let status = from_projection(ProjectionError::Poison {
            projection: "board".into(),
            position: 41,
            reason: "never opened".into(),
        });
        assert_eq!(status.code(), Code::Internal);
        assert!(status.message().contains("41"), "{}", status.message());
    }

    #[test]
    fn a_damaged_row_is_internal() {
        let error = ProjectionError::Damaged {
            key: "s1".into(),
            reason: "bad json".into(),
        };
        assert_eq!(projection_code(error), Code::Internal);
    }

    #[test]
    fn a_failing_read_model_store_is_unavailable() {
        let error = ProjectionError::Store(sled::Error::Unsupported("x".into()));
        assert_eq!(projection_code(error), Code::Unavailable);
    }

    #[test]
    fn a_failing_log_maps_as_the_store_does() {
        let unavailable = ProjectionError::Log(StoreError::Unavailable {
            detail: "closed".into(),
        });
        assert_eq!(projection_code(unavailable), Code::Unavailable);
        let corrupt = ProjectionError::Log(StoreError::corrupt(3, "bad"));
        assert_eq!(projection_code(corrupt), Code::DataLoss);
    }
}
