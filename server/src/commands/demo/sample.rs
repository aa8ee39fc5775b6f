//! The sample: four programmes and 68 people, laid out over their months.
//!
//! | programme | type | people | where it stands |
//! |---|---|---|---|
//! | `eng-2025` Engineering mentoring 2025 | one-to-one | 8 mentors, 16 mentee applicants | closed: one application rejected, one applicant never finishes training, a declined match, an early ending and a re-match, a renegotiated agreement, monthly meetings, check-ins, goal progress, resources, introductions, feedback both ways, recognition, surveys |
//! | `reverse-2026` Reverse tech mentoring | reverse (juniors mentor seniors) | 9 mentors, 9 mentees | momentum: one mentee withdraws before training ends; pairs in growth, in negotiation and in preparation |
//! | `circles-2026` Women in engineering circles | group | 4 mentors, 16 mentees | momentum: circles of one mentor and four mentees; one circle still negotiating |
//! | `speed-2026` Speed mentoring at the engineering summit | flash | 3 mentors, 3 mentees | momentum: two single sessions held, rated both ways and completed, with no agreement; one mentee never came |
//!
//! Everything is fixed: ids, times and every choice (made by a seeded
//! generator), so two runs write the same commands in the same order.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mentorship_engine::domain::ids::{
    GoalId, ModuleId, PersonId, ProgrammeId, QuestionId, RelationshipId,
};
use mentorship_engine::domain::participant::{ParticipantCommand, Questionnaire, Role, WeeklySlot};
use mentorship_engine::domain::programme::design::{
    AnswerKind, Cadence, CostInputs, KpiTargets, MatchingMode, ProgrammeType, SurveyQuestion,
    TrainingModule,
};
use mentorship_engine::domain::programme::{Charter, Design, ProgrammeCommand, SurveyAnswer};
use mentorship_engine::domain::relationship::{
    AgreementDraft, EndReason, MeetingMode, Outcome, RecognitionKind, RelationshipCommand,
    SmartGoal,
};
use mentorship_engine::domain::DomainError;

use super::script::{Action, Script};

/// Everyone in the sample, as "Given Family"; ids are "given.family".
const NAMES: [&str; 68] = [
    "Amara Okafor",
    "Ben Whitaker",
    "Chloe Dubois",
    "Dev Patel",
    "Elena Rossi",
    "Farid Haddad",
    "Grace Liu",
    "Hugo Martins",
    "Ines Carvalho",
    "Jonas Berg",
    "Kemi Adeyemi",
    "Luca Bianchi",
    "Maya Cohen",
    "Nils Andersen",
    "Olivia Grant",
    "Pablo Serrano",
    "Quinn Murphy",
    "Rosa Jimenez",
    "Sami Nieminen",
    "Tara Singh",
    "Uma Krishnan",
    "Victor Lambert",
    "Wen Zhao",
    "Yusuf Demir",
    "Zoe Clarke",
    "Aiko Tanaka",
    "Bilal Rahman",
    "Carmen Vega",
    "Diego Alvarez",
    "Esther Mensah",
    "Felix Wagner",
    "Gita Sharma",
    "Hana Novak",
    "Ivan Petrov",
    "Julia Schmidt",
    "Kofi Boateng",
    "Lena Fischer",
    "Marco Conti",
    "Nadia Rahimi",
    "Oscar Lindqvist",
    "Priya Nair",
    "Rafael Costa",
    "Sofia Marino",
    "Tomasz Kowalski",
    "Ana Ruiz",
    "Beatriz Lopes",
    "Chiara Greco",
    "Daniela Moreno",
    "Emma Johansson",
    "Fatima Zahra",
    "Gabriela Silva",
    "Helen Brooks",
    "Ikram Benali",
    "Jade Thompson",
    "Katarzyna Nowak",
    "Leila Hosseini",
    "Mei Lin",
    "Nora Kelly",
    "Olga Ivanova",
    "Paula Herrera",
    "Rania Saleh",
    "Sara Lindgren",
    "Theo Laurent",
    "Ulla Virtanen",
    "Vikram Rao",
    "Wiebke Hansen",
    "Xavier Moreau",
    "Yara Haddad",
];

/// Who runs each programme, and the training system that records modules.
const ADMINS: [&str; 3] = ["priya.raman", "tomas.eriksen", "amara.nwosu"];
const LMS: &str = "lms-service";

/// A deterministic generator (SplitMix64): the sample's only source of
/// variety, seeded with a constant.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u32, high: u32) -> u32 {
        let span = u64::from(high.saturating_sub(low)) + 1;
        low + u32::try_from(self.next() % span).unwrap_or(0)
    }

    /// One element of a non-empty slice.
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.next() % items.len().max(1) as u64).unwrap_or(0);
        items.get(index).copied().unwrap_or_default()
    }

    /// `count` distinct elements, in the slice's order.
    fn several(&mut self, items: &[&str], count: usize) -> Vec<String> {
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count.min(items.len()) {
            let index = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
            if !chosen.contains(&index) {
                chosen.push(index);
            }
        }
        chosen.sort_unstable();
        chosen
            .into_iter()
            .filter_map(|index| items.get(index).map(|item| (*item).to_owned()))
            .collect()
    }
}

/// One person of the sample.
#[derive(Debug, Clone)]
struct Person {
    id: PersonId,
    name: &'static str,
}

/// What the sample holds, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Programmes defined.
    pub(crate) programmes: usize,
    /// People who applied.
    pub(crate) participants: usize,
    /// Matches confirmed, each a relationship.
    pub(crate) relationships: usize,
}

/// The sample as a script, with its counts.
pub(crate) fn build() -> Result<(Script, Counts), DomainError> {
    let mut sample = Sample {
        script: Script::default(),
        rng: Rng(0x5EED_2025),
        counts: Counts::default(),
    };
    let people = NAMES
        .iter()
        .map(|name| {
            let id = name.to_lowercase().replace(' ', ".");
            Ok(Person {
                id: PersonId::parse("person", id)?,
                name,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    let (eng, rest) = people.split_at(24);
    let (reverse, rest) = rest.split_at(18);
    let (circles, speed) = rest.split_at(20);
    sample.engineering(eng)?;
    sample.reverse(reverse)?;
    sample.circles(circles)?;
    sample.speed(speed)?;
    Ok((sample.script, sample.counts))
}

fn instant(y: i32, m: u32, d: u32, h: u32, min: u32) -> Result<DateTime<Utc>, DomainError> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .ok_or_else(|| DomainError::invalid("sample time", format!("{y}-{m}-{d} {h}:{min}")))
}

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, DomainError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| DomainError::invalid("sample date", format!("{y}-{m}-{d}")))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

fn person(id: &str) -> Result<PersonId, DomainError> {
    PersonId::parse("person", id)
}

fn relationship(id: String) -> Result<RelationshipId, DomainError> {
    RelationshipId::parse("relationship", id)
}

fn goal_id(id: &str) -> Result<GoalId, DomainError> {
    GoalId::parse("goal", id)
}

fn question(id: &str) -> Result<QuestionId, DomainError> {
    QuestionId::parse("question", id)
}

fn offset(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(0)
}

/// What one programme needs besides its people.
struct Plan {
    id: ProgrammeId,
    admin: PersonId,
    charter: Charter,
    design: Design,
    /// Defined, designed and opened for applications at these moments.
    define_at: DateTime<Utc>,
    /// The first application; the others follow over ten days.
    apply_from: DateTime<Utc>,
    /// Approvals, then training from the next day.
    approve_at: DateTime<Utc>,
    /// Matching starts.
    matching_at: DateTime<Utc>,
    /// Job titles and skills offered or wanted.
    mentor_titles: &'static [&'static str],
    mentee_titles: &'static [&'static str],
    skills: &'static [&'static str],
    goals: &'static [&'static str],
    mentor_seniority: (u32, u32),
    mentee_seniority: (u32, u32),
    mentor_capacity: Option<u32>,
    shared_attributes: bool,
}

struct Sample {
    script: Script,
    rng: Rng,
    counts: Counts,
}

const MEETING_NOTES: [&str; 6] = [
    "Walked through the design review feedback and agreed what to try next.",
    "Talked about influencing without authority; mentee will run the next retro.",
    "Reviewed progress on the goals; the first one is nearly there.",
    "Discussed how to say no to work that does not fit the team's priorities.",
    "Prepared for a difficult conversation with a stakeholder.",
    "Went through a career map and the skills for the next level.",
];
const CHECK_INS: [&str; 3] = [
    "Quick check-in: on track, next meeting booked.",
    "Busy sprint; moving our meeting by a week.",
    "Shared a draft for comments before Thursday.",
];
const RESOURCES: [(&str, &str); 4] = [
    (
        "Staff Engineer: Leadership beyond the management track",
        "https://staffeng.com/book",
    ),
    (
        "Google SRE book: Postmortem culture",
        "https://sre.google/sre-book/postmortem-culture/",
    ),
    ("The Rust Book", "https://doc.rust-lang.org/book/"),
    ("Architecture decision records", "https://adr.github.io/"),
];
const FEEDBACK: [&str; 4] = [
    "Always prepared, asks the questions that matter.",
    "Generous with time and honest in feedback.",
    "Follows through on every action we agree.",
    "Helped me see the problem from the business side.",
];
const LEARNT: [&str; 3] = [
    "How to lead a design discussion and write it up.",
    "Delegating well and giving feedback early.",
    "Seeing the organisation from the other side of the table.",
];
const SURVEY_TEXT: [&str; 4] = [
    "The monthly rhythm kept us honest; more structure in month one would help.",
    "Matching was spot on. I would like a mid-point workshop.",
    "Great programme; the agreement template made the first meeting easy.",
    "Would do it again, ideally with a cross-department match.",
];

impl Sample {
    fn push(&mut self, at: DateTime<Utc>, actor: &PersonId, action: Action) {
        self.script.push(at, actor, action);
    }

    fn programme(&mut self, plan: &Plan, at: DateTime<Utc>, command: ProgrammeCommand) {
        self.push(at, &plan.admin, Action::Programme(plan.id.clone(), command));
    }

    fn survey(design_id: &str) -> Result<Vec<SurveyQuestion>, DomainError> {
        Ok(vec![
            SurveyQuestion {
                id: question("overall")?,
                text: format!("How satisfied are you with {design_id} overall?"),
                kind: AnswerKind::Rating,
            },
            SurveyQuestion {
                id: question("recommend")?,
                text: "How likely are you to recommend it to a colleague?".into(),
                kind: AnswerKind::Rating,
            },
            SurveyQuestion {
                id: question("comments")?,
                text: "What should we keep or change?".into(),
                kind: AnswerKind::FreeText,
            },
        ])
    }

    /// Steps 1–3 for everyone: define, design, open; apply, approve (or
    /// reject), train. `rejected` is refused; `untrained` completes only the
    /// first module; the others are onboarded.
    fn onboard(
        &mut self,
        plan: &Plan,
        mentors: &[Person],
        mentees: &[Person],
        rejected: Option<&Person>,
        untrained: Option<&Person>,
    ) -> Result<(), DomainError> {
        self.counts.programmes += 1;
        self.programme(
            plan,
            plan.define_at,
            ProgrammeCommand::Define {
                programme: plan.id.clone(),
                charter: plan.charter.clone(),
            },
        );
        self.programme(
            plan,
            plan.define_at + days(7),
            ProgrammeCommand::Design(plan.design.clone()),
        );
        self.programme(
            plan,
            plan.define_at + days(14),
            ProgrammeCommand::OpenOnboarding,
        );
        let everyone: Vec<(Role, &Person)> = mentors
            .iter()
            .map(|p| (Role::Mentor, p))
            .chain(mentees.iter().map(|p| (Role::Mentee, p)))
            .collect();
        self.counts.participants += everyone.len();
        for (index, (role, who)) in everyone.iter().enumerate() {
            let n = offset(index);
            let questionnaire = self.questionnaire(plan, *role, who);
            self.push(
                plan.apply_from + days(n % 10) + minutes(n * 7),
                &who.id,
                Action::Apply(plan.id.clone(), who.id.clone(), Box::new(questionnaire)),
            );
            let decided_at = plan.approve_at + minutes(n * 3);
            let is = |other: Option<&Person>| other.is_some_and(|o| o.id == who.id);
            if is(rejected) {
                self.script.push_because(
                    decided_at,
                    &plan.admin,
                    "Joined less than three months ago; welcome in the next cohort",
                    Action::Participant(
                        plan.id.clone(),
                        who.id.clone(),
                        ParticipantCommand::Reject,
                    ),
                );
                continue;
            }
            self.push(
                decided_at,
                &plan.admin,
                Action::Participant(plan.id.clone(), who.id.clone(), ParticipantCommand::Approve),
            );
            let modules: Vec<ModuleId> = plan.design.module_ids().cloned().collect();
            let take = if is(untrained) { 1 } else { modules.len() };
            for (step, module) in modules.into_iter().take(take).enumerate() {
                let at = plan.approve_at
                    + days(1 + (n % 7) + 3 * offset(step))
                    + Duration::hours(2)
                    + minutes(n);
                self.push(
                    at,
                    &person(LMS)?,
                    Action::Participant(
                        plan.id.clone(),
                        who.id.clone(),
                        ParticipantCommand::CompleteModule { module },
                    ),
                );
            }
        }
        self.programme(plan, plan.matching_at, ProgrammeCommand::StartMatching);
        Ok(())
    }

    fn questionnaire(&mut self, plan: &Plan, role: Role, who: &Person) -> Questionnaire {
        let rng = &mut self.rng;
        let (titles, (low, high)) = match role {
            Role::Mentor => (plan.mentor_titles, plan.mentor_seniority),
            Role::Mentee => (plan.mentee_titles, plan.mentee_seniority),
        };
        let weekday = u8::try_from(rng.between(1, 5)).unwrap_or(1);
        let start = u16::try_from(rng.between(8, 15) * 60).unwrap_or(540);
        let mut shared_attributes = BTreeMap::new();
        if plan.shared_attributes && rng.between(0, 2) > 0 {
            shared_attributes.insert("gender".to_owned(), "woman".to_owned());
            if rng.between(0, 2) == 0 {
                shared_attributes.insert("career_break".to_owned(), "returner".to_owned());
            }
        }
        Questionnaire {
            role,
            display_name: who.name.to_owned(),
            job_title: rng.pick(titles).to_owned(),
            skills: rng.several(plan.skills, 3),
            goals: match role {
                Role::Mentor => Vec::new(),
                Role::Mentee => rng.several(plan.goals, 2),
            },
            interests: rng.several(&["climbing", "chess", "music", "running", "open source"], 2),
            languages: if rng.between(0, 3) == 0 {
                vec!["en".into(), rng.pick(&["de", "es", "fr", "pt"]).into()]
            } else {
                vec!["en".into()]
            },
            utc_offset_minutes: match rng.between(0, 3) {
                0 => -300,
                1 => 330,
                _ => 60,
            },
            availability: vec![WeeklySlot {
                weekday,
                start_minute: start,
                end_minute: start + 120,
            }],
            department: rng
                .pick(&[
                    "Platform", "Payments", "Data", "Mobile", "Security", "Finance",
                ])
                .to_owned(),
            manager: None,
            seniority: u8::try_from(rng.between(low, high)).unwrap_or(1),
            preferences: match role {
                Role::Mentor => "Happy to mentor anyone outside my own team.".into(),
                Role::Mentee => "Someone from another department, ideally.".into(),
            },
            capacity: match role {
                Role::Mentor => plan.mentor_capacity,
                Role::Mentee => None,
            },
            shared_attributes,
        }
    }

    /// Proposes a match and has every member accept it, mentees first.
    fn matched(
        &mut self,
        plan: &Plan,
        at: DateTime<Utc>,
        id: &RelationshipId,
        mentors: &[&Person],
        mentees: &[&Person],
    ) {
        self.programme(
            plan,
            at,
            ProgrammeCommand::ProposeMatch {
                relationship: id.clone(),
                mentors: mentors.iter().map(|p| p.id.clone()).collect(),
                mentees: mentees.iter().map(|p| p.id.clone()).collect(),
            },
        );
        for (index, member) in mentees.iter().chain(mentors).enumerate() {
            self.push(
                at + days(1) + Duration::hours(offset(index)),
                &member.id,
                Action::Programme(
                    plan.id.clone(),
                    ProgrammeCommand::RespondToMatch {
                        relationship: id.clone(),
                        accept: true,
                    },
                ),
            );
        }
        self.counts.relationships += 1;
    }

    fn draft(&mut self, plan: &Plan, due: [NaiveDate; 2]) -> Result<AgreementDraft, DomainError> {
        let goals = self.rng.several(plan.goals, 2);
        Ok(AgreementDraft {
            goals: goals
                .iter()
                .zip(due)
                .enumerate()
                .map(|(index, (goal, due))| {
                    Ok(SmartGoal {
                        id: goal_id(&format!("g{}", index + 1))?,
                        description: format!("{goal}, with a concrete piece of work to show"),
                        measure: "Agreed evidence reviewed together".into(),
                        due,
                    })
                })
                .collect::<Result<_, DomainError>>()?,
            cadence: Cadence {
                meetings_per_month: 1,
                min_meeting_minutes: 45,
            },
            boundaries: "Work and career topics; performance reviews stay with the manager.".into(),
            ground_rules: "Cancel at least a day ahead; the mentee sets the agenda.".into(),
            confidentiality: "What is said in a meeting stays between us.".into(),
            effective_from: None,
        })
    }

    /// Negotiates and signs an agreement, driven by the first mentee,
    /// starting at `at`; returns when it came into force.
    fn agree(
        &mut self,
        plan: &Plan,
        at: DateTime<Utc>,
        id: &RelationshipId,
        members: &[&Person],
        driver: &Person,
        due: [NaiveDate; 2],
    ) -> Result<DateTime<Utc>, DomainError> {
        let draft = self.draft(plan, due)?;
        self.relate(at, &driver.id, id, RelationshipCommand::StartNegotiation);
        self.relate(
            at + days(1),
            &driver.id,
            id,
            RelationshipCommand::DraftAgreement(draft),
        );
        let mut signed = at;
        for (index, member) in members.iter().enumerate() {
            signed = at + days(2) + Duration::hours(offset(index));
            self.relate(
                signed,
                &member.id,
                id,
                RelationshipCommand::SignAgreement { version: 1 },
            );
        }
        Ok(signed)
    }

    fn relate(
        &mut self,
        at: DateTime<Utc>,
        actor: &PersonId,
        id: &RelationshipId,
        command: RelationshipCommand,
    ) {
        self.push(at, actor, Action::Relationship(id.clone(), command));
    }

    /// A meeting held at `held`, logged by `by` the same afternoon.
    fn meet(&mut self, id: &RelationshipId, by: &Person, held: DateTime<Utc>) {
        let duration = self.rng.between(45, 90);
        let mode = match self.rng.between(0, 2) {
            0 => MeetingMode::InPerson,
            1 => MeetingMode::Phone,
            _ => MeetingMode::Video,
        };
        let notes = self.rng.pick(&MEETING_NOTES).to_owned();
        self.relate(
            held + minutes(i64::from(duration)) + Duration::hours(3),
            &by.id,
            id,
            RelationshipCommand::LogMeeting {
                held_at: held,
                duration_minutes: duration,
                mode,
                notes,
            },
        );
    }

    fn feedback(&mut self, at: DateTime<Utc>, id: &RelationshipId, by: &Person, about: &Person) {
        let rating = u8::try_from(self.rng.between(3, 5)).unwrap_or(4);
        let comment = self.rng.pick(&FEEDBACK).to_owned();
        self.relate(
            at,
            &by.id,
            id,
            RelationshipCommand::GiveFeedback {
                about: about.id.clone(),
                rating,
                comment,
            },
        );
    }

    fn outcome(&mut self, goals: usize) -> Result<Outcome, DomainError> {
        Ok(Outcome {
            goals_reached: (1..=goals)
                .map(|n| goal_id(&format!("g{n}")))
                .collect::<Result<_, _>>()?,
            mentor_satisfaction: Some(u8::try_from(self.rng.between(4, 5)).unwrap_or(4)),
            mentee_satisfaction: Some(u8::try_from(self.rng.between(3, 5)).unwrap_or(4)),
            learnt: self.rng.pick(&LEARNT).to_owned(),
        })
    }

    fn answer_survey(
        &mut self,
        plan: &Plan,
        at: DateTime<Utc>,
        who: &Person,
    ) -> Result<(), DomainError> {
        let answers = vec![
            SurveyAnswer {
                question: question("overall")?,
                rating: Some(u8::try_from(self.rng.between(3, 5)).unwrap_or(4)),
                text: None,
            },
            SurveyAnswer {
                question: question("recommend")?,
                rating: Some(u8::try_from(self.rng.between(3, 5)).unwrap_or(4)),
                text: None,
            },
            SurveyAnswer {
                question: question("comments")?,
                rating: None,
                text: Some(self.rng.pick(&SURVEY_TEXT).to_owned()),
            },
        ];
        self.push(
            at,
            &who.id,
            Action::Programme(
                plan.id.clone(),
                ProgrammeCommand::RespondToSurvey { answers },
            ),
        );
        Ok(())
    }
}

/// One live pair (or circle) of a programme and the month its agreement
/// came into force.
struct Pair<'a> {
    id: RelationshipId,
    mentors: Vec<&'a Person>,
    mentees: Vec<&'a Person>,
    index: usize,
    from_month: u32,
}

impl<'a> Pair<'a> {
    fn mentor(&self) -> Option<&'a Person> {
        self.mentors.first().copied()
    }

    fn mentee(&self) -> Option<&'a Person> {
        self.mentees.first().copied()
    }
}

fn costs(currency: &str) -> CostInputs {
    CostInputs {
        currency: currency.into(),
        mentor_hour_cost: 75.0,
        admin_hour_cost: 45.0,
        planned_admin_hours: 120.0,
        replacement_cost_per_leaver: 38_000.0,
        baseline_attrition_percent: 14.0,
    }
}

fn modules(list: &[(&str, &str)]) -> Result<Vec<TrainingModule>, DomainError> {
    list.iter()
        .map(|(id, title)| {
            Ok(TrainingModule {
                id: ModuleId::parse("module", *id)?,
                title: (*title).to_owned(),
            })
        })
        .collect()
}

impl Sample {
    /// Engineering mentoring 2025: a whole programme, from definition to
    /// closure.
    fn engineering(&mut self, people: &[Person]) -> Result<(), DomainError> {
        let (mentors, mentees) = people.split_at(8);
        let plan = Plan {
            id: ProgrammeId::parse("programme", "eng-2025")?,
            admin: person(ADMINS[0])?,
            charter: Charter {
                name: "Engineering mentoring 2025".into(),
                purpose: "Grow the next technical leaders and keep mid-level engineers with us."
                    .into(),
                objectives: vec![
                    "Retain mid-level engineers".into(),
                    "Grow technical leadership".into(),
                ],
                kpis: KpiTargets {
                    min_satisfaction: Some(4.0),
                    goals_reached_percent: Some(80.0),
                    retention_percent: Some(90.0),
                    meetings_per_month: Some(1.0),
                },
            },
            design: Design {
                programme_type: ProgrammeType::OneToOne,
                matching_mode: MatchingMode::Administrator,
                starts_on: day(2025, 1, 6)?,
                duration_weeks: 40,
                cadence: Cadence {
                    meetings_per_month: 1,
                    min_meeting_minutes: 45,
                },
                default_mentor_capacity: 2,
                required_modules: modules(&[
                    ("orientation", "Mentoring orientation"),
                    ("mentoring-skills", "Active listening and feedback"),
                ])?,
                survey: Self::survey("the programme")?,
                costs: costs("GBP"),
                matching_weights: Default::default(),
                group_size: None,
            },
            define_at: instant(2024, 11, 4, 9, 0)?,
            apply_from: instant(2024, 11, 19, 10, 0)?,
            approve_at: instant(2024, 12, 2, 14, 0)?,
            matching_at: instant(2025, 1, 6, 9, 0)?,
            mentor_titles: &[
                "Staff engineer",
                "Principal engineer",
                "Engineering manager",
            ],
            mentee_titles: &["Software engineer", "Senior software engineer", "SRE"],
            skills: &[
                "rust",
                "system design",
                "code review",
                "incident response",
                "kubernetes",
                "technical writing",
                "stakeholder management",
            ],
            goals: &[
                "Lead a cross-team design review",
                "Run an incident retrospective",
                "Present at the engineering all-hands",
                "Own a service end to end",
                "Mentor a new joiner",
            ],
            mentor_seniority: (6, 8),
            mentee_seniority: (3, 5),
            mentor_capacity: None,
            shared_attributes: false,
        };
        let (onboarded, others) = mentees.split_at(14);
        self.onboard(&plan, mentors, mentees, others.get(1), others.first())?;

        // Step 4: fourteen proposals; the last one is declined and made again
        // with the mentor who had a free place.
        let mut pairs = Vec::new();
        for (k, mentee) in onboarded.iter().enumerate() {
            let Some(mentor) = mentors.get(k / 2) else {
                continue;
            };
            let id = relationship(format!("eng-2025-r{:02}", k + 1))?;
            let at = instant(2025, 1, 7, 10, 0)? + minutes(10 * offset(k));
            if k == 13 {
                self.programme(
                    &plan,
                    at,
                    ProgrammeCommand::ProposeMatch {
                        relationship: id.clone(),
                        mentors: vec![mentor.id.clone()],
                        mentees: vec![mentee.id.clone()],
                    },
                );
                self.script.push_because(
                    instant(2025, 1, 8, 9, 30)?,
                    &mentee.id,
                    "I would prefer a mentor outside my own department",
                    Action::Programme(
                        plan.id.clone(),
                        ProgrammeCommand::RespondToMatch {
                            relationship: id,
                            accept: false,
                        },
                    ),
                );
                continue;
            }
            self.matched(&plan, at, &id, &[mentor], &[mentee]);
            pairs.push(Pair {
                id,
                mentors: vec![mentor],
                mentees: vec![mentee],
                index: k,
                from_month: 2,
            });
        }
        if let (Some(free), Some(mentee)) = (mentors.get(7), onboarded.get(13)) {
            let id = relationship("eng-2025-r15".into())?;
            self.matched(&plan, instant(2025, 1, 9, 10, 0)?, &id, &[free], &[mentee]);
            pairs.push(Pair {
                id,
                mentors: vec![free],
                mentees: vec![mentee],
                index: 13,
                from_month: 2,
            });
        }
        self.programme(
            &plan,
            instant(2025, 1, 13, 9, 0)?,
            ProgrammeCommand::StartMomentum,
        );

        // Step 5: agreements (the first renegotiated once), then the months.
        let due = [day(2025, 6, 30)?, day(2025, 9, 30)?];
        for pair in &pairs {
            let start = instant(2025, 1, 14, 10, 0)? + minutes(20 * offset(pair.index));
            let (Some(mentor), Some(mentee)) = (pair.mentor(), pair.mentee()) else {
                continue;
            };
            if pair.index == 0 {
                self.renegotiate(&plan, start, &pair.id, mentor, mentee, due)?;
            } else {
                self.agree(&plan, start, &pair.id, &[mentor, mentee], mentee, due)?;
            }
        }
        // r04 meets once, then ends early; its mentee is matched again.
        let early = relationship("eng-2025-r04".into())?;
        let mut live: Vec<Pair> = Vec::new();
        for pair in pairs {
            if pair.id == early {
                if let Some(mentee) = pair.mentee() {
                    let held = instant(2025, 2, 13, 10, 0)?;
                    self.meet(&pair.id, mentee, held);
                    self.script.push_because(
                        instant(2025, 3, 5, 11, 0)?,
                        &mentee.id,
                        "We could not find a rhythm that worked for both of us",
                        Action::Relationship(
                            pair.id.clone(),
                            RelationshipCommand::EndEarly {
                                reason: EndReason::Mismatch,
                                outcome: Outcome {
                                    goals_reached: Vec::new(),
                                    mentor_satisfaction: Some(3),
                                    mentee_satisfaction: Some(2),
                                    learnt: String::new(),
                                },
                            },
                        ),
                    );
                }
                if let (Some(free), Some(mentee)) = (mentors.get(7), pair.mentee()) {
                    let id = relationship("eng-2025-r16".into())?;
                    self.matched(&plan, instant(2025, 3, 10, 10, 0)?, &id, &[free], &[mentee]);
                    self.agree(
                        &plan,
                        instant(2025, 3, 12, 10, 0)?,
                        &id,
                        &[free, mentee],
                        mentee,
                        [day(2025, 7, 31)?, day(2025, 9, 30)?],
                    )?;
                    live.push(Pair {
                        id,
                        mentors: vec![free],
                        mentees: vec![mentee],
                        index: 3,
                        from_month: 4,
                    });
                }
                continue;
            }
            live.push(pair);
        }
        for pair in &live {
            self.momentum(2025, pair, 9)?;
        }
        // Recognition before the pairs close.
        for (k, pair) in live.iter().enumerate().filter(|(k, _)| k % 5 == 1) {
            let (Some(mentor), Some(mentee)) = (pair.mentor(), pair.mentee()) else {
                continue;
            };
            let (recipient, kind, message) = if k % 2 == 1 {
                (
                    mentor,
                    RecognitionKind::Award,
                    "Mentor of the year: generous, patient, always prepared",
                )
            } else {
                (
                    mentee,
                    RecognitionKind::ThankYou,
                    "Thank you for driving every meeting",
                )
            };
            self.push(
                instant(2025, 9, 26, 15, 0)? + minutes(offset(k)),
                &plan.admin,
                Action::Relationship(
                    pair.id.clone(),
                    RelationshipCommand::Recognise {
                        recipient: recipient.id.clone(),
                        kind,
                        message: message.into(),
                    },
                ),
            );
        }
        for (k, pair) in live.iter().enumerate() {
            let Some(mentee) = pair.mentee() else {
                continue;
            };
            let goals = if k % 4 == 3 { 1 } else { 2 };
            let outcome = self.outcome(goals)?;
            self.relate(
                instant(2025, 9, 29, 10, 0)? + minutes(30 * offset(k)),
                &mentee.id,
                &pair.id,
                RelationshipCommand::Complete(outcome),
            );
        }

        // Step 6: measure, survey, close.
        self.programme(
            &plan,
            instant(2025, 10, 6, 9, 0)?,
            ProgrammeCommand::StartMeasurement,
        );
        let respondents = onboarded.iter().take(10).chain(mentors.iter().take(4));
        for (i, who) in respondents.enumerate() {
            let at =
                instant(2025, 10, 7, 9, 0)? + days(offset(i / 4)) + Duration::hours(offset(i % 4));
            self.answer_survey(&plan, at, who)?;
        }
        self.programme(&plan, instant(2025, 10, 24, 9, 0)?, ProgrammeCommand::Close);
        Ok(())
    }

    /// Draft 1 is signed by the mentor, then replaced by the mentor's draft
    /// 2, which both sign.
    fn renegotiate(
        &mut self,
        plan: &Plan,
        at: DateTime<Utc>,
        id: &RelationshipId,
        mentor: &Person,
        mentee: &Person,
        due: [NaiveDate; 2],
    ) -> Result<(), DomainError> {
        let first = self.draft(plan, due)?;
        let mut second = first.clone();
        second.cadence.meetings_per_month = 2;
        second
            .ground_rules
            .push_str(" Fortnightly while the first goal is open.");
        self.relate(at, &mentee.id, id, RelationshipCommand::StartNegotiation);
        self.relate(
            at + days(1),
            &mentee.id,
            id,
            RelationshipCommand::DraftAgreement(first),
        );
        self.relate(
            at + days(2),
            &mentor.id,
            id,
            RelationshipCommand::SignAgreement { version: 1 },
        );
        self.relate(
            at + days(2) + Duration::hours(2),
            &mentor.id,
            id,
            RelationshipCommand::DraftAgreement(second),
        );
        for (i, signer) in [mentor, mentee].into_iter().enumerate() {
            self.relate(
                at + days(3) + Duration::hours(offset(i)),
                &signer.id,
                id,
                RelationshipCommand::SignAgreement { version: 2 },
            );
        }
        Ok(())
    }

    /// A pair's months of growth in `year`, from its first month to
    /// `last_month`: a meeting a month, check-ins, goal progress, a shared
    /// resource, an introduction and feedback both ways.
    fn momentum(&mut self, year: i32, pair: &Pair<'_>, last_month: u32) -> Result<(), DomainError> {
        let (Some(mentor), Some(mentee)) = (pair.mentor(), pair.mentee()) else {
            return Ok(());
        };
        let k = offset(pair.index);
        let meeting_day = 10 + u32::try_from(k % 10).unwrap_or(0);
        for month in pair.from_month..=last_month {
            let held = instant(
                year,
                month,
                meeting_day,
                10 + u32::try_from(k % 3).unwrap_or(0),
                0,
            )?;
            let by = if month % 2 == 0 { mentee } else { mentor };
            self.meet(&pair.id, by, held);
            if month == 3 || month == 6 {
                let note = self.rng.pick(&CHECK_INS).to_owned();
                self.relate(
                    instant(year, month, 21, 9, 0)?,
                    &mentor.id,
                    &pair.id,
                    RelationshipCommand::CheckIn { note },
                );
            }
            if month == 5 || month == 8 {
                let percent = if month == 5 { 50 } else { 100 };
                self.relate(
                    instant(year, month, 25, 17, 0)?,
                    &mentee.id,
                    &pair.id,
                    RelationshipCommand::RecordGoalProgress {
                        goal: goal_id("g1")?,
                        percent,
                        note: "Demoed the work to the team".into(),
                    },
                );
            }
            if month == pair.from_month {
                let (title, link) = RESOURCES
                    .get(pair.index % RESOURCES.len())
                    .copied()
                    .unwrap_or(RESOURCES[0]);
                self.relate(
                    instant(year, month, 20, 12, 0)?,
                    &mentor.id,
                    &pair.id,
                    RelationshipCommand::ShareResource {
                        title: title.into(),
                        link: link.into(),
                    },
                );
            }
            if month == 4 && k % 2 == 0 {
                self.relate(
                    instant(year, month, 22, 14, 0)?,
                    &mentor.id,
                    &pair.id,
                    RelationshipCommand::MakeIntroduction {
                        contact: "Head of Platform Architecture".into(),
                        purpose: "A second view on the service design goal".into(),
                    },
                );
            }
            if month == 6 {
                let at = instant(year, month, 27, 16, 0)?;
                self.feedback(at, &pair.id, mentee, mentor);
                self.feedback(at + Duration::hours(1), &pair.id, mentor, mentee);
            }
        }
        Ok(())
    }

    /// Reverse tech mentoring 2026: juniors mentor seniors; left in
    /// momentum with pairs in each phase.
    fn reverse(&mut self, people: &[Person]) -> Result<(), DomainError> {
        let (mentors, mentees) = people.split_at(9);
        let plan = Plan {
            id: ProgrammeId::parse("programme", "reverse-2026")?,
            admin: person(ADMINS[1])?,
            charter: Charter {
                name: "Reverse tech mentoring 2026".into(),
                purpose: "Early-career engineers help senior leaders stay fluent in the tools and practices their teams use.".into(),
                objectives: vec![
                    "Leaders fluent in modern tooling".into(),
                    "Visibility for early-career talent".into(),
                ],
                kpis: KpiTargets {
                    min_satisfaction: Some(4.0),
                    meetings_per_month: Some(1.0),
                    ..KpiTargets::default()
                },
            },
            design: Design {
                programme_type: ProgrammeType::Reverse,
                matching_mode: MatchingMode::Administrator,
                starts_on: day(2026, 1, 12)?,
                duration_weeks: 36,
                cadence: Cadence {
                    meetings_per_month: 1,
                    min_meeting_minutes: 45,
                },
                default_mentor_capacity: 1,
                required_modules: modules(&[
                    ("orientation", "Mentoring orientation"),
                    ("reverse-mentoring", "Mentoring upwards"),
                ])?,
                survey: Self::survey("reverse mentoring")?,
                costs: costs("EUR"),
                matching_weights: Default::default(),
                group_size: None,
            },
            define_at: instant(2025, 11, 17, 9, 0)?,
            apply_from: instant(2025, 12, 2, 10, 0)?,
            approve_at: instant(2025, 12, 15, 14, 0)?,
            matching_at: instant(2026, 1, 12, 9, 0)?,
            mentor_titles: &["Graduate engineer", "Software engineer", "Data analyst"],
            mentee_titles: &["Director of engineering", "VP product", "Chief financial officer"],
            skills: &[
                "generative AI tools", "GitHub workflows", "observability dashboards",
                "product analytics", "remote collaboration", "social media",
            ],
            goals: &[
                "Use an AI assistant in weekly planning",
                "Review a pull request with the team",
                "Build a dashboard for my own KPIs",
                "Run a fully remote offsite",
            ],
            mentor_seniority: (2, 3),
            mentee_seniority: (7, 9),
            mentor_capacity: None,
            shared_attributes: false,
        };
        let leaver = mentees.get(8);
        self.onboard(&plan, mentors, mentees, None, leaver)?;
        if let Some(leaver) = leaver {
            self.script.push_because(
                instant(2026, 1, 8, 9, 0)?,
                &leaver.id,
                "Leaving for a six-month secondment",
                Action::Withdraw(plan.id.clone(), leaver.id.clone()),
            );
        }
        let mut pairs = Vec::new();
        for (k, (mentor, mentee)) in mentors.iter().zip(mentees.iter().take(8)).enumerate() {
            let id = relationship(format!("reverse-2026-r{:02}", k + 1))?;
            let at = instant(2026, 1, 13, 10, 0)? + minutes(10 * offset(k));
            self.matched(&plan, at, &id, &[mentor], &[mentee]);
            pairs.push((id, mentor, mentee));
        }
        self.programme(
            &plan,
            instant(2026, 1, 19, 9, 0)?,
            ProgrammeCommand::StartMomentum,
        );
        let due = [day(2026, 5, 29)?, day(2026, 8, 28)?];
        for (k, (id, mentor, mentee)) in pairs.iter().enumerate() {
            let n = offset(k);
            match k {
                0..=4 => {
                    let start = instant(2026, 1, 20, 10, 0)? + minutes(30 * n);
                    self.agree(&plan, start, id, &[mentor, mentee], mentee, due)?;
                    let day_of = |base: u32| base + u32::try_from(n).unwrap_or(0);
                    self.meet(id, mentee, instant(2026, 2, day_of(9), 8, 30)?);
                    self.meet(id, mentor, instant(2026, 3, day_of(2), 8, 30)?);
                    let (title, link) = RESOURCES
                        .get(k % RESOURCES.len())
                        .copied()
                        .unwrap_or(RESOURCES[0]);
                    self.relate(
                        instant(2026, 2, 16, 12, 0)? + minutes(n),
                        &mentor.id,
                        id,
                        RelationshipCommand::ShareResource {
                            title: title.into(),
                            link: link.into(),
                        },
                    );
                    if k == 0 {
                        let at = instant(2026, 3, 6, 16, 0)?;
                        self.feedback(at, id, mentee, mentor);
                        self.feedback(at + Duration::hours(1), id, mentor, mentee);
                    }
                    if k == 1 {
                        self.relate(
                            instant(2026, 3, 4, 9, 0)?,
                            &mentee.id,
                            id,
                            RelationshipCommand::CheckIn {
                                note: "Tried the new tool with my staff; questions for next time."
                                    .into(),
                            },
                        );
                    }
                    if k == 2 {
                        self.push(
                            instant(2026, 3, 10, 15, 0)?,
                            &plan.admin,
                            Action::Relationship(
                                id.clone(),
                                RelationshipCommand::Recognise {
                                    recipient: mentor.id.clone(),
                                    kind: RecognitionKind::ThankYou,
                                    message: "Thank you for a brilliant hands-on session for the leadership team".into(),
                                },
                            ),
                        );
                    }
                }
                5 | 6 => {
                    let start = instant(2026, 1, 21, 10, 0)? + minutes(30 * n);
                    self.relate(start, &mentee.id, id, RelationshipCommand::StartNegotiation);
                    if k == 5 {
                        let draft = self.draft(&plan, due)?;
                        self.relate(
                            instant(2026, 2, 2, 10, 0)?,
                            &mentee.id,
                            id,
                            RelationshipCommand::DraftAgreement(draft),
                        );
                        self.relate(
                            instant(2026, 2, 5, 10, 0)?,
                            &mentor.id,
                            id,
                            RelationshipCommand::SignAgreement { version: 1 },
                        );
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Women in engineering circles 2026: a group programme, left in
    /// momentum with one circle still negotiating.
    fn circles(&mut self, people: &[Person]) -> Result<(), DomainError> {
        let (mentors, mentees) = people.split_at(4);
        let plan = Plan {
            id: ProgrammeId::parse("programme", "circles-2026")?,
            admin: person(ADMINS[2])?,
            charter: Charter {
                name: "Women in engineering circles 2026".into(),
                purpose:
                    "Peer support and senior sponsorship for women and returners in engineering."
                        .into(),
                objectives: vec![
                    "Retention of women in engineering".into(),
                    "More women in senior technical roles".into(),
                ],
                kpis: KpiTargets {
                    min_satisfaction: Some(4.2),
                    retention_percent: Some(95.0),
                    ..KpiTargets::default()
                },
            },
            design: Design {
                programme_type: ProgrammeType::Group,
                matching_mode: MatchingMode::Administrator,
                starts_on: day(2026, 2, 2)?,
                duration_weeks: 26,
                cadence: Cadence {
                    meetings_per_month: 2,
                    min_meeting_minutes: 60,
                },
                default_mentor_capacity: 4,
                required_modules: modules(&[("orientation", "Circle facilitation basics")])?,
                survey: Self::survey("your circle")?,
                costs: costs("GBP"),
                matching_weights: Default::default(),
                group_size: None,
            },
            define_at: instant(2025, 12, 8, 9, 0)?,
            apply_from: instant(2026, 1, 6, 10, 0)?,
            approve_at: instant(2026, 1, 19, 14, 0)?,
            matching_at: instant(2026, 2, 2, 9, 0)?,
            mentor_titles: &["Engineering director", "Principal engineer"],
            mentee_titles: &[
                "Software engineer",
                "Senior software engineer",
                "QA engineer",
            ],
            skills: &[
                "career planning",
                "negotiation",
                "public speaking",
                "system design",
                "returning from a career break",
            ],
            goals: &[
                "Prepare a promotion case",
                "Speak at a meetup",
                "Lead a project kick-off",
                "Negotiate a flexible working pattern",
            ],
            mentor_seniority: (7, 9),
            mentee_seniority: (2, 5),
            mentor_capacity: None,
            shared_attributes: true,
        };
        self.onboard(&plan, mentors, mentees, None, None)?;
        let mut groups = Vec::new();
        for (c, (mentor, circle)) in mentors.iter().zip(mentees.chunks(4)).enumerate() {
            let id = relationship(format!("circles-2026-c{}", c + 1))?;
            let members: Vec<&Person> = circle.iter().collect();
            let at = instant(2026, 2, 3, 10, 0)? + minutes(15 * offset(c));
            self.matched(&plan, at, &id, &[mentor], &members);
            groups.push(Pair {
                id,
                mentors: vec![mentor],
                mentees: members,
                index: c,
                from_month: 2,
            });
        }
        self.programme(
            &plan,
            instant(2026, 2, 9, 9, 0)?,
            ProgrammeCommand::StartMomentum,
        );
        let due = [day(2026, 5, 29)?, day(2026, 7, 31)?];
        for group in &groups {
            let (Some(mentor), Some(lead)) = (group.mentor(), group.mentee()) else {
                continue;
            };
            let c = offset(group.index);
            let members: Vec<&Person> = group
                .mentors
                .iter()
                .chain(&group.mentees)
                .copied()
                .collect();
            let start = instant(2026, 2, 10, 10, 0)? + minutes(30 * c);
            if group.index == 3 {
                let draft = self.draft(&plan, due)?;
                self.relate(
                    start,
                    &lead.id,
                    &group.id,
                    RelationshipCommand::StartNegotiation,
                );
                self.relate(
                    start + days(1),
                    &lead.id,
                    &group.id,
                    RelationshipCommand::DraftAgreement(draft),
                );
                for (i, signer) in members.iter().take(3).enumerate() {
                    self.relate(
                        start + days(5) + Duration::hours(offset(i)),
                        &signer.id,
                        &group.id,
                        RelationshipCommand::SignAgreement { version: 1 },
                    );
                }
                continue;
            }
            self.agree(&plan, start, &group.id, &members, lead, due)?;
            self.meet(
                &group.id,
                mentor,
                instant(2026, 2, 24, 12, 0)? + Duration::hours(c),
            );
            self.meet(
                &group.id,
                mentor,
                instant(2026, 3, 10, 12, 0)? + Duration::hours(c),
            );
            let (title, link) = RESOURCES
                .get(group.index % RESOURCES.len())
                .copied()
                .unwrap_or(RESOURCES[0]);
            self.relate(
                instant(2026, 2, 26, 9, 0)? + minutes(c),
                &mentor.id,
                &group.id,
                RelationshipCommand::ShareResource {
                    title: title.into(),
                    link: link.into(),
                },
            );
            if let Some(second) = group.mentees.get(1) {
                self.relate(
                    instant(2026, 3, 3, 9, 0)? + minutes(c),
                    &second.id,
                    &group.id,
                    RelationshipCommand::CheckIn {
                        note: "Practised the talk with two of the circle.".into(),
                    },
                );
                self.feedback(
                    instant(2026, 3, 11, 17, 0)? + minutes(c),
                    &group.id,
                    second,
                    mentor,
                );
            }
            self.relate(
                instant(2026, 3, 12, 9, 0)? + minutes(c),
                &lead.id,
                &group.id,
                RelationshipCommand::RecordGoalProgress {
                    goal: goal_id("g1")?,
                    percent: 30,
                    note: "First draft written".into(),
                },
            );
            if group.index == 0 {
                self.push(
                    instant(2026, 3, 12, 15, 0)?,
                    &plan.admin,
                    Action::Relationship(
                        group.id.clone(),
                        RelationshipCommand::Recognise {
                            recipient: lead.id.clone(),
                            kind: RecognitionKind::Award,
                            message: "Circle champion: organised every session so far".into(),
                        },
                    ),
                );
            }
        }
        Ok(())
    }

    /// A flash programme: one conversation per pair, no agreement, feedback
    /// after it; one mentee never comes and the pair is ended.
    fn speed(&mut self, people: &[Person]) -> Result<(), DomainError> {
        let (mentors, mentees) = people.split_at(3);
        let plan = Plan {
            id: ProgrammeId::parse("programme", "speed-2026")?,
            admin: person(ADMINS[0])?,
            charter: Charter {
                name: "Speed mentoring at the engineering summit 2026".into(),
                purpose: "One conversation with a senior engineer for anyone who asks.".into(),
                objectives: vec!["Open senior engineers' time to everyone".into()],
                kpis: KpiTargets {
                    min_satisfaction: Some(4.0),
                    ..KpiTargets::default()
                },
            },
            design: Design {
                programme_type: ProgrammeType::Flash,
                matching_mode: MatchingMode::Administrator,
                starts_on: day(2026, 3, 2)?,
                duration_weeks: 2,
                cadence: Cadence {
                    meetings_per_month: 1,
                    min_meeting_minutes: 30,
                },
                default_mentor_capacity: 1,
                required_modules: modules(&[(
                    "speed-briefing",
                    "How a speed-mentoring session works",
                )])?,
                survey: Self::survey("your session")?,
                costs: costs("EUR"),
                matching_weights: Default::default(),
                group_size: None,
            },
            define_at: instant(2026, 2, 2, 9, 0)?,
            apply_from: instant(2026, 2, 16, 10, 0)?,
            approve_at: instant(2026, 2, 23, 14, 0)?,
            matching_at: instant(2026, 3, 2, 9, 0)?,
            mentor_titles: &["Principal engineer", "Engineering director"],
            mentee_titles: &["Graduate engineer", "Software engineer"],
            skills: &["system design", "career planning", "public speaking"],
            goals: &["Choose a specialism", "Prepare a first conference talk"],
            mentor_seniority: (7, 9),
            mentee_seniority: (1, 4),
            mentor_capacity: None,
            shared_attributes: false,
        };
        self.onboard(&plan, mentors, mentees, None, None)?;
        let mut sessions = Vec::new();
        for (i, (mentor, mentee)) in mentors.iter().zip(mentees).enumerate() {
            let id = relationship(format!("speed-2026-s{}", i + 1))?;
            let at = instant(2026, 3, 2, 10, 0)? + minutes(15 * offset(i));
            self.matched(&plan, at, &id, &[mentor], &[mentee]);
            sessions.push((id, mentor, mentee, offset(i)));
        }
        self.programme(
            &plan,
            instant(2026, 3, 4, 9, 0)?,
            ProgrammeCommand::StartMomentum,
        );
        for (id, mentor, mentee, i) in &sessions {
            if *i == 2 {
                self.relate(
                    instant(2026, 3, 5, 16, 0)?,
                    &mentor.id,
                    id,
                    RelationshipCommand::EndEarly {
                        reason: EndReason::Withdrawal,
                        outcome: Outcome {
                            goals_reached: Vec::new(),
                            mentor_satisfaction: None,
                            mentee_satisfaction: None,
                            learnt: String::new(),
                        },
                    },
                );
                continue;
            }
            self.meet(
                id,
                mentee,
                instant(2026, 3, 5, 10, 0)? + Duration::hours(*i),
            );
            self.feedback(
                instant(2026, 3, 5, 18, 0)? + minutes(*i),
                id,
                mentee,
                mentor,
            );
            self.feedback(
                instant(2026, 3, 5, 18, 30)? + minutes(*i),
                id,
                mentor,
                mentee,
            );
            let outcome = self.outcome(0)?;
            self.relate(
                instant(2026, 3, 6, 9, 0)? + minutes(*i),
                &mentee.id,
                id,
                RelationshipCommand::Complete(outcome),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_the_same_every_time() {
        let (first, counts) = build().unwrap();
        let (second, _) = build().unwrap();
        assert_eq!(
            format!("{:?}", first.ordered()),
            format!("{:?}", second.ordered())
        );
        assert_eq!(
            counts,
            Counts {
                programmes: 4,
                participants: 68,
                relationships: 30
            }
        );
    }

    #[test]
    fn every_person_has_a_valid_distinct_id() {
        let mut ids: Vec<String> = NAMES
            .iter()
            .map(|n| n.to_lowercase().replace(' ', "."))
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), NAMES.len());
        assert!(ids
            .iter()
            .all(|id| PersonId::parse("person", id.clone()).is_ok()));
    }
}
