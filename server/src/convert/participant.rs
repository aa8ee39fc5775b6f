//! Participant requests into domain values.

use mentorship_engine::domain::ids::PersonId;
use mentorship_engine::domain::participant::{Questionnaire, Role, WeeklySlot};
use mentorship_proto::v1 as pb;
use tonic::Status;

use super::common::{all, all_of, enumeration, id, narrow, narrow_signed, required};

fn role(value: pb::Role) -> Option<Role> {
    match value {
        pb::Role::Unspecified => None,
        pb::Role::Mentor => Some(Role::Mentor),
        pb::Role::Mentee => Some(Role::Mentee),
    }
}

/// The questionnaire of `Apply`.
pub fn questionnaire(value: Option<&pb::Questionnaire>) -> Result<Questionnaire, Status> {
    let q = required("questionnaire", value)?;
    let availability = all_of(q.availability.iter().enumerate().map(|(index, slot)| {
        let field = format!("questionnaire.availability[{index}]");
        let (weekday, start_minute, end_minute) = all((
            narrow(&format!("{field}.weekday"), slot.weekday),
            narrow(&format!("{field}.start_minute"), slot.start_minute),
            narrow(&format!("{field}.end_minute"), slot.end_minute),
        ))?;
        Ok(WeeklySlot {
            weekday,
            start_minute,
            end_minute,
        })
    }));
    // In the proto's field order, so that the refusal lists them so.
    let (role, utc_offset_minutes, availability, manager, seniority) = all((
        enumeration("questionnaire.role", q.role, role),
        narrow_signed("questionnaire.utc_offset_minutes", q.utc_offset_minutes),
        availability,
        q.manager_id
            .as_deref()
            .map(|manager| id(PersonId::parse, "questionnaire.manager_id", manager))
            .transpose(),
        narrow("questionnaire.seniority", q.seniority),
    ))?;
    Ok(Questionnaire {
        role,
        display_name: q.display_name.clone(),
        job_title: q.job_title.clone(),
        skills: q.skills.clone(),
        goals: q.goals.clone(),
        interests: q.interests.clone(),
        languages: q.languages.clone(),
        utc_offset_minutes,
        availability,
        department: q.department.clone(),
        manager,
        seniority,
        preferences: q.preferences.clone(),
        capacity: q.capacity,
        shared_attributes: q.shared_attributes.clone().into_iter().collect(),
    })
}
