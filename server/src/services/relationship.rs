//! `mentorship.v1.RelationshipService`.

use mentorship_engine::domain::relationship::RelationshipCommand;
use mentorship_proto::v1 as pb;
use pb::relationship_service_server::RelationshipService;

use super::seam::command_service;

command_service! {
    /// Serves relationship commands.
    RelationshipApi serves RelationshipService {
        start_negotiation(pb::RelationshipRequest) => RelationshipCommand::StartNegotiation;
        draft_agreement(pb::DraftAgreementRequest);
        sign_agreement(pb::SignAgreementRequest);
        log_meeting(pb::LogMeetingRequest);
        check_in(pb::CheckInRequest);
        record_midpoint_review(pb::RecordMidpointReviewRequest);
        record_goal_progress(pb::RecordGoalProgressRequest);
        share_resource(pb::ShareResourceRequest);
        make_introduction(pb::MakeIntroductionRequest);
        give_feedback(pb::GiveFeedbackRequest);
        recognise(pb::RecogniseRequest);
        complete_relationship(pb::CompleteRelationshipRequest);
        end_relationship_early(pb::EndRelationshipEarlyRequest);
    }
}
