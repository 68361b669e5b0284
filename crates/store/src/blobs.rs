//! Files people upload (receipts, photos, documents), kept by the SHA-256 of
//! their contents. Everything goes through `BlobStore`, so where the bytes
//! live can change without callers changing: a folder on disk by default;
//! S3-compatible storage, the scale path, would be one more variant.
//!
//! The database holds what a file is (its name, kind, project); this holds
//! only bytes under their hash. Storing the same file twice therefore keeps
//! one copy, and a damaged copy is noticed when it is read.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// What went wrong storing or reading a file, phrased for whoever runs the
/// server: every message names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("cannot keep uploaded files in the folder {}: {source}. Create it and let the user coproduce runs as write to it, or choose another folder", .path.display())]
    Folder { path: PathBuf, source: io::Error },
    #[error("cannot {action} the stored file {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("the stored file {} is damaged (its contents no longer match its name): restore it from a backup", .path.display())]
    Corrupt { path: PathBuf },
    #[error("not a stored file's id: an id is 64 lowercase hexadecimal digits")]
    BadId,
    #[error("the server stopped before the file was stored: try again")]
    Interrupted,
}

type Result<T, E = BlobError> = std::result::Result<T, E>;

/// The name of a stored file: the lowercase hex SHA-256 of its bytes. The
/// same bytes always get the same id, and since an id can only be 64 hex
/// digits, one taken from a URL can never name a path outside the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(String);

impl BlobId {
    /// The id the given bytes are stored under.
    pub fn of(bytes: &[u8]) -> Self {
        Self(hex(&Sha256::digest(bytes)))
    }

    pub fn parse(input: &str) -> Result<Self> {
        let well_formed = input.len() == 64
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(Self(input.to_owned()))
        } else {
            Err(BlobError::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BlobId {
    type Err = BlobError;

    fn from_str(input: &str) -> Result<Self> {
        Self::parse(input)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Where uploaded files are kept. An enum rather than a trait object, so that
/// its methods can simply be `async` and every backend is known here.
#[derive(Debug, Clone)]
pub enum BlobStore {
    Dir(DirStore),
}

impl BlobStore {
    /// Stores the bytes and returns their id. Storing bytes already there
    /// changes nothing, so a repeated upload or a retried request is safe.
    /// Takes a `Vec` without copying; a slice is copied once.
    pub async fn put(&self, bytes: impl Into<Vec<u8>>) -> Result<BlobId> {
        match self {
            BlobStore::Dir(dir) => dir.put(bytes.into()).await,
        }
    }

    /// The bytes stored under `id`, checked against it; `None` if there are none.
    pub async fn get(&self, id: &BlobId) -> Result<Option<Vec<u8>>> {
        match self {
            BlobStore::Dir(dir) => dir.get(id).await,
        }
    }

    pub async fn contains(&self, id: &BlobId) -> Result<bool> {
        match self {
            BlobStore::Dir(dir) => dir.contains(id).await,
        }
    }

    /// Removes the bytes for good, for erasure. Removing what is not there is
    /// not an error: the outcome the caller wants already holds.
    pub async fn delete(&self, id: &BlobId) -> Result<()> {
        match self {
            BlobStore::Dir(dir) => dir.delete(id).await,
        }
    }
}

impl From<DirStore> for BlobStore {
    fn from(dir: DirStore) -> Self {
        BlobStore::Dir(dir)
    }
}

/// Files in a folder, at `ab/cd/abcd…` by their id, so that no folder holds
/// more than a few hundred entries however many files there are. Writes go
/// to `tmp/` first and are renamed into place once on disk, so a reader (or
/// a restart after a crash) never sees half a file.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
}

const TMP: &str = "tmp";

/// Temporary files older than this were left by a crash or a killed server;
/// no write takes this long.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

impl DirStore {
    /// Opens the store at `root`, creating the folder if it is missing and
    /// proving it can be written to, so that a wrong path or permission
    /// stops the server at start rather than failing the first upload.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let folder = |source| BlobError::Folder {
            path: root.clone(),
            source,
        };
        fs::create_dir_all(root.join(TMP)).map_err(folder)?;
        TempFile::create(&root).map_err(folder)?;
        remove_stale_temp_files(&root.join(TMP));
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, id: &BlobId) -> PathBuf {
        let id = id.as_str();
        self.root.join(&id[..2]).join(&id[2..4]).join(id)
    }

    async fn put(&self, bytes: Vec<u8>) -> Result<BlobId> {
        let store = self.clone();
        blocking(move || store.put_now(&bytes)).await
    }

    fn put_now(&self, bytes: &[u8]) -> Result<BlobId> {
        let id = BlobId::of(bytes);
        let path = self.path_of(&id);
        // Checking the copy already there, rather than trusting that it
        // exists, lets storing the original again repair a damaged one.
        if hash_of_file(&path).map_err(io_error("read", &path))? == Some(id.clone()) {
            return Ok(id);
        }

        let mut tmp = TempFile::create(&self.root).map_err(io_error("write", &path))?;
        tmp.write_and_sync(bytes)
            .map_err(io_error("write", &tmp.path))?;

        let folder = path.parent().unwrap_or(&self.root);
        if !folder.is_dir() {
            fs::create_dir_all(folder).map_err(io_error("create the folder for", &path))?;
            // New folders are durable only once their parents are synced.
            for created in folder.ancestors().skip(1).take(2) {
                sync_folder(created).map_err(io_error("write", &path))?;
            }
        }
        // Two writers of the same bytes may race here; both renames succeed
        // and leave the same contents, so the loser needs no special case.
        fs::rename(&tmp.path, &path).map_err(io_error("write", &path))?;
        tmp.persisted = true;
        sync_folder(folder).map_err(io_error("write", &path))?;
        Ok(id)
    }

    async fn get(&self, id: &BlobId) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(id);
        let id = id.clone();
        blocking(move || {
            let bytes = match fs::read(&path) {
                Ok(bytes) => bytes,
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(err) => return Err(io_error("read", &path)(err)),
            };
            if BlobId::of(&bytes) != id {
                return Err(BlobError::Corrupt { path });
            }
            Ok(Some(bytes))
        })
        .await
    }

    async fn contains(&self, id: &BlobId) -> Result<bool> {
        let path = self.path_of(id);
        blocking(move || match fs::metadata(&path) {
            Ok(meta) => Ok(meta.is_file()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(io_error("look for", &path)(err)),
        })
        .await
    }

    async fn delete(&self, id: &BlobId) -> Result<()> {
        let path = self.path_of(id);
        let folder = path.parent().unwrap_or(&self.root).to_path_buf();
        blocking(move || {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(err) => return Err(io_error("delete", &path)(err)),
            }
            // An erasure should not come back after a power cut.
            sync_folder(&folder).map_err(io_error("delete", &path))
        })
        .await
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> BlobError {
    let path = path.to_path_buf();
    move |source| BlobError::Io {
        action,
        path,
        source,
    }
}

/// Runs file-system work on tokio's blocking pool, so a slow disk stalls
/// no request but the one waiting for it.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(BlobError::Interrupted),
    }
}

/// The id of a file's contents, read in pieces rather than all at once;
/// `None` if there is no such file.
fn hash_of_file(path: &Path) -> io::Result<Option<BlobId>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(Some(BlobId(hex(&hasher.finalize()))))
}

/// Makes a rename or a new entry in `folder` survive a crash. Windows has no
/// way to sync a folder (and needs none for this), so there it does nothing.
fn sync_folder(folder: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(folder)?.sync_all()
    } else {
        Ok(())
    }
}

fn remove_stale_temp_files(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let modified = entry.metadata().and_then(|meta| meta.modified());
        let stale = modified
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            if let Err(err) = fs::remove_file(entry.path()) {
                tracing::warn!(path = %entry.path().display(), %err, "cannot remove a stale temporary file");
            }
        }
    }
}

/// A file in `tmp/` that removes itself unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    fn create(root: &Path) -> io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let started = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut attempt = 0;
        loop {
            // Unique within this process by the counter; the process id and
            // time keep two servers sharing the folder apart. `create_new`
            // makes any collision an error to retry rather than a shared file.
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = root
                .join(TMP)
                .join(format!("{}-{started}-{n}", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file,
                        persisted: false,
                    })
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn write_and_sync(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.file.sync_all()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::open(dir.path().join("files")).unwrap();
        (dir, store.into())
    }

    fn root(store: &BlobStore) -> PathBuf {
        match store {
            BlobStore::Dir(dir) => dir.root().to_path_buf(),
        }
    }

    /// Every stored file under the root, other than temporary ones.
    fn stored_files(root: &Path) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(root, &mut out);
        out.retain(|path| !path.starts_with(root.join(TMP)));
        out
    }

    fn temp_files(root: &Path) -> usize {
        fs::read_dir(root.join(TMP)).unwrap().count()
    }

    #[test]
    fn an_id_is_the_sha256_of_the_contents() {
        assert_eq!(
            BlobId::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let id = BlobId::of(b"receipt");
        assert_eq!(BlobId::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.to_string().parse::<BlobId>().unwrap(), id);
    }

    #[test]
    fn refuses_anything_but_64_lowercase_hex_digits_as_an_id() {
        let good = BlobId::of(b"x").to_string();
        for bad in [
            String::new(),
            "../../etc/passwd".to_owned(),
            good.to_uppercase(),
            good[..63].to_owned(),
            format!("{good}0"),
            format!("{}/", &good[..63]),
            format!("{}g", &good[..63]),
            format!(" {}", &good[..63]),
        ] {
            assert!(
                matches!(BlobId::parse(&bad), Err(BlobError::BadId)),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn stores_and_returns_the_same_bytes() {
        let (_dir, store) = store();
        let bytes = b"%PDF-1.7 receipt for paint".to_vec();
        let id = store.put(bytes.clone()).await.unwrap();
        assert_eq!(id, BlobId::of(&bytes));
        assert!(store.contains(&id).await.unwrap());
        assert_eq!(store.get(&id).await.unwrap(), Some(bytes));

        let hex = id.as_str();
        let expected = root(&store).join(&hex[..2]).join(&hex[2..4]).join(hex);
        assert_eq!(stored_files(&root(&store)), vec![expected]);
        assert_eq!(temp_files(&root(&store)), 0);
    }

    #[tokio::test]
    async fn storing_the_same_bytes_twice_keeps_one_copy() {
        let (_dir, store) = store();
        let first = store.put(&b"minutes"[..]).await.unwrap();
        let second = store.put(&b"minutes"[..]).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(stored_files(&root(&store)).len(), 1);
        assert_eq!(temp_files(&root(&store)), 0);

        store.put(&b"other minutes"[..]).await.unwrap();
        assert_eq!(stored_files(&root(&store)).len(), 2);
    }

    #[tokio::test]
    async fn missing_files_are_none_and_deleting_them_is_fine() {
        let (_dir, store) = store();
        let absent = BlobId::of(b"never stored");
        assert_eq!(store.get(&absent).await.unwrap(), None);
        assert!(!store.contains(&absent).await.unwrap());
        store.delete(&absent).await.unwrap();

        let id = store.put(&b"to be erased"[..]).await.unwrap();
        store.delete(&id).await.unwrap();
        assert!(!store.contains(&id).await.unwrap());
        assert_eq!(store.get(&id).await.unwrap(), None);
        store.delete(&id).await.unwrap();
    }

    #[tokio::test]
    async fn a_damaged_file_is_reported_and_storing_it_again_repairs_it() {
        let (_dir, store) = store();
        let id = store.put(&b"photo of the mural"[..]).await.unwrap();
        let path = stored_files(&root(&store)).remove(0);
        fs::write(&path, b"photo of the murat").unwrap();

        let err = store.get(&id).await.unwrap_err();
        assert!(matches!(&err, BlobError::Corrupt { path: p } if *p == path));
        assert!(err.to_string().contains("restore it from a backup"));

        store.put(&b"photo of the mural"[..]).await.unwrap();
        assert_eq!(
            store.get(&id).await.unwrap().as_deref(),
            Some(&b"photo of the mural"[..])
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_stores_of_the_same_bytes_agree() {
        let (_dir, store) = store();
        let bytes = vec![7u8; 256 * 1024];
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                let bytes = bytes.clone();
                tokio::spawn(async move { store.put(bytes).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), BlobId::of(&bytes));
        }
        assert_eq!(store.get(&BlobId::of(&bytes)).await.unwrap(), Some(bytes));
        assert_eq!(stored_files(&root(&store)).len(), 1);
        assert_eq!(temp_files(&root(&store)), 0);
    }

    #[test]
    fn opening_creates_the_folder_and_names_it_when_it_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        DirStore::open(&nested).unwrap();
        assert!(nested.join(TMP).is_dir());

        let not_a_folder = dir.path().join("file");
        fs::write(&not_a_folder, b"").unwrap();
        let err = DirStore::open(&not_a_folder).unwrap_err();
        assert!(matches!(err, BlobError::Folder { .. }));
        let message = err.to_string();
        assert!(
            message.contains(&not_a_folder.display().to_string()),
            "{message}"
        );
        assert!(message.contains("choose another folder"), "{message}");
    }

    #[test]
    fn opening_clears_temporary_files_left_by_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        DirStore::open(dir.path()).unwrap();
        let tmp = dir.path().join(TMP);
        let old = tmp.join("left-by-a-crash");
        let recent = tmp.join("being-written");
        fs::write(&old, b"half a file").unwrap();
        fs::write(&recent, b"half a file").unwrap();
        File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(SystemTime::now() - STALE_AFTER * 2)
            .unwrap();

        DirStore::open(dir.path()).unwrap();
        assert!(!old.exists());
        assert!(recent.exists(), "another server may still be writing it");
    }

    #[test]
    fn its_futures_can_be_awaited_in_handlers() {
        fn send<T: Send>(_: &T) {}
        let (_dir, store) = store();
        let id = BlobId::of(b"");
        send(&store.put(Vec::new()));
        send(&store.get(&id));
        send(&store.contains(&id));
        send(&store.delete(&id));
    }
}
