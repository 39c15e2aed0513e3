package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"portal/store/demo"
)

// tryCmd is a development aid: one closed-loop run against a URL path.
func tryCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("try", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9001", "server")
	method := fs.String("method", "GET", "method")
	path := fs.String("path", "/json", "path")
	body := fs.String("body", "", "body")
	conns := fs.Int("conns", 64, "connections")
	d := fs.Duration("d", 5*time.Second, "duration")
	pid := fs.Int("pid", 0, "server process, for CPU time per request")
	fins := fs.Int("fins", 0, "replace {FIN} in the body with generated citizen i mod fins")
	streams := fs.Int("streams", 0, "open this many idle event streams (with --logins) and hold them for -d instead")
	loginsFile := fs.String("logins", "", "logins JSON written by run (work/run/big.logins.json)")
	var headers multiFlag
	fs.Var(&headers, "H", "header")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *streams > 0 {
		js, err := os.ReadFile(*loginsFile)
		if err != nil {
			return err
		}
		var logins []Login
		if err := json.Unmarshal(js, &logins); err != nil {
			return err
		}
		var rss0 int64
		if *pid > 0 {
			rss0, _ = procRSS(*pid)
		}
		closers, err := openIdle(ctx, *addr, *streams, logins)
		if err != nil {
			return err
		}
		defer closeAll(closers)
		time.Sleep(2 * time.Second)
		if *pid > 0 {
			rss1, _ := procRSS(*pid)
			fmt.Fprintf(stdout, "%d streams: RSS %d -> %d MiB, %.1f KiB each\n", *streams, rss0>>20, rss1>>20, float64(rss1-rss0)/float64(*streams)/1024)
		}
		time.Sleep(*d)
		return nil
	}
	var b []byte
	if *body != "" {
		b = []byte(*body)
	}
	req := request(*method, *path, b, headers...)
	var cpu0 time.Duration
	if *pid > 0 {
		cpu0, _ = procCPU(*pid)
	}
	r := closedLoop(ctx, *addr, *conns, *d, func(h *hconn, _ int, i int64) bool {
		rq := req
		if *fins > 0 {
			rq = request(*method, *path, []byte(strings.ReplaceAll(*body, "{FIN}", demo.GeneratedFIN(int(i)%*fins))), headers...)
		}
		st, _, _, err := h.do(rq, false)
		return err == nil && st < 400
	})
	var perReq time.Duration
	if *pid > 0 {
		cpu1, _ := procCPU(*pid)
		perReq = (cpu1 - cpu0) / time.Duration(max(1, r.Requests))
	}
	fmt.Fprintf(stdout, "rate %.0f/s errors %d p50 %v p99 %v cpu/req %v\n", r.Rate, r.Errors, r.Latency.P50, r.Latency.P99, perReq)
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
