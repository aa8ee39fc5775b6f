//! The questions the read models answer, as plain values: what the gRPC
//! `QueryService`, the command line and the tests call.

use chrono::{DateTime, Utc};
use mentorship_engine::store::EventLog;
use serde::{Deserialize, Serialize};

use crate::asof::{self, Answer};
use crate::error::{ProjectionError, Result};
use crate::models::audit::{AuditEntry, AuditIndex};
use crate::models::board::{BoardEntry, CadenceHealth};
use crate::models::directory::{ApplicationStatus, DirectoryEntry};
use crate::models::outcomes::OutcomesReport;
use crate::models::overview::ProgrammeOverview;
use crate::registry::Projections;

/// The moment a query asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AsOf {
    /// The latest state the projection has.
    #[default]
    Latest,
    /// The state after this global position.
    Position(u64),
    /// The state after the last event accepted at or before this time.
    Time(DateTime<Utc>),
}

impl AsOf {
    async fn position<L: EventLog>(self, log: &L) -> Result<Option<u64>> {
        Ok(match self {
            Self::Latest => None,
            Self::Position(position) => Some(position),
            Self::Time(at) => Some(asof::position_at(log, at).await?),
        })
    }
}

/// One person of the directory, as queries return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryView {
    /// The programme.
    pub programme: String,
    /// The entry.
    #[serde(flatten)]
    pub entry: DirectoryEntry,
    /// Places left.
    pub remaining_capacity: u32,
}

/// One relationship of the board, as queries return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardView {
    /// The programme.
    pub programme: String,
    /// The entry.
    #[serde(flatten)]
    pub entry: BoardEntry,
    /// Cadence health at the query's `now`.
    pub health: CadenceHealth,
}

impl<L: EventLog> Projections<L> {
    /// Programme overviews, of one programme or all.
    pub async fn overviews(
        &self,
        programme: Option<&str>,
        as_of: AsOf,
    ) -> Result<Answer<Vec<ProgrammeOverview>>> {
        let position = as_of.position(&**self.log()).await?;
        let live = self.overview.current();
        let answer = asof::slices_as_of(&**self.log(), &live, programme, position).await?;
        Ok(Answer {
            position: answer.position,
            value: answer
                .value
                .iter()
                .map(|(id, slice)| slice.view(id))
                .collect(),
        })
    }

    /// Directory entries, of one programme or all, optionally of one status.
    pub async fn directory(
        &self,
        programme: Option<&str>,
        status: Option<ApplicationStatus>,
        as_of: AsOf,
    ) -> Result<Answer<Vec<DirectoryView>>> {
        let position = as_of.position(&**self.log()).await?;
        let live = self.directory.current();
        let answer = asof::slices_as_of(&**self.log(), &live, programme, position).await?;
        let mut views = Vec::new();
        for (id, slice) in answer.value {
            for entry in slice.people.into_values() {
                if status.is_some_and(|status| status != entry.status) {
                    continue;
                }
                views.push(DirectoryView {
                    programme: id.clone(),
                    remaining_capacity: entry.remaining_capacity(),
                    entry,
                });
            }
        }
        Ok(Answer {
            position: answer.position,
            value: views,
        })
    }

    /// Board entries, of one programme or all, with their cadence health at
    /// `now`, optionally of one health.
    pub async fn board(
        &self,
        programme: Option<&str>,
        now: DateTime<Utc>,
        health: Option<CadenceHealth>,
        as_of: AsOf,
    ) -> Result<Answer<Vec<BoardView>>> {
        let position = as_of.position(&**self.log()).await?;
        let live = self.board.current();
        let answer = asof::slices_as_of(&**self.log(), &live, programme, position).await?;
        let mut views = Vec::new();
        for (id, slice) in answer.value {
            for entry in slice.relationships.into_values() {
                let current = entry.health(now);
                if health.is_some_and(|health| health != current) {
                    continue;
                }
                views.push(BoardView {
                    programme: id.clone(),
                    entry,
                    health: current,
                });
            }
        }
        Ok(Answer {
            position: answer.position,
            value: views,
        })
    }

    /// Outcomes reports, of one programme or all.
    pub async fn outcomes(
        &self,
        programme: Option<&str>,
        as_of: AsOf,
    ) -> Result<Answer<Vec<OutcomesReport>>> {
        let position = as_of.position(&**self.log()).await?;
        let live = self.outcomes.current();
        let answer = asof::slices_as_of(&**self.log(), &live, programme, position).await?;
        Ok(Answer {
            position: answer.position,
            value: answer
                .value
                .iter()
                .map(|(id, slice)| slice.view(id))
                .collect(),
        })
    }

    /// The audit entries of the events at `positions` (ascending), read
    /// from the log a run of consecutive positions at a time.
    async fn entries_at(&self, positions: &[u64]) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::with_capacity(positions.len());
        let mut rest = positions;
        while let Some(&first) = rest.first() {
            let run = rest
                .iter()
                .zip(first..)
                .take_while(|(position, expected)| **position == *expected)
                .count()
                .min(4_096);
            let events = self.log().read_all_raw(first, run).await?;
            for (position, event) in rest[..run].iter().zip(&events) {
                if event.position != *position {
                    break;
                }
                entries.push(AuditEntry::of(&event.decode()?));
            }
            if entries.len() != positions.len() - rest.len() + run {
                return Err(ProjectionError::Damaged {
                    key: format!("audit position {first}"),
                    reason: "the log did not return an event the audit trail indexes".into(),
                });
            }
            rest = &rest[run..];
        }
        Ok(entries)
    }

    /// The audit trail of one actor or one subject (`stream_type/stream_id`).
    pub async fn audit_trail(
        &self,
        index: AuditIndex,
        key: &str,
        as_of: AsOf,
    ) -> Result<Answer<Vec<AuditEntry>>> {
        let position = as_of.position(&**self.log()).await?;
        let live = self.audit.current();
        let (wanted, positions) = {
            let guard = live.read();
            let wanted = position.unwrap_or(guard.position);
            if wanted > guard.position {
                return Err(ProjectionError::NotYet {
                    wanted,
                    reached: guard.position,
                });
            }
            let positions = guard.state.positions(live.tree(), index, key, wanted)?;
            (wanted, positions)
        };
        let entries = self.entries_at(&positions).await?;
        Ok(Answer {
            position: wanted,
            value: entries,
        })
    }
}
