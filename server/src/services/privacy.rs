//! `mentorship.v1.PrivacyService`: erasure and export of a person's data.

use mentorship_engine::domain::ids::PersonId;
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use pb::privacy_service_server::PrivacyService;
use tonic::{Request, Response, Status};

use crate::auth::policy::{authorize, Target};
use crate::auth::principal::Kind;
use crate::caller;
use crate::convert::common::{self as common, all, id};
use crate::status::from_engine;

/// Serves erasure.
pub struct PrivacyApi<L> {
    engine: Engine<L>,
}

impl<L: EventLog> PrivacyApi<L> {
    /// A service on `engine`.
    pub fn new(engine: Engine<L>) -> Self {
        Self { engine }
    }
}

#[tonic::async_trait]
impl<L: EventLog> PrivacyService for PrivacyApi<L> {
    async fn erase_personal_data(
        &self,
        request: Request<pb::ErasePersonalDataRequest>,
    ) -> Result<Response<pb::ErasePersonalDataReply>, Status> {
        authorize(&request, &self.engine, Target::Nothing).await?;
        let caller = caller::of(&request)?;
        let body = request.get_ref();
        let (options, person) = all((
            common::options(body.options.as_ref()),
            id(PersonId::parse, "person_id", &body.person_id),
        ))?;
        let erasure = self
            .engine
            .erase_person(&person, caller::audit(&caller, &options))
            .await
            .map_err(|error| from_engine(error, ""))?;
        Ok(Response::new(pb::ErasePersonalDataReply {
            programme_ids: erasure
                .programmes
                .iter()
                .map(|programme| programme.to_string())
                .collect(),
            values_erased: u64::try_from(erasure.values).unwrap_or(u64::MAX),
            last_position: erasure.last_position,
        }))
    }

    async fn export_personal_data(
        &self,
        request: Request<pb::ExportPersonalDataRequest>,
    ) -> Result<Response<pb::ExportPersonalDataReply>, Status> {
        let named = request.get_ref().person_id.clone();
        let principal = authorize(&request, &self.engine, Target::Subject(&named)).await?;
        let caller = caller::of(&request)?;
        // Confidential content goes to the person, a member of their
        // relationships; an administrator asking for them gets digests.
        let to_them = principal.kind == Kind::Person && principal.subject.as_str() == named;
        let (options, person) = all((
            common::options(request.get_ref().options.as_ref()),
            id(PersonId::parse, "person_id", &named),
        ))?;
        let export = self
            .engine
            .subject_access(&person, caller::audit(&caller, &options), to_them)
            .await
            .map_err(|error| from_engine(error, ""))?;
        Ok(Response::new(pb::ExportPersonalDataReply {
            events_jsonl: export.events_jsonl(),
            manifest_json: export.manifest(chrono::Utc::now()).to_string().into_bytes(),
        }))
    }
}
