package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store/demo"
)

// viewport is a screen size every journey runs on.
type viewport struct {
	name string
	w, h int64
}

var viewports = []viewport{{"phone", 390, 844}, {"desktop", 1280, 900}}

// forEachViewport runs a journey once per viewport, each in a fresh browser.
func forEachViewport(t *testing.T, journey func(t *testing.T, b *tab)) {
	needBrowser(t)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, vp)
			journey(t, b)
			b.screenshot("last")
		})
	}
}

// tab is one browser tab, with the console messages it collected.
type tab struct {
	t    *testing.T
	vp   viewport
	ctx  context.Context
	mu   *sync.Mutex
	msgs *[]chromedp.ConsoleMessage
	// expected are URLs whose failed load the test itself provoked (an optional page's 404), which the
	// browser logs as a network error; checkConsole forgives exactly those.
	expected map[string]bool
}

// newBrowser starts a fresh headless Chromium (its own profile, so its own cookies). When the test ends it
// fails on any console error, uncaught exception or CSP violation the pages reported (journey 7).
func newBrowser(t *testing.T, vp viewport) *tab {
	t.Helper()
	path, _ := chromiumPath()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &tab{t: t, vp: vp, ctx: ctx, mu: &sync.Mutex{}, msgs: &[]chromedp.ConsoleMessage{}, expected: map[string]bool{}}
	b.listen()
	b.do(chromedp.EmulateViewport(vp.w, vp.h))
	t.Cleanup(b.checkConsole)
	return b
}

// newTab opens another tab of the same browser: it shares the cookies, as a second tab does.
func (b *tab) newTab() *tab {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	nt := &tab{t: b.t, vp: b.vp, ctx: ctx, mu: b.mu, msgs: b.msgs, expected: b.expected}
	nt.listen()
	nt.do(chromedp.EmulateViewport(b.vp.w, b.vp.h))
	return nt
}

func (b *tab) listen() {
	// Subscribing needs the target, which the first action creates.
	if err := chromedp.Do(b.ctx); err != nil {
		b.t.Fatalf("start browser: %v", err)
	}
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			*b.msgs = append(*b.msgs, m)
			b.mu.Unlock()
		}
	}()
}

func (b *tab) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range *b.msgs {
		bad := m.IsException() || m.Type == "error" || strings.Contains(m.Text, "Content Security Policy")
		if bad && m.Source == "network" && b.expected[m.URL] && !strings.Contains(m.Text, "Content Security Policy") {
			continue
		}
		if bad {
			b.t.Errorf("console (%s) %s %s:%d: %s", m.Type, m.Source, m.URL, m.Line, m.Text)
		}
	}
}

// expectFailedLoad forgives the console's network error for url, a failed load the test provokes.
func (b *tab) expectFailedLoad(url string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected[url] = true
}

// do runs browser actions and fails the test on the first error.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func run[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

func (b *tab) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(portal.url + path)) }

func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(sel)))
}

func (b *tab) location() string { b.t.Helper(); return run(b, chromedp.Location()) }

// waitFor evaluates a JavaScript condition until it holds, failing after the timeout with what it was
// waiting for. It survives navigations, during which evaluating fails for a moment.
func (b *tab) waitFor(what, js string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+js+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s (%s): timed out (last error: %v)", what, js, last)
}

// waitLoaded waits, like waitFor, for a page reached by a click to show what js checks and to have loaded
// whole: before the load event htmx may not have taken over the page's forms yet, and a click then submits
// one the old way, reloading the page (the fallback without JavaScript, not what a journey checks).
func (b *tab) waitLoaded(what, js string, timeout time.Duration) {
	b.t.Helper()
	b.waitFor(what, `document.readyState === "complete" && (`+js+`)`, timeout)
}

// login signs in through the login form, as a person types.
func (b *tab) login(fin, password string) {
	b.t.Helper()
	b.open("/login")
	b.do(
		chromedp.WaitVisible(`input[name="fin"]`),
		chromedp.SendKeys(`input[name="fin"]`, fin),
		chromedp.SendKeys(`input[name="password"]`, password),
		chromedp.Submit(`input[name="password"]`),
	)
	b.waitFor("the signed-in page", `!location.pathname.startsWith("/login") && document.readyState === "complete"`, 15*time.Second)
}

// screenshot saves the whole page under testoutput/ at the repository's root.
func (b *tab) screenshot(step string) {
	b.t.Helper()
	b.saveShot(step, chromedp.FullScreenshot(100))
}

// screenshotViewport saves what the screen shows, for a long page whose whole would be too large a picture.
func (b *tab) screenshotViewport(step string) {
	b.t.Helper()
	b.saveShot(step, chromedp.CaptureScreenshot())
}

func (b *tab) saveShot(step string, shot chromedp.Action[[]byte]) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	dir := filepath.Join("..", "..", "testoutput")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "-", " ", "_").Replace(b.t.Name()) + "-" + step + ".png"
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
	}
}

var citizenSeq atomic.Int64

// freshCitizen returns a generated demo citizen no other journey uses, so journeys do not see each other's
// requests.
func freshCitizen() (fin, password string) {
	return demo.GeneratedFIN(int(citizenSeq.Add(1))), demo.GeneratedPassword
}

// apiRequest makes a company API request and returns the decoded answer.
func apiRequest(t *testing.T, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, portal.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// pendingRequest has the demo bank ask about a citizen for scopes no consent covers, and returns the pending
// request's id.
func pendingRequest(t *testing.T, fin string, scopes ...string) string {
	t.Helper()
	list, _ := json.Marshal(scopes)
	status, r := apiRequest(t, key(t, bank), "POST", "/api/v1/requests",
		fmt.Sprintf(`{"citizen_fin":%q,"scopes":%s,"purpose":"Kredit limiti"}`, fin, list))
	id, _ := r["id"].(string)
	if status != http.StatusAccepted || id == "" {
		t.Fatalf("API: %d %v", status, r)
	}
	return id
}

// companyPath finds a company in the catalogue by its name and returns its page's path.
func (b *tab) companyPath(name string) string {
	b.t.Helper()
	b.open("/companies")
	path := run(b, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const a = [...document.querySelectorAll('[data-testid="company-link"]')].find(a => a.textContent.trim() === %q);
		return a ? a.getAttribute("href") : "";
	})()`, name)))
	if path == "" {
		b.t.Fatalf("%q is not in the catalogue", name)
	}
	return path
}

// grant gives consent to the scope on the open company page, choosing the validity as a person does, and
// waits for the offer's card to say it is active.
func (b *tab) grant(scope, validity string) {
	b.t.Helper()
	card := "#offer-" + scope
	b.do(
		chromedp.Click(fmt.Sprintf(`%s #grant-%s-%s`, card, scope, validity)),
		chromedp.Click(card+` [data-testid="grant-button"]`),
	)
	b.waitFor(scope+" consented", fmt.Sprintf(`document.querySelector('%s').dataset.state === "active"`, card), 10*time.Second)
}

// logout signs out with the header's button.
func (b *tab) logout() {
	b.t.Helper()
	b.do(chromedp.Click(`[data-testid="logout-form"] button`))
	b.waitFor("the login page", `location.pathname === "/login" && document.readyState === "complete"`, 10*time.Second)
}
