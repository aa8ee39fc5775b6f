//! How a finished request is logged: by who is at fault. A refusal the
//! client caused (a bad argument, a rule, a missing stream, a credential)
//! is the client's business, logged at INFO with its code and message; a
//! fault of the server (an internal error, lost data, an unavailable log) is
//! logged at ERROR. Successful calls are logged at DEBUG.

use std::time::Duration;

use tonic::codegen::http;
use tonic::Code;

/// Whether a status code means the server, not the client, is at fault.
pub fn server_fault(code: Code) -> bool {
    matches!(
        code,
        Code::Internal | Code::Unknown | Code::DataLoss | Code::Unavailable | Code::Unimplemented
    )
}

/// Logs the end of a request from its response head: a refusal answered at
/// once carries `grpc-status` and `grpc-message` there.
pub fn finished<B>(response: &http::Response<B>, latency: Duration, _span: &tracing::Span) {
    let headers = response.headers();
    let Some(code) = headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i32>().ok())
        .map(Code::from_i32)
    else {
        tracing::debug!(latency_ms = latency.as_millis(), "answered");
        return;
    };
    if code == Code::Ok {
        tracing::debug!(latency_ms = latency.as_millis(), "answered");
        return;
    }
    let message = headers
        .get("grpc-message")
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            percent_decoded(value)
                .chars()
                .take(crate::status::MESSAGE_LIMIT)
                .collect::<String>()
        })
        .unwrap_or_default();
    if server_fault(code) {
        tracing::error!(?code, %message, latency_ms = latency.as_millis(), "failed");
    } else {
        tracing::info!(?code, %message, latency_ms = latency.as_millis(), "refused");
    }
}

/// `grpc-message` is percent-encoded (gRPC over HTTP/2).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let decoded = (bytes[at] == b'%')
            .then(|| value.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                at += 3;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_mistakes_are_not_server_faults() {
        for code in [
            Code::InvalidArgument,
            Code::FailedPrecondition,
            Code::NotFound,
            Code::PermissionDenied,
            Code::Unauthenticated,
            Code::AlreadyExists,
            Code::ResourceExhausted,
            Code::Aborted,
        ] {
            assert!(!server_fault(code), "{code:?}");
        }
        assert!(server_fault(Code::Internal));
        assert!(server_fault(Code::DataLoss));
    }

    #[test]
    fn grpc_messages_are_percent_decoded() {
        assert_eq!(
            percent_decoded("invalid%20name%3A%20empty"),
            "invalid name: empty"
        );
        assert_eq!(percent_decoded("100%"), "100%");
    }
}
