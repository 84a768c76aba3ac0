// Package store owns the on-disk copy of zone versions: the current version
// of each zone as a master file, the journal of differences beside it, small
// metadata (timers), and rejected versions kept for inspection. Every file is
// written crash-safely (temp file, fsync, rename, fsync of the directory), so
// after a crash each file is either the old or the new one, never a mix, and
// a restarted process serves at once without transferring again.
//
// It must never decide what to store (callers do), and never leave a partly
// written file under a final name.
package store
