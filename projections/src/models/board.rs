//! Relationship board: per relationship, its phase, agreement, last meeting
//! and cadence health against the cadence it agreed (or, before an
//! agreement, its programme's).

use chrono::{DateTime, Duration, Utc};
use mentorship_engine::domain::programme::design::{Cadence, ProgrammeType};
use mentorship_engine::domain::relationship::{EndReason, RelationshipEvent};
use serde::{Deserialize, Serialize};

use crate::fact::{Decoded, Fact};
use crate::partitioned::ReadModel;
use crate::rows::Table;
use mentorship_engine::domain::StreamType;

/// The relationship board.
#[derive(Debug)]
pub struct Board;

impl Board {
    /// The projection's name.
    pub const NAME_STR: &'static str = "board";
}

/// A relationship's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Matched; both sides get ready.
    Preparation,
    /// Negotiating the agreement.
    Negotiating,
    /// Agreement in force: meeting and growing.
    EnablingGrowth,
    /// Closed as completed.
    Completed,
    /// Closed before its time.
    EndedEarly,
}

impl Phase {
    /// Whether the relationship is closed.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Completed | Self::EndedEarly)
    }
}

/// The agreement as the board shows it: no text, only its shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementState {
    /// The current draft's version.
    pub version: u32,
    /// How many SMART goals it holds.
    pub goals: u32,
    /// The cadence it sets.
    pub cadence: Cadence,
    /// Who signed the current draft.
    pub signed_by: Vec<String>,
    /// When it came into force, once every member signed.
    pub in_force_from: Option<DateTime<Utc>>,
}

/// One relationship on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardEntry {
    /// Its id.
    pub relationship: String,
    /// The mentors.
    pub mentors: Vec<String>,
    /// The mentees.
    pub mentees: Vec<String>,
    /// Its phase.
    pub phase: Phase,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// The programme's cadence, copied at the match.
    pub programme_cadence: Cadence,
    /// A flash programme's relationship: one session, no agreement, no
    /// cadence.
    pub flash: bool,
    /// The agreement, once drafted.
    pub agreement: Option<AgreementState>,
    /// Meetings held.
    pub meetings: u32,
    /// Their total length, in minutes.
    pub meeting_minutes: u64,
    /// When the last meeting began.
    pub last_meeting_at: Option<DateTime<Utc>>,
    /// Check-ins.
    pub check_ins: u32,
    /// Feedback given, and its ratings' sum.
    pub feedback: super::Mean,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it ended early.
    pub end_reason: Option<EndReason>,
}

/// How a relationship keeps its cadence at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadenceHealth {
    /// The last meeting (or the start) is within one expected interval.
    OnTrack,
    /// Past one expected interval, within two.
    AtRisk,
    /// Past two expected intervals.
    Lapsed,
    /// Closed: cadence no longer applies.
    Closed,
    /// A flash relationship: one session, no cadence to keep.
    NotTracked,
}

impl BoardEntry {
    /// The cadence in force: the agreement's once drafted, else the
    /// programme's.
    pub fn cadence(&self) -> Cadence {
        self.agreement
            .as_ref()
            .map_or(self.programme_cadence, |agreement| agreement.cadence)
    }

    /// Cadence health at `now`. The expected interval between meetings is a
    /// month (30 days) divided by the meetings a month the cadence asks for;
    /// it is measured from the last meeting, or from when the agreement came
    /// into force (or the relationship opened) when there was none yet.
    pub fn health(&self, now: DateTime<Utc>) -> CadenceHealth {
        if self.phase.is_closed() {
            return CadenceHealth::Closed;
        }
        if self.flash {
            return CadenceHealth::NotTracked;
        }
        let per_month = i64::from(self.cadence().meetings_per_month.max(1));
        let interval = Duration::minutes(30 * 24 * 60 / per_month);
        let since = self
            .last_meeting_at
            .or_else(|| self.agreement.as_ref().and_then(|a| a.in_force_from))
            .unwrap_or(self.opened_at);
        let elapsed = now - since;
        if elapsed <= interval {
            CadenceHealth::OnTrack
        } else if elapsed <= interval * 2 {
            CadenceHealth::AtRisk
        } else {
            CadenceHealth::Lapsed
        }
    }
}

/// The board of one programme.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardSlice {
    /// Each relationship, by id.
    pub relationships: Table<BoardEntry>,
}

crate::slice_rows!(BoardSlice {
    relationships: b'r'
});

impl ReadModel for Board {
    const NAME: &'static str = Self::NAME_STR;
    type Slice = BoardSlice;

    fn wants(kind: StreamType, event_type: &str) -> bool {
        kind == StreamType::Relationship
            && !matches!(
                event_type,
                "ResourceShared" | "IntroductionMade" | "RecognitionGiven" | "GoalProgressed"
            )
    }

    fn apply(slice: &mut BoardSlice, fact: &Fact<'_>) -> Result<(), String> {
        let Decoded::Relationship(event) = &fact.event else {
            return Ok(());
        };
        let id = fact.stream_id();
        if let RelationshipEvent::RelationshipOpened { terms, .. } = event {
            let ids = |people: &[mentorship_engine::domain::ids::PersonId]| {
                people.iter().map(|p| p.as_str().to_owned()).collect()
            };
            slice.relationships.insert(
                id.to_owned(),
                BoardEntry {
                    relationship: id.to_owned(),
                    mentors: ids(&terms.mentors),
                    mentees: ids(&terms.mentees),
                    phase: Phase::Preparation,
                    opened_at: fact.at(),
                    programme_cadence: terms.cadence,
                    flash: terms.programme_type == ProgrammeType::Flash,
                    agreement: None,
                    meetings: 0,
                    meeting_minutes: 0,
                    last_meeting_at: None,
                    check_ins: 0,
                    feedback: super::Mean::default(),
                    closed_at: None,
                    end_reason: None,
                },
            );
            return Ok(());
        }
        let entry = slice
            .relationships
            .get_mut(id)
            .ok_or_else(|| format!("relationship {id} is not on the board"))?;
        match event {
            RelationshipEvent::NegotiationStarted => entry.phase = Phase::Negotiating,
            RelationshipEvent::AgreementDrafted { version, draft } => {
                entry.agreement = Some(AgreementState {
                    version: *version,
                    goals: u32::try_from(draft.goals.len()).unwrap_or(u32::MAX),
                    cadence: draft.cadence,
                    signed_by: Vec::new(),
                    in_force_from: None,
                });
            }
            RelationshipEvent::AgreementSigned { by, .. } => {
                if let Some(agreement) = entry.agreement.as_mut() {
                    agreement.signed_by.push(by.as_str().to_owned());
                }
            }
            RelationshipEvent::AgreementConcluded { in_force_from, .. } => {
                if let Some(agreement) = entry.agreement.as_mut() {
                    agreement.in_force_from = Some(*in_force_from);
                }
                entry.phase = Phase::EnablingGrowth;
            }
            RelationshipEvent::MeetingLogged {
                held_at,
                duration_minutes,
                ..
            } => {
                if entry.flash && entry.phase == Phase::Preparation {
                    entry.phase = Phase::EnablingGrowth;
                }
                entry.meetings += 1;
                entry.meeting_minutes += u64::from(*duration_minutes);
                entry.last_meeting_at = Some(
                    entry
                        .last_meeting_at
                        .map_or(*held_at, |last| last.max(*held_at)),
                );
            }
            RelationshipEvent::CheckedIn { .. } => entry.check_ins += 1,
            RelationshipEvent::FeedbackGiven { rating, .. } => {
                entry.feedback.add(f64::from(*rating));
            }
            RelationshipEvent::RelationshipCompleted { .. } => {
                entry.phase = Phase::Completed;
                entry.closed_at = Some(fact.at());
            }
            RelationshipEvent::RelationshipEndedEarly { reason, .. } => {
                entry.phase = Phase::EndedEarly;
                entry.closed_at = Some(fact.at());
                entry.end_reason = Some(*reason);
            }
            _ => {}
        }
        Ok(())
    }
}
