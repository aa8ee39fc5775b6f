//! `mentorship.v1.MatchingService`.

use mentorship_engine::domain::ids::PersonId;
use mentorship_engine::domain::programme::design::MatchingMode;
use mentorship_engine::facade::Engine;
use mentorship_engine::matching::{Breakdown, Choice, MatchRun, PairExplanation, SharedGoals};
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::matching_service_server::MatchingService;
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, Scoped};
use crate::caller;
use crate::convert::commands::programme;
use crate::convert::common::{self as common, all, id, reply};
use crate::convert::programme::optional_matching_mode;

use super::names;
use super::seam::Commands;
use crate::status::{from_engine, invalid_field};

/// Serves matching runs and their proposals.
pub struct MatchingApi<L> {
    commands: Commands<L>,
}

impl<L: EventLog> MatchingApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self {
            commands: Commands::new(engine),
        }
    }

    fn engine(&self) -> &Engine<L> {
        self.commands.engine()
    }
}

fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn breakdown(breakdown: &Breakdown) -> pb::Breakdown {
    pb::Breakdown {
        parts: breakdown
            .parts
            .iter()
            .map(|part| pb::ScorePart {
                criterion: serde_name(&part.criterion),
                grade: part.grade,
                weight: part.weight,
                points: part.points,
            })
            .collect(),
        total: breakdown.total,
    }
}

/// A member's shared-goals part, shown as one more score part.
fn shared_goals(part: SharedGoals) -> pb::ScorePart {
    pb::ScorePart {
        criterion: "shared_goals".to_owned(),
        grade: part.grade,
        weight: part.weight,
        points: part.points,
    }
}

fn mode(mode: MatchingMode) -> i32 {
    (match mode {
        MatchingMode::Administrator => pb::MatchingMode::Administrator,
        MatchingMode::Optimal => pb::MatchingMode::Optimal,
        MatchingMode::Stable => pb::MatchingMode::Stable,
        MatchingMode::MenteeChoice => pb::MatchingMode::MenteeChoice,
        MatchingMode::Groups => pb::MatchingMode::Groups,
    }) as i32
}

fn run(run_number: u32, run: &MatchRun) -> pb::MatchRun {
    let weights = serde_json::to_value(run.weights)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, weight)| Some((name, u32::try_from(weight.as_u64()?).ok()?)))
        .collect();
    pb::MatchRun {
        run_number,
        log_position: run.log_position,
        mode: mode(run.mode),
        algorithm: run.algorithm.clone(),
        weights,
        proposals: run
            .proposals
            .iter()
            .map(|proposal| pb::MatchProposal {
                mentor_id: proposal.mentor.to_string(),
                mentee_id: proposal.mentee.to_string(),
                score: proposal.score,
                rank: proposal.rank,
                breakdown: Some(breakdown(&proposal.breakdown)),
                shared_goals: proposal.shared_goals.map(shared_goals),
                mentor_name: String::new(),
                mentee_name: String::new(),
            })
            .collect(),
        total_score: run.total_score,
    }
}

fn choices(choices: &[Choice]) -> Vec<pb::Choice> {
    choices
        .iter()
        .map(|choice| pb::Choice {
            person_id: choice.person.to_string(),
            score: choice.score,
            mentor_score: choice.mentor_score,
            outranks: choice.outranks,
        })
        .collect()
}

fn explanation(explanation: PairExplanation) -> pb::ExplainPairReply {
    use pb::explain_pair_reply::{Answer, Excluded, NotChosen, Proposed};
    let answer = match explanation {
        PairExplanation::Proposed {
            breakdown: parts,
            rank,
            shared_goals: shared,
        } => Answer::Proposed(Proposed {
            breakdown: Some(breakdown(&parts)),
            rank,
            shared_goals: shared.map(shared_goals),
        }),
        PairExplanation::Excluded { constraint, rule } => Answer::Excluded(Excluded {
            constraint: serde_name(&constraint),
            rule: rule.to_string(),
        }),
        PairExplanation::NotChosen {
            breakdown: parts,
            mentee_got,
            mentor_places_went_to,
            free_places,
        } => Answer::NotChosen(NotChosen {
            breakdown: Some(breakdown(&parts)),
            mentee_got: choices(&mentee_got),
            mentor_places_went_to: choices(&mentor_places_went_to),
            free_places,
        }),
    };
    pb::ExplainPairReply {
        answer: Some(answer),
        mentor_name: String::new(),
        mentee_name: String::new(),
    }
}

#[tonic::async_trait]
impl<L: EventLog> MatchingService for MatchingApi<L> {
    async fn propose_matches(
        &self,
        request: Request<pb::ProposeMatchesRequest>,
    ) -> Result<Response<pb::ProposeMatchesReply>, Status> {
        let body = request.get_ref();
        let programme = programme(&body.programme_id)?;
        let principal = authorize(&request, self.engine(), programme.scope()).await?;
        let caller = caller::of(&request)?;
        let options = common::options(body.options.as_ref())?;
        let mode = optional_matching_mode(body.mode);
        if mode == Some(MatchingMode::Administrator) {
            return Err(invalid_field(
                "mode",
                "administrator mode pairs people by hand; choose optimal, stable or mentee choice",
            ));
        }
        let audit = caller::audit(&caller, &options);
        let (receipt, run_number, recorded) = self
            .engine()
            .propose_matches(&programme, mode, audit)
            .await
            .map_err(|error| from_engine(error, ""))?;
        let mut run = run(run_number, &recorded);
        let people: Vec<&str> = recorded
            .proposals
            .iter()
            .flat_map(|proposal| [proposal.mentor.as_str(), proposal.mentee.as_str()])
            .collect();
        let names = names::reveal(
            self.engine(),
            &principal,
            programme.as_str(),
            &people,
            "MatchingService/ProposeMatches",
        )
        .await?;
        for proposal in &mut run.proposals {
            let name = |person: &str| names::name_of(&names, person).cloned().unwrap_or_default();
            proposal.mentor_name = name(&proposal.mentor_id);
            proposal.mentee_name = name(&proposal.mentee_id);
        }
        Ok(Response::new(pb::ProposeMatchesReply {
            recorded: Some(reply(receipt)),
            run: Some(run),
        }))
    }

    async fn explain_pair(
        &self,
        request: Request<pb::ExplainPairRequest>,
    ) -> Result<Response<pb::ExplainPairReply>, Status> {
        let body = request.get_ref();
        let programme = programme(&body.programme_id)?;
        let principal = authorize(&request, self.engine(), programme.scope()).await?;
        let (mentor, mentee) = all((
            id(PersonId::parse, "mentor_id", &body.mentor_id),
            id(PersonId::parse, "mentee_id", &body.mentee_id),
        ))?;
        let answer = self
            .engine()
            .explain_pair(&programme, body.run_number, &mentor, &mentee)
            .await
            .map_err(|error| from_engine(error, ""))?;
        let mut reply = explanation(answer);
        let names = names::reveal(
            self.engine(),
            &principal,
            programme.as_str(),
            &[mentor.as_str(), mentee.as_str()],
            "MatchingService/ExplainPair",
        )
        .await?;
        reply.mentor_name = names.get(&mentor).cloned().unwrap_or_default();
        reply.mentee_name = names.get(&mentee).cloned().unwrap_or_default();
        Ok(Response::new(reply))
    }

    async fn approve_proposal(
        &self,
        request: Request<pb::ApproveProposalRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.commands.run(request).await
    }

    async fn decline_proposal(
        &self,
        request: Request<pb::DeclineProposalRequest>,
    ) -> Result<Response<pb::CommandReply>, Status> {
        self.commands.run(request).await
    }
}
