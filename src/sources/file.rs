//! Saved answers on disk, read again whenever they change: BigPanDA's `/tasks/?json` and
//! `/jobs/?json`, for offline work and for tests.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use super::http::HttpError;

/// One saved file and what it looked like when last read.
#[derive(Debug)]
pub struct SavedFile {
    /// Names the file in errors: the source name and the path.
    pub label: String,
    pub path: PathBuf,
    seen: Mutex<Option<Stamp>>,
}

/// When a file was changed and how long it was: a file with the same stamp is not read again.
pub type Stamp = (SystemTime, u64);

impl SavedFile {
    pub fn new(source: &str, path: PathBuf) -> SavedFile {
        SavedFile {
            label: format!("{source} ({})", path.display()),
            path,
            seen: Mutex::new(None),
        }
    }

    /// The file's bytes when it changed since the last good read (or was never read), `None`
    /// when it is as it was. Reading happens on a blocking thread.
    pub async fn read_if_changed(&self) -> Result<Option<(Vec<u8>, Stamp)>, HttpError> {
        let path = self.path.clone();
        let label = self.label.clone();
        let fail = move |reason: String| HttpError::Setup {
            endpoint: label.clone(),
            reason,
        };
        let stamp = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || std::fs::metadata(&path))
                .await
                .map_err(|_| fail("reading the file failed".to_string()))?
                .map_err(|error| fail(format!("cannot read the file: {error}")))?
        };
        if !stamp.is_file() {
            return Err(fail("not a file".to_string()));
        }
        let seen = (
            stamp.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            stamp.len(),
        );
        if self.seen.lock().is_ok_and(|last| *last == Some(seen)) {
            return Ok(None);
        }
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
            .await
            .map_err(|_| fail("reading the file failed".to_string()))?
            .map_err(|error| fail(format!("cannot read the file: {error}")))?;
        Ok(Some((bytes, seen)))
    }

    /// Remembers the file as read, once its content was good: a bad file is read again at
    /// the next poll, and reported again until it is fixed.
    pub fn mark_read(&self, stamp: Stamp) {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(stamp);
        }
    }
}
