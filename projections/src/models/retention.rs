//! Retention, defined once for every read model that reports it (the
//! overview's KPI and ROI, the outcomes report and its breakdowns).
//!
//! # Definition
//!
//! Retention counts the participants who were **onboarded** (approved and
//! fully trained). People who never got that far (rejected, or withdrawn
//! before onboarding) are not in the figure at all: the programme never had
//! them to keep.
//!
//! An onboarded participant is **lost** when
//! - they withdrew from the programme after onboarding, or
//! - they were in at least one relationship and *every* relationship they
//!   were in ended early.
//!
//! Everyone else onboarded is **retained**: waiting for a match, in a
//! relationship, or done. So an early ending costs a person only when it is
//! all the programme gave them: a mentee matched again after an early ending
//! is retained, and so is a mentor with one early ending among several
//! mentees; both members of a pair whose only relationship ended early are
//! lost.
//!
//! `retention % = retained ÷ onboarded × 100`, to two decimals, and none
//! while nobody has been onboarded.
//!
//! # Worked example
//!
//! Six people onboarded: mentor M1 with mentees E1 and E2, mentor M2 with
//! mentee E3, and E4 unmatched. M2–E3 ends early; E3 is matched again with
//! M1 and that relationship completes; E4 withdraws. Then M2 is lost (their
//! only relationship ended early), E4 is lost (withdrew), and E3 is
//! retained (matched again): 4 of 6, **66.67 %**. The overview's ROI counts
//! the same two as leavers.

use serde::{Deserialize, Serialize};

use super::percent;

/// What retention needs to know of one person in one programme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Onboarded at some point.
    pub onboarded: bool,
    /// Withdrew after being onboarded.
    pub withdrew_after_onboarding: bool,
    /// Relationships opened with this person as a member.
    pub relationships: u32,
    /// Of those, how many ended early.
    pub ended_early: u32,
}

impl Standing {
    /// The person was onboarded.
    pub fn onboard(&mut self) {
        self.onboarded = true;
    }

    /// The person withdrew (counts only after onboarding).
    pub fn withdraw(&mut self) {
        if self.onboarded {
            self.withdrew_after_onboarding = true;
        }
    }

    /// A relationship with the person as a member was opened.
    pub fn join(&mut self) {
        self.relationships = self.relationships.saturating_add(1);
    }

    /// One of the person's relationships ended early.
    pub fn end_early(&mut self) {
        self.ended_early = self.ended_early.saturating_add(1);
    }

    /// Onboarded and then lost, as the module's definition says.
    pub fn lost(&self) -> bool {
        self.onboarded
            && (self.withdrew_after_onboarding
                || (self.relationships > 0 && self.ended_early >= self.relationships))
    }
}

/// Retention over a set of people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// People onboarded.
    pub onboarded: u64,
    /// Of those, people lost.
    pub lost: u64,
}

impl Retention {
    /// Retention over `standings`.
    pub fn of<'a>(standings: impl IntoIterator<Item = &'a Standing>) -> Self {
        let mut retention = Self::default();
        for standing in standings {
            retention.onboarded += u64::from(standing.onboarded);
            retention.lost += u64::from(standing.lost());
        }
        retention
    }

    /// Retained ÷ onboarded, in percent (`None` while nobody is onboarded).
    pub fn percent(&self) -> Option<f64> {
        percent(self.onboarded - self.lost, self.onboarded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onboarded() -> Standing {
        let mut standing = Standing::default();
        standing.onboard();
        standing
    }

    #[test]
    fn the_worked_example_of_the_definition_is_66_67_percent() {
        let (mut m1, mut m2, mut e1, mut e2, mut e3, mut e4) = (
            onboarded(),
            onboarded(),
            onboarded(),
            onboarded(),
            onboarded(),
            onboarded(),
        );
        // M1–E1, M1–E2, M2–E3.
        for person in [&mut e1, &mut e2, &mut m2, &mut e3] {
            person.join();
        }
        m1.join();
        m1.join();
        // M2–E3 ends early; E3 is matched again with M1.
        m2.end_early();
        e3.end_early();
        m1.join();
        e3.join();
        e4.withdraw();
        let people = [m1, m2, e1, e2, e3, e4];
        let retention = Retention::of(&people);
        assert_eq!(
            retention,
            Retention {
                onboarded: 6,
                lost: 2
            }
        );
        assert_eq!(retention.percent(), Some(66.67));
        assert!(m2.lost() && e4.lost());
        assert!(!e3.lost() && !m1.lost());
    }

    #[test]
    fn a_withdrawal_before_onboarding_is_not_in_the_figure() {
        let mut applicant = Standing::default();
        applicant.withdraw();
        assert!(!applicant.lost());
        let retention = Retention::of(&[applicant, onboarded()]);
        assert_eq!(
            retention,
            Retention {
                onboarded: 1,
                lost: 0
            }
        );
        assert_eq!(retention.percent(), Some(100.0));
    }

    #[test]
    fn a_pair_whose_only_relationship_ended_early_is_lost_on_both_sides() {
        let (mut mentor, mut mentee) = (onboarded(), onboarded());
        for person in [&mut mentor, &mut mentee] {
            person.join();
            person.end_early();
        }
        assert_eq!(Retention::of(&[mentor, mentee]).percent(), Some(0.0));
    }

    #[test]
    fn nobody_onboarded_has_no_retention() {
        assert_eq!(Retention::of(&[]).percent(), None);
    }
}
