//! Small checks shared by every command's validation, each naming the field it
//! refuses so that the caller knows what to fix.

use std::collections::BTreeSet;
use std::fmt::Display;

use super::error::DomainError;

/// The longest short text (a name, a title, a skill), in characters.
pub const MAX_SHORT_TEXT: usize = 200;
/// The longest free text (notes, comments, purposes), in characters.
pub const MAX_LONG_TEXT: usize = 10_000;
/// The most entries in one list field.
pub const MAX_LIST: usize = 100;

/// The violations of several checks, gathered so that every invalid field is
/// named at once rather than the first alone.
#[derive(Debug, Default)]
pub struct Violations(Vec<DomainError>);

impl Violations {
    /// Keeps `result`'s refusal, if any.
    pub fn check(&mut self, result: Result<(), DomainError>) {
        if let Err(error) = result {
            self.0.push(error);
        }
    }

    /// Every refusal kept: none is `Ok`, one is itself, several invalid
    /// fields are [`DomainError::InvalidInputs`] (a refusal of another kind
    /// comes first on its own).
    pub fn finish(self) -> Result<(), DomainError> {
        let mut errors = self.0;
        if errors.len() <= 1 {
            return errors.pop().map_or(Ok(()), Err);
        }
        if let Some(other) = errors.iter().position(|error| {
            !matches!(
                error,
                DomainError::InvalidInput { .. } | DomainError::InvalidInputs(_)
            )
        }) {
            return Err(errors.swap_remove(other));
        }
        let mut fields = Vec::new();
        for error in errors {
            match error {
                DomainError::InvalidInput { field, reason } => fields.push((field, reason)),
                DomainError::InvalidInputs(more) => fields.extend(more),
                _ => {}
            }
        }
        Err(DomainError::InvalidInputs(fields))
    }
}

/// `value` must hold something other than whitespace and be at most `max`
/// characters long.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(field, "must not be blank"));
    }
    optional_text(field, value, max)
}

/// `value` may be empty but must be at most `max` characters long.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Every entry of `values` is a non-blank short text, there are at most
/// [`MAX_LIST`] of them, and none repeats.
pub fn text_list(field: &str, values: &[String]) -> Result<(), DomainError> {
    list_len(field, values.len())?;
    let mut seen = BTreeSet::new();
    for (index, value) in values.iter().enumerate() {
        text(&format!("{field}[{index}]"), value, MAX_SHORT_TEXT)?;
        if !seen.insert(value.trim().to_lowercase()) {
            return Err(DomainError::invalid(
                format!("{field}[{index}]"),
                format!("repeats {value:?}"),
            ));
        }
    }
    Ok(())
}

/// A list field holds at most [`MAX_LIST`] entries.
pub fn list_len(field: &str, len: usize) -> Result<(), DomainError> {
    if len > MAX_LIST {
        return Err(DomainError::invalid(
            field,
            format!("must have at most {MAX_LIST} entries"),
        ));
    }
    Ok(())
}

/// `value` lies in `min..=max`.
pub fn in_range<T: PartialOrd + Display>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<(), DomainError> {
    if value < min || value > max {
        return Err(DomainError::invalid(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(())
}

/// `value` is a finite number in `min..=max`.
pub fn finite_in_range(field: &str, value: f64, min: f64, max: f64) -> Result<(), DomainError> {
    if !value.is_finite() {
        return Err(DomainError::invalid(field, "must be a finite number"));
    }
    in_range(field, value, min, max)
}

/// Ids in `values` are unique; the first repeat is named.
pub fn unique<T: Ord + Display>(field: &str, values: &[T]) -> Result<(), DomainError> {
    let mut seen = BTreeSet::new();
    for (index, value) in values.iter().enumerate() {
        if !seen.insert(value) {
            return Err(DomainError::invalid(
                format!("{field}[{index}]"),
                format!("repeats {value}"),
            ));
        }
    }
    Ok(())
}

/// A rating on the 1–5 scale.
pub fn rating(field: &str, value: u8) -> Result<(), DomainError> {
    in_range(field, value, 1, 5)
}
