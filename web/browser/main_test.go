package browser_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// portal is the running binary every journey talks to.
var portal struct {
	url  string
	keys map[string]string // demo company name → API key, as printed on first seeding
	db   string
	skip string // why browser journeys cannot run here, if they cannot
}

// approvalWindow is short so that a journey can watch a request expire on an open page.
const approvalWindow = 12 * time.Second

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser journeys:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	if _, err := chromiumPath(); err != nil {
		if os.Getenv("CI") == "true" {
			return 0, fmt.Errorf("%w (CI=true: install Debian's chromium, as .ci/run does)", err)
		}
		portal.skip = err.Error() + "; install Debian's chromium to run the browser journeys"
		return m.Run(), nil
	}
	dir, err := os.MkdirTemp("", "portal-journeys-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "portal")
	build := exec.Command("go", "build", "-o", bin, "portal/cmd/portal")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("build portal: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	portal.db = filepath.Join(dir, "portal.db")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--demo-citizens", "40", "--dev", "--addr", addr, "--db", portal.db,
		"--approval-window", approvalWindow.String(), "--api-rate-limit", "1000")
	cmd.Env = append(os.Environ(), "PORTAL_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start portal: %w", err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	portal.url = "http://" + addr
	portal.keys = map[string]string{}
	var mu sync.Mutex
	keyLine := regexp.MustCompile(`^demo API key for (.+) \(VÖEN \d+\): (pk_\S+)$`)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := keyLine.FindStringSubmatch(sc.Text()); m != nil {
				mu.Lock()
				portal.keys[m[1]] = m[2]
				mu.Unlock()
			}
		}
	}()
	if err := waitReady(portal.url, 30*time.Second); err != nil {
		return 0, err
	}
	mu.Lock()
	n := len(portal.keys)
	mu.Unlock()
	if n == 0 {
		return 0, errors.New("the portal printed no demo API keys")
	}
	return m.Run(), nil
}

func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium is not installed")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("portal not ready at %s after %s", base, timeout)
}

// needBrowser skips the test when journeys cannot run on this machine (never in CI, which fails instead).
func needBrowser(t *testing.T) {
	t.Helper()
	if portal.skip != "" {
		t.Skip(portal.skip)
	}
}

func key(t *testing.T, company string) string {
	t.Helper()
	k := portal.keys[company]
	if k == "" {
		t.Fatalf("no demo key for %q (have %d)", company, len(portal.keys))
	}
	return k
}
