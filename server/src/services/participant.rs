//! `mentorship.v1.ParticipantService`.

use mentorship_engine::domain::participant::ParticipantCommand;
use mentorship_proto::v1 as pb;
use pb::participant_service_server::ParticipantService;

use super::seam::command_service;

command_service! {
    /// Serves participant commands.
    ParticipantApi serves ParticipantService {
        apply(pb::ApplyRequest);
        approve_application(pb::ParticipantRequest) => ParticipantCommand::Approve;
        reject_application(pb::ParticipantRequest) => ParticipantCommand::Reject;
        complete_module(pb::CompleteModuleRequest);
        withdraw(pb::ParticipantRequest) => ParticipantCommand::Withdraw;
    }
}
