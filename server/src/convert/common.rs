//! Conversions shared by every service: ids, dates, timestamps, numbers and
//! the command options.

use chrono::{DateTime, NaiveDate, Utc};
use mentorship_engine::domain::ids::{CommandId, PersonId};
use mentorship_engine::domain::DomainError;
use mentorship_engine::facade::Receipt;
use mentorship_proto::v1 as pb;
use tonic::Status;

use crate::status::{all_invalid, invalid_field};

/// Every value of `results`, or every refusal among them in one status: a
/// request names all the fields it cannot read in one reply, not one per
/// round trip.
pub fn all_of<T>(results: impl IntoIterator<Item = Result<T, Status>>) -> Result<Vec<T>, Status> {
    let mut values = Vec::new();
    let mut refusals = Vec::new();
    for result in results {
        match result {
            Ok(value) => values.push(value),
            Err(status) => refusals.push(status),
        }
    }
    if refusals.is_empty() {
        Ok(values)
    } else {
        Err(all_invalid(refusals))
    }
}

/// A tuple of conversions of different types, read all at once: see
/// [`all`].
pub trait Conversions {
    /// The converted values, in the tuple's order.
    type Values;
    /// Every value, or every refusal in one status.
    fn all_read(self) -> Result<Self::Values, Status>;
}

macro_rules! conversions {
    ($($value:ident),+) => {
        impl<$($value),+> Conversions for ($(Result<$value, Status>,)+) {
            type Values = ($($value,)+);

            #[allow(non_snake_case)]
            fn all_read(self) -> Result<Self::Values, Status> {
                let ($($value,)+) = self;
                let mut refusals = Vec::new();
                $(
                    if let Err(status) = &$value {
                        refusals.push(status.clone());
                    }
                )+
                if !refusals.is_empty() {
                    return Err(all_invalid(refusals));
                }
                Ok(($($value?,)+))
            }
        }
    };
}

conversions!(A, B);
conversions!(A, B, C);
conversions!(A, B, C, D);
conversions!(A, B, C, D, E);

/// The values of a tuple of conversions, or every refusal among them in one
/// status (see [`all_of`]).
pub fn all<C: Conversions>(conversions: C) -> Result<C::Values, Status> {
    conversions.all_read()
}

/// Parses an identifier of type `T` from request field `field`.
pub fn id<T>(
    parse: fn(&str, String) -> Result<T, DomainError>,
    field: &str,
    value: &str,
) -> Result<T, Status> {
    parse(field, value.to_owned()).map_err(|error| match error {
        DomainError::InvalidInput { field, reason } => invalid_field(field, reason),
        other => invalid_field(field, other.to_string()),
    })
}

/// Parses a list of person ids from request field `field`.
pub fn people(field: &str, values: &[String]) -> Result<Vec<PersonId>, Status> {
    all_of(
        values
            .iter()
            .enumerate()
            .map(|(index, value)| id(PersonId::parse, &format!("{field}[{index}]"), value)),
    )
}

/// Parses an ISO 8601 date.
pub fn date(field: &str, value: &str) -> Result<NaiveDate, Status> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        invalid_field(
            field,
            format!("must be a date as YYYY-MM-DD, got {value:?}"),
        )
    })
}

/// Converts a protobuf timestamp.
pub fn timestamp(
    field: &str,
    value: Option<&prost_types::Timestamp>,
) -> Result<DateTime<Utc>, Status> {
    let value = value.ok_or_else(|| invalid_field(field, "is required"))?;
    let nanos = u32::try_from(value.nanos)
        .map_err(|_| invalid_field(field, "nanos must not be negative"))?;
    DateTime::from_timestamp(value.seconds, nanos)
        .ok_or_else(|| invalid_field(field, "is out of range"))
}

/// A protobuf timestamp of `at`.
pub fn to_timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// Narrows a wire integer to the domain's type.
pub fn narrow<T: TryFrom<u32>>(field: &str, value: u32) -> Result<T, Status> {
    T::try_from(value).map_err(|_| invalid_field(field, format!("{value} is out of range")))
}

/// Narrows a signed wire integer to the domain's type.
pub fn narrow_signed<T: TryFrom<i32>>(field: &str, value: i32) -> Result<T, Status> {
    T::try_from(value).map_err(|_| invalid_field(field, format!("{value} is out of range")))
}

/// Requires a nested message.
pub fn required<'a, T>(field: &str, value: Option<&'a T>) -> Result<&'a T, Status> {
    value.ok_or_else(|| invalid_field(field, "is required"))
}

/// Decodes a protobuf enum, refusing unknown and unspecified values.
pub fn enumeration<E, T>(
    field: &str,
    value: i32,
    convert: impl Fn(E) -> Option<T>,
) -> Result<T, Status>
where
    E: TryFrom<i32>,
{
    E::try_from(value)
        .ok()
        .and_then(convert)
        .ok_or_else(|| invalid_field(field, "must be set to one of the enum's values"))
}

/// The options every command carries, validated.
pub struct Options {
    /// The idempotency key.
    pub command_id: CommandId,
    /// The revision the caller expects, if any.
    pub expected_revision: Option<u64>,
    /// Why, when given.
    pub reason: Option<String>,
}

/// Validates `options`, which every command request must carry.
pub fn options(options: Option<&pb::CommandOptions>) -> Result<Options, Status> {
    let options = required("options", options)?;
    let command_id = id(CommandId::parse, "options.command_id", &options.command_id)?;
    let reason = options.reason.trim();
    if reason.chars().count() > 2_000 {
        return Err(invalid_field(
            "options.reason",
            "must be at most 2000 characters",
        ));
    }
    Ok(Options {
        command_id,
        expected_revision: options.expected_revision,
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
    })
}

/// The reply to a command.
pub fn reply(receipt: Receipt) -> pb::CommandReply {
    pb::CommandReply {
        stream_type: receipt.stream.stream_type,
        stream_id: receipt.stream.stream_id,
        revision: receipt.revision,
        last_position: receipt.last_position,
        duplicate: receipt.duplicate,
        pending: receipt.pending,
    }
}
