//! How the server keeps its memory within the 200 MB it is given on the national catalog
//! (bench/run.sh measures it). Both calls are glibc's; elsewhere they do nothing.
//!
//! glibc gives each thread that allocates an arena of its own, up to eight per core, and
//! keeps what is freed in the arena that freed it. The server's threads (tokio's workers,
//! the blocking threads that build the search index, one per SQLite connection) each held
//! tens of megabytes that way: the peak was 208 MB with glibc's default, 184 MB with one
//! arena per core (but the software page's p99 rose from 8 to 10 ms: threads waited on each
//! other's arena), and 193 MB with two per core, the p99 back at 8 ms (bench/run.sh
//! --no-postgres, 2026-12-04).

/// Limits glibc to two arenas per core. Called first thing, before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = 2 * std::thread::available_parallelism().map_or(2, |n| n.get());
        // SAFETY: mallopt only changes a setting of the allocator, before other threads run.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas as libc::c_int);
        }
    }
}

/// Returns to the system the memory a large piece of work (building an index) freed.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own arenas.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The process's resident memory, from the `VmRSS` line of `/proc/self/status`; `None`
/// where there is no such file.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}
