//! Opening SQLite files that are not what they should be: nothing is created
//! or deleted behind the person's back, and the error says what to do.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use coproduce_store::db::Create;
use coproduce_store::{Db, DbUrl, StoreError};

#[tokio::test]
async fn a_damaged_file_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coproduce.db");
    let garbage: Vec<u8> = b"this is not a database, only some bytes that look nothing like one\n"
        .iter()
        .copied()
        .cycle()
        .take(8192)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    for create in [Create::IfMissing, Create::Never] {
        match Db::open(&DbUrl::sqlite_file(&path), create).await {
            Err(StoreError::NotADatabase(p)) => assert_eq!(p, path),
            other => panic!("{create:?}: expected NotADatabase, got {other:?}"),
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            garbage,
            "{create:?}: the file must be left as it was"
        );
    }
    let msg = StoreError::NotADatabase(path.clone()).to_string();
    assert!(msg.contains("restore it from a backup"), "{msg}");
}

#[tokio::test]
async fn a_missing_folder_is_named_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("no-such-folder");
    let path = folder.join("coproduce.db");
    match Db::open(&DbUrl::sqlite_file(&path), Create::IfMissing).await {
        Err(StoreError::MissingFolder(p)) => assert_eq!(p, folder),
        other => panic!("expected MissingFolder, got {other:?}"),
    }
    assert!(!folder.exists(), "the folder must not be created");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is created"
    );
}

#[tokio::test]
async fn a_missing_file_is_created_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coproduce.db");
    match Db::open(&DbUrl::sqlite_file(&path), Create::Never).await {
        Err(StoreError::NoSuchFile(p)) => assert_eq!(p, path),
        other => panic!("expected NoSuchFile, got {other:?}"),
    }
    assert!(!path.exists());
    let db = Db::open(&DbUrl::sqlite_file(&path), Create::IfMissing)
        .await
        .unwrap();
    db.close().await;
    assert!(path.exists());
    let reopened = Db::open(&DbUrl::sqlite_file(&path), Create::Never)
        .await
        .unwrap();
    reopened.close().await;
}
