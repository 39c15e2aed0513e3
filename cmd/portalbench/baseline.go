package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	_ "modernc.org/sqlite" // the portal's driver
)

// The baselines are tiny servers of the tool itself, run as separate processes pinned like the portal, so
// that every figure of the portal is read against what the same machine does with no portal logic at all.

// baselineB1 handles `portalbench baseline-b1`: a bare Echo JSON handler, GET /json.
func baselineB1(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("baseline-b1", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9001", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	type answer struct {
		Status string `json:"status"`
		Time   string `json:"time"`
	}
	e.GET("/json", func(c echo.Context) error {
		return c.JSON(http.StatusOK, answer{Status: "ok", Time: time.Now().UTC().Format(time.RFC3339)})
	})
	return serveUntil(ctx, *addr, e)
}

// B4Pragmas are the portal's writer pragmas (store.Open), which B4 copies.
var B4Pragmas = []string{"busy_timeout(5000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"}

// baselineB4 handles `portalbench baseline-b4`: a bare Echo handler that decodes a small JSON body and makes
// one durable single-row insert per request, POST /insert, with the portal's driver and pragmas and one
// writer connection, each insert its own transaction (no batching).
func baselineB4(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("baseline-b4", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9004", "listen address")
	path := fs.String("db", "", "database file (created)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := url.Values{}
	for _, p := range B4Pragmas {
		q.Add("_pragma", p)
	}
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+*path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS requests (
		id INTEGER PRIMARY KEY, citizen_fin TEXT NOT NULL, scopes TEXT NOT NULL, purpose TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT`); err != nil {
		return err
	}
	type body struct {
		CitizenFIN string   `json:"citizen_fin"`
		Scopes     []string `json:"scopes"`
		Purpose    string   `json:"purpose"`
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/insert", func(c echo.Context) error {
		var b body
		if err := c.Bind(&b); err != nil {
			return err
		}
		scopes := ""
		for i, s := range b.Scopes {
			if i > 0 {
				scopes += " "
			}
			scopes += s
		}
		res, err := db.ExecContext(c.Request().Context(), "INSERT INTO requests (citizen_fin, scopes, purpose, created_at) VALUES (?, ?, ?, ?)",
			b.CitizenFIN, scopes, b.Purpose, time.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		id, _ := res.LastInsertId()
		return c.JSON(http.StatusOK, map[string]int64{"id": id})
	})
	return serveUntil(ctx, *addr, e)
}

func serveUntil(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
