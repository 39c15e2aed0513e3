package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal"
	"portal/auth"
	"portal/store"
	"portal/store/storetest"
	"portal/web"
)

// testEnv is a real portal: a migrated SQLite file, the real Echo server behind TLS (so __Host- cookies
// work as in production) and a fake clock.
type testEnv struct {
	t      testing.TB
	store  *store.Store
	clock  *portal.FakeClock
	server *web.Server
	http   *httptest.Server
}

var (
	hasher     = auth.NewHasher(4)
	hashOnce   sync.Once
	passwordPH string
)

const testPassword = "correct horse battery"

// passwordHash hashes testPassword once per test binary: argon2id is deliberately slow.
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		var err error
		if passwordPH, err = hasher.Hash(context.Background(), testPassword); err != nil {
			t.Fatalf("hash: %v", err)
		}
	})
	return passwordPH
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	s, clock := storetest.New(t)
	srv, err := web.New(web.Options{Store: s, Clock: clock, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv)
	t.Cleanup(hs.Close)
	return &testEnv{t: t, store: s, clock: clock, server: srv, http: hs}
}

func (e *testEnv) user(fin, name string, role portal.Role) portal.User {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), portal.System, portal.User{FIN: fin, Name: name, Role: role}, passwordHash(e.t))
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// browser is a client with its own cookie jar that does not follow redirects, so tests see them.
type browser struct {
	e *testEnv
	c *http.Client
}

func (e *testEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := *e.http.Client() // a copy: the server's client is shared, and each browser needs its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{e: e, c: &c}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, *goquery.Document) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.http.URL+path, nil)
	resp, body := b.do(req)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp, doc
}

// csrf returns the token of the page at path, as a browser would find it in the form.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	_, doc := b.get(path)
	tok, ok := doc.Find(`meta[name="csrf-token"]`).Attr("content")
	if !ok || tok == "" {
		h, _ := doc.Html()
		b.e.t.Fatalf("no csrf-token meta on %s: %.300s", path, h)
	}
	return tok
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in through the real form and fails the test unless it succeeded.
func (b *browser) login(fin, password string) {
	b.e.t.Helper()
	tok := b.csrf("/login")
	resp, body := b.post("/login", url.Values{"fin": {fin}, "password": {password}, "_csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: status %d, body %.300s", fin, resp.StatusCode, body)
	}
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.http.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}
