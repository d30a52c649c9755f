package config

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"unicode"
)

// maxBuildIDLength is the longest build ID Temporal takes.
const maxBuildIDLength = 255

// BuildID names the build of this binary, WORKER_BUILD_ID's default: the
// version control revision it was built from (when `go build` stamped it and
// the tree had no uncommitted changes), else the module version it was
// installed at (`go install …@v1.2.3`), else a digest of the executable
// itself. So the same build always has the same ID, and two builds whose
// workflow code may differ never share one. It is computed once.
func BuildID() string { return buildID() }

var buildID = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if ok {
		if id := buildIDFromInfo(info); id != "" {
			return id
		}
	}
	return executableDigest()
})

// buildIDFromInfo is the revision or the module version the binary was built
// from, or "" when it does not say (a build without VCS stamping, a test
// binary, a tree with uncommitted changes).
func buildIDFromInfo(info *debug.BuildInfo) string {
	var revision string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" && !modified {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		return revision
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && !modified {
		return v
	}
	return ""
}

// executableDigest is "exe-" and the start of the SHA-256 of the running
// executable, or "" when it cannot be read (WORKER_BUILD_ID must say then).
func executableDigest() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "exe-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// printable tells whether s is all printable characters, none a space.
func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
