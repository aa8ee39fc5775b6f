//! The structured details of a refusal, as `server/src/status.rs` attaches
//! them: `BadRequest` for invalid input, `PreconditionFailure` for a wrong
//! step or a refusing rule, `ErrorInfo` for a revision conflict.

use tonic::Status;
use tonic_types::StatusExt;

/// The fields a `BadRequest` detail names.
pub fn bad_fields(status: &Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The `(type, subject)` of each `PreconditionFailure` violation.
pub fn preconditions(status: &Status) -> Vec<(String, String)> {
    status
        .get_error_details()
        .precondition_failure()
        .map(|failure| {
            failure
                .violations
                .iter()
                .map(|violation| (violation.r#type.clone(), violation.subject.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The rule a `FAILED_PRECONDITION` names (a violation of type `RULE`).
pub fn rule(status: &Status) -> Option<String> {
    preconditions(status)
        .into_iter()
        .find(|(kind, _)| kind == "RULE")
        .map(|(_, subject)| subject)
}

/// The `current_revision` of an `ErrorInfo` detail.
pub fn current_revision(status: &Status) -> Option<u64> {
    status
        .get_error_details()
        .error_info()
        .and_then(|info| info.metadata.get("current_revision").cloned())
        .and_then(|revision| revision.parse().ok())
}
