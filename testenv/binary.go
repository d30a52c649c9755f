package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// OrderflowBinary builds the project's own binary (cmd/orderflow) from the
// working tree, once per test binary, and returns its path: tests that must
// kill a worker as a crash would run `orderflow worker` as a process of its
// own. It goes to one folder per checkout under the system's temporary
// folder, overwritten by each build, so runs do not pile up binaries; the Go
// build cache makes a build after the first take seconds.
//
// ORDERFLOW_BIN names a binary built already (`make test` builds bin/orderflow
// first), so the build does not compete with the tests for the CPU.
func OrderflowBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ORDERFLOW_BIN"); p != "" {
		return p
	}
	binaryOnce.Do(func() { binaryPath, binaryErr = buildOrderflow() })
	if binaryErr != nil {
		t.Fatalf("build orderflow: %v", binaryErr)
	}
	return binaryPath
}

func buildOrderflow() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "orderflow-test-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "orderflow")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/orderflow")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/orderflow: %w\n%s", err, msg)
	}
	return out, nil
}
