//! What a flush writes for one more applicant does not depend on how many
//! people the programme already holds: read models write the rows an event
//! changed, not the programme's whole slice.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use mentorship_engine::domain::participant::Role;
use mentorship_engine::domain::programme::design::ProgrammeType;
use mentorship_engine::store::{EventLog, MemoryLog};
use mentorship_projections::fact::Event;
use mentorship_projections::models::directory::Directory;
use mentorship_projections::models::outcomes::Outcomes;
use mentorship_projections::models::overview::Overview;
use mentorship_projections::partitioned::{Partitioned, ReadModel};
use mentorship_projections::{Projection, ReadStore};

/// Applies the events of `log` from `from` to `model`.
async fn apply_from<M: ReadModel>(log: &MemoryLog, model: &mut Partitioned<M>, from: u64) {
    for event in log.read_all_raw(from, usize::MAX).await.unwrap() {
        model.apply(&Event::raw(event.decode().unwrap())).unwrap();
    }
}

/// Writes what `model` has pending into `tree`, as a flush does.
fn drain_into<M: ReadModel>(model: &mut Partitioned<M>, tree: &sled::Tree) {
    let mut batch = sled::Batch::default();
    model.drain(&mut batch).unwrap();
    tree.apply_batch(batch).unwrap();
}

/// The bytes (keys and values) one flush writes after one more person
/// enrols in a programme of `people`.
async fn bytes_flushed_for_one_more<M: ReadModel>(people: usize) -> usize {
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "");
    script.setup("p", "Grow", ProgrammeType::OneToOne).await;
    for n in 0..people {
        script
            .enrol("p", &format!("u{n:05}"), Role::Mentee, 3, &[])
            .await;
    }
    let store = ReadStore::temporary().unwrap();
    let tree = store.tree(M::NAME, 1).unwrap();
    let mut model = Partitioned::<M>::load(&tree, 1 << 20).unwrap();
    apply_from(&log, &mut model, 1).await;
    drain_into(&mut model, &tree);

    let before = log.head();
    script.enrol("p", "u99999", Role::Mentee, 3, &[]).await;
    apply_from(&log, &mut model, before + 1).await;
    let written = store.tree("written", 1).unwrap();
    drain_into(&mut model, &written);
    written
        .iter()
        .map(|row| {
            let (key, value) = row.unwrap();
            key.len() + value.len()
        })
        .sum()
}

async fn the_same_for_10_and_1000_people<M: ReadModel>() {
    let small = bytes_flushed_for_one_more::<M>(10).await;
    let large = bytes_flushed_for_one_more::<M>(1_000).await;
    assert!(small > 0, "{}: the flush wrote nothing", M::NAME);
    assert!(
        large <= small + small / 10,
        "{}: one more applicant wrote {large} bytes in a programme of 1,000, \
         {small} in a programme of 10",
        M::NAME
    );
}

#[tokio::test]
async fn one_more_applicant_costs_the_directory_the_same_in_any_programme() {
    the_same_for_10_and_1000_people::<Directory>().await;
}

#[tokio::test]
async fn one_more_applicant_costs_the_overview_the_same_in_any_programme() {
    the_same_for_10_and_1000_people::<Overview>().await;
}

#[tokio::test]
async fn one_more_applicant_costs_the_outcomes_the_same_in_any_programme() {
    the_same_for_10_and_1000_people::<Outcomes>().await;
}

/// The tables of the rows a model writes for a programme just defined with
/// one applicant; the model reloaded from them must equal it.
async fn tables_written_for_a_new_programme<M: ReadModel>() -> Vec<u8> {
    let log = support::memory_log();
    let mut script = support::Script::new(Arc::clone(&log), "");
    script.setup("p", "New", ProgrammeType::OneToOne).await;
    script.enrol("p", "u1", Role::Mentee, 3, &[]).await;
    let store = ReadStore::temporary().unwrap();
    let tree = store.tree(M::NAME, 1).unwrap();
    let mut model = Partitioned::<M>::load(&tree, 1 << 20).unwrap();
    apply_from(&log, &mut model, 1).await;
    drain_into(&mut model, &tree);
    let reloaded = Partitioned::<M>::load(&tree, 1 << 20).unwrap();
    assert_eq!(reloaded.state().slices, model.state().slices);
    assert_eq!(reloaded.state().slices.len(), 1, "{}", M::NAME);
    tree.scan_prefix(b"s")
        .map(|row| {
            let (key, _) = row.unwrap();
            mentorship_projections::store::split_row_key(&key)
                .unwrap()
                .1
        })
        .collect()
}

#[tokio::test]
async fn a_slice_with_a_head_row_is_stored_without_an_existence_row() {
    let exists = mentorship_projections::partitioned::EXISTS;
    let overview = tables_written_for_a_new_programme::<Overview>().await;
    assert!(overview.contains(&b'H'), "{overview:?}");
    assert!(!overview.contains(&exists), "{overview:?}");
    let outcomes = tables_written_for_a_new_programme::<Outcomes>().await;
    assert!(!outcomes.contains(&exists), "{outcomes:?}");
    // The directory has no head row: its programmes keep their existence
    // row, so that one whose people all left is still there on reload.
    let directory = tables_written_for_a_new_programme::<Directory>().await;
    assert!(directory.contains(&exists), "{directory:?}");
}
