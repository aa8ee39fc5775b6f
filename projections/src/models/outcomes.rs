//! Outcomes report: satisfaction, goals reached, meetings per month and
//! their length, retention, match acceptance, time to match and, for
//! diversity programmes, the same by the attributes people chose to share,
//! with every group smaller than [`MIN_GROUP`] suppressed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use mentorship_engine::domain::participant::{ParticipantEvent, Role};
use mentorship_engine::domain::programme::design::ProgrammeType;
use mentorship_engine::domain::programme::ProgrammeEvent;
use mentorship_engine::domain::relationship::RelationshipEvent;
use serde::{Deserialize, Serialize};

use super::retention::{Retention, Standing};
use super::{percent, round2, Mean};
use crate::fact::{Decoded, Fact};
use crate::partitioned::ReadModel;
use crate::rows::{Head, Table};
use mentorship_engine::domain::StreamType;

/// The smallest group a breakdown shows: smaller groups could identify the
/// people in them.
pub const MIN_GROUP: u64 = 5;

/// The outcomes report.
#[derive(Debug)]
pub struct Outcomes;

impl Outcomes {
    /// The projection's name.
    pub const NAME_STR: &'static str = "outcomes";
}

/// What the report tracks of one person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonTally {
    /// Mentor or mentee.
    pub role: Option<Role>,
    /// The digests ([`group_digest`]) of the breakdown groups the person
    /// chose to share; only kept for diversity programmes, never returned
    /// by a query. What a person shared is never stored as text: only a
    /// group of [`MIN_GROUP`] or more gets its label, in the head.
    pub groups: Vec<String>,
    /// When they joined the roster.
    pub rostered_at: Option<DateTime<Utc>>,
    /// What retention counts of them (`super::retention`).
    pub standing: Standing,
    /// Days from the roster to their first confirmed match.
    pub days_to_match: Option<f64>,
}

/// What the report tracks of one relationship.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelationshipTally {
    /// Everyone in it.
    pub members: Vec<String>,
    /// Goals in its agreement.
    pub goals: u32,
    /// Goals reached at closure.
    pub goals_reached: u32,
    /// Meetings held and their minutes.
    pub meetings: u32,
    /// Their total minutes.
    pub minutes: u64,
    /// When its agreement came into force.
    pub in_force_from: Option<DateTime<Utc>>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Satisfaction at closure, mentors then mentees.
    pub satisfaction: (Option<u8>, Option<u8>),
}

/// The tallies of one programme that are not per person or relationship:
/// its head row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutcomesHead {
    /// Whether the programme is a diversity programme.
    pub diversity: bool,
    /// Matches proposed.
    pub proposed: u64,
    /// Matches confirmed.
    pub confirmed: u64,
    /// Matches declined.
    pub declined: u64,
    /// Feedback ratings.
    pub feedback: Mean,
    /// Survey rating answers.
    pub survey: Mean,
    /// The time of the last event seen.
    pub last_event_at: Option<DateTime<Utc>>,
    /// How many people share each group, by digest.
    #[serde(default)]
    pub group_sizes: BTreeMap<String, u64>,
    /// The label (`attribute=value`) of each group that reached
    /// [`MIN_GROUP`] people, by digest: a value shared by that many names
    /// no one, so it may be kept; a rarer one never reaches the disk, and
    /// an erasure leaves nothing of it.
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
}

/// The digest a person's shared group is kept under: SHA-256 of the
/// programme and `attribute=value`, so that the read model holds no text a
/// person shared.
pub fn group_digest(programme: &str, label: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("mentorship.group.v1|{programme}|{label}").as_bytes());
    hex::encode(&digest[..16])
}

/// The report's raw tallies for one programme, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomesSlice {
    /// The programme's own tallies.
    pub head: Head<OutcomesHead>,
    /// Each person.
    pub people: Table<PersonTally>,
    /// Each relationship.
    pub relationships: Table<RelationshipTally>,
}

crate::slice_rows!(OutcomesSlice {
    head: b'H',
    people: b'p',
    relationships: b'r'
});

/// The figures of the report, for a programme or one group of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// People counted.
    pub participants: u64,
    /// Mentors' satisfaction at closure (1–5).
    pub mentor_satisfaction: Option<f64>,
    /// Mentees' satisfaction at closure (1–5).
    pub mentee_satisfaction: Option<f64>,
    /// Goals reached, in percent of the goals of closed relationships.
    pub goals_reached_percent: Option<f64>,
    /// Meetings per relationship per month under an agreement.
    pub meetings_per_month: Option<f64>,
    /// Average meeting length in minutes.
    pub average_meeting_minutes: Option<f64>,
    /// Retention in percent, as `super::retention` defines it.
    pub retention_percent: Option<f64>,
    /// Average days from the roster to a confirmed match.
    pub days_to_match: Option<f64>,
}

/// One group of a diversity breakdown: only groups of at least
/// [`MIN_GROUP`] people are shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The attribute.
    pub attribute: String,
    /// The value shared.
    pub value: String,
    /// The group's figures.
    pub figures: Figures,
}

/// The outcomes report of one programme, as queries return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomesReport {
    /// The programme.
    pub programme: String,
    /// The whole programme's figures.
    pub overall: Figures,
    /// Feedback ratings' average (1–5).
    pub feedback_rating: Option<f64>,
    /// Survey ratings' average (1–5).
    pub survey_rating: Option<f64>,
    /// Confirmed matches in percent of those answered (confirmed or
    /// declined).
    pub match_acceptance_percent: Option<f64>,
    /// The breakdown by shared attribute, for diversity programmes.
    pub groups: Vec<Group>,
    /// How many groups were left out because they were smaller than
    /// [`MIN_GROUP`]; their values are not named, since naming a rare value
    /// would already tell that someone holds it.
    pub suppressed_groups: u64,
}

impl OutcomesSlice {
    fn figures(&self, people: &BTreeSet<&str>) -> Figures {
        let mut mentor = Mean::default();
        let mut mentee = Mean::default();
        let (mut goals, mut reached, mut meetings, mut minutes) = (0, 0, 0, 0);
        // A flash session is a meeting with no agreement and no cadence:
        // it counts in the meetings' length, not in meetings per month.
        let mut meetings_under_agreement = 0;
        let mut months = 0.0;
        for tally in self.relationships.values() {
            if !tally.members.iter().any(|m| people.contains(m.as_str())) {
                continue;
            }
            meetings += u64::from(tally.meetings);
            minutes += tally.minutes;
            if let (Some(from), Some(to)) = (
                tally.in_force_from,
                tally.closed_at.or(self.head.last_event_at),
            ) {
                meetings_under_agreement += u64::from(tally.meetings);
                months += super::months_between(from, to);
            }
            if tally.closed_at.is_some() {
                goals += u64::from(tally.goals);
                reached += u64::from(tally.goals_reached);
                if let Some(rating) = tally.satisfaction.0 {
                    mentor.add(f64::from(rating));
                }
                if let Some(rating) = tally.satisfaction.1 {
                    mentee.add(f64::from(rating));
                }
            }
        }
        let tallies: Vec<&PersonTally> = people
            .iter()
            .filter_map(|person| self.people.get(*person))
            .collect();
        let retention = Retention::of(tallies.iter().map(|tally| &tally.standing));
        let mut to_match = Mean::default();
        for days in tallies.iter().filter_map(|tally| tally.days_to_match) {
            to_match.add(days);
        }
        Figures {
            participants: people.len() as u64,
            mentor_satisfaction: mentor.mean(),
            mentee_satisfaction: mentee.mean(),
            goals_reached_percent: percent(reached, goals),
            meetings_per_month: (months > 0.0)
                .then(|| round2(meetings_under_agreement as f64 / months)),
            average_meeting_minutes: (meetings > 0)
                .then(|| round2(minutes as f64 / meetings as f64)),
            retention_percent: retention.percent(),
            days_to_match: to_match.mean(),
        }
    }

    /// The report of programme `programme` as queries return it.
    pub fn view(&self, programme: &str) -> OutcomesReport {
        let everyone: BTreeSet<&str> = self.people.keys().map(String::as_str).collect();
        let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        if self.head.diversity {
            for (person, tally) in self.people.iter() {
                for group in &tally.groups {
                    groups.entry(group).or_default().insert(person);
                }
            }
        }
        let mut suppressed_groups = 0;
        let mut shown = Vec::new();
        for (group, people) in groups {
            let label = self.head.group_labels.get(group);
            let Some(label) = label.filter(|_| people.len() as u64 >= MIN_GROUP) else {
                suppressed_groups += 1;
                continue;
            };
            let (attribute, value) = label.split_once('=').unwrap_or((label, ""));
            shown.push(Group {
                attribute: attribute.to_owned(),
                value: value.to_owned(),
                figures: self.figures(&people),
            });
        }
        OutcomesReport {
            programme: programme.to_owned(),
            overall: self.figures(&everyone),
            feedback_rating: self.head.feedback.mean(),
            survey_rating: self.head.survey.mean(),
            match_acceptance_percent: percent(
                self.head.confirmed,
                self.head.confirmed + self.head.declined,
            ),
            groups: shown,
            suppressed_groups,
        }
    }
}

impl ReadModel for Outcomes {
    const NAME: &'static str = Self::NAME_STR;
    type Slice = OutcomesSlice;

    fn wants(kind: StreamType, event_type: &str) -> bool {
        match kind {
            StreamType::Programme => matches!(
                event_type,
                "ProgrammeDesigned"
                    | "ParticipantRostered"
                    | "MatchProposed"
                    | "MatchConfirmed"
                    | "MatchDeclined"
                    | "SurveyResponded"
            ),
            StreamType::Participant => matches!(
                event_type,
                "ApplicationSubmitted"
                    | "ParticipantOnboarded"
                    | "ParticipantWithdrawn"
                    | "PersonalDataErased"
            ),
            StreamType::Relationship => matches!(
                event_type,
                "RelationshipOpened"
                    | "AgreementDrafted"
                    | "AgreementConcluded"
                    | "MeetingLogged"
                    | "FeedbackGiven"
                    | "RelationshipCompleted"
                    | "RelationshipEndedEarly"
            ),
            StreamType::Disclosure | StreamType::Access => false,
        }
    }

    /// A diversity programme's application carries the shared attributes
    /// its groups are made of, and they are sealed personal data.
    fn needs_sealed(slice: Option<&OutcomesSlice>, kind: StreamType, event_type: &str) -> bool {
        kind == StreamType::Participant
            && event_type == "ApplicationSubmitted"
            && slice.is_some_and(|slice| slice.head.diversity)
    }

    fn apply(slice: &mut OutcomesSlice, fact: &Fact<'_>) -> Result<(), String> {
        let at = fact.at();
        slice.head.last_event_at = Some(slice.head.last_event_at.map_or(at, |last| last.max(at)));
        match &fact.event {
            Decoded::Programme(event) => apply_programme(slice, at, event),
            Decoded::Participant(event) => {
                let diversity = slice.head.diversity;
                let tally = slice.people.or_default(fact.person());
                match event {
                    ParticipantEvent::ApplicationSubmitted {
                        programme,
                        questionnaire,
                        ..
                    } => {
                        tally.role = Some(questionnaire.role);
                        if diversity {
                            let mut joined = Vec::new();
                            for (attribute, value) in &questionnaire.shared_attributes {
                                let label = format!("{attribute}={value}");
                                let digest = group_digest(programme.as_str(), &label);
                                joined.push((digest, label));
                            }
                            tally.groups =
                                joined.iter().map(|(digest, _)| digest.clone()).collect();
                            for (digest, label) in joined {
                                let head = &mut *slice.head;
                                let size = head.group_sizes.entry(digest.clone()).or_default();
                                *size += 1;
                                if *size >= MIN_GROUP {
                                    head.group_labels.entry(digest).or_insert(label);
                                }
                            }
                        }
                    }
                    ParticipantEvent::ParticipantOnboarded => tally.standing.onboard(),
                    ParticipantEvent::ParticipantWithdrawn => tally.standing.withdraw(),
                    // What they shared is erased: they leave every group.
                    ParticipantEvent::PersonalDataErased => {
                        let left = std::mem::take(&mut tally.groups);
                        for digest in left {
                            if let Some(size) = slice.head.group_sizes.get_mut(&digest) {
                                *size = size.saturating_sub(1);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Decoded::Relationship(event) => {
                let tally = slice.relationships.or_default(fact.stream_id());
                match event {
                    RelationshipEvent::RelationshipOpened { terms, .. } => {
                        tally.members = super::members_of(terms);
                        for member in super::members_of(terms) {
                            slice.people.or_default(&member).standing.join();
                        }
                    }
                    RelationshipEvent::AgreementDrafted { draft, .. } => {
                        tally.goals = u32::try_from(draft.goals.len()).unwrap_or(u32::MAX);
                    }
                    RelationshipEvent::AgreementConcluded { in_force_from, .. } => {
                        tally.in_force_from = Some(*in_force_from);
                    }
                    RelationshipEvent::MeetingLogged {
                        duration_minutes, ..
                    } => {
                        tally.meetings += 1;
                        tally.minutes += u64::from(*duration_minutes);
                    }
                    RelationshipEvent::FeedbackGiven { rating, .. } => {
                        slice.head.feedback.add(f64::from(*rating));
                    }
                    RelationshipEvent::RelationshipCompleted { outcome }
                    | RelationshipEvent::RelationshipEndedEarly { outcome, .. } => {
                        tally.goals_reached =
                            u32::try_from(outcome.goals_reached.len()).unwrap_or(u32::MAX);
                        tally.satisfaction =
                            (outcome.mentor_satisfaction, outcome.mentee_satisfaction);
                        tally.closed_at = Some(at);
                        if matches!(event, RelationshipEvent::RelationshipEndedEarly { .. }) {
                            let members = tally.members.clone();
                            for member in members {
                                slice.people.or_default(&member).standing.end_early();
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

fn apply_programme(slice: &mut OutcomesSlice, at: DateTime<Utc>, event: &ProgrammeEvent) {
    match event {
        ProgrammeEvent::ProgrammeDesigned { design } => {
            slice.head.diversity = design.programme_type == ProgrammeType::Diversity;
        }
        ProgrammeEvent::ParticipantRostered { entry } => {
            let tally = slice.people.or_default(entry.person.as_str());
            tally.rostered_at.get_or_insert(at);
        }
        ProgrammeEvent::MatchProposed { .. } => slice.head.proposed += 1,
        ProgrammeEvent::MatchDeclined { .. } => slice.head.declined += 1,
        ProgrammeEvent::MatchConfirmed { terms, .. } => {
            slice.head.confirmed += 1;
            for mentee in &terms.mentees {
                if let Some(tally) = slice.people.get_mut(mentee.as_str()) {
                    if tally.days_to_match.is_none() {
                        if let Some(rostered) = tally.rostered_at {
                            tally.days_to_match =
                                Some(round2((at - rostered).num_seconds() as f64 / 86_400.0));
                        }
                    }
                }
            }
        }
        ProgrammeEvent::SurveyResponded { answers, .. } => {
            for rating in answers.iter().filter_map(|answer| answer.rating) {
                slice.head.survey.add(f64::from(rating));
            }
        }
        _ => {}
    }
}
