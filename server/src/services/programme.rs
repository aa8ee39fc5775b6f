//! `mentorship.v1.ProgrammeService`.

use mentorship_engine::domain::programme::ProgrammeCommand;
use mentorship_proto::v1 as pb;
use pb::programme_service_server::ProgrammeService;

use super::seam::command_service;

command_service! {
    /// Serves programme commands.
    ProgrammeApi serves ProgrammeService {
        define_programme(pb::DefineProgrammeRequest);
        design_programme(pb::DesignProgrammeRequest);
        open_onboarding(pb::AdvanceProgrammeRequest) => ProgrammeCommand::OpenOnboarding;
        start_matching(pb::AdvanceProgrammeRequest) => ProgrammeCommand::StartMatching;
        propose_match(pb::ProposeMatchRequest);
        respond_to_match(pb::RespondToMatchRequest);
        start_momentum(pb::AdvanceProgrammeRequest) => ProgrammeCommand::StartMomentum;
        start_measurement(pb::AdvanceProgrammeRequest) => ProgrammeCommand::StartMeasurement;
        respond_to_survey(pb::RespondToSurveyRequest);
        close_programme(pb::AdvanceProgrammeRequest) => ProgrammeCommand::Close;
    }
}
