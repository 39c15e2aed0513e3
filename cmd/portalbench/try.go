package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
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
	var headers multiFlag
	fs.Var(&headers, "H", "header")
	if err := fs.Parse(args); err != nil {
		return err
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
	r := closedLoop(ctx, *addr, *conns, *d, func(h *hconn, _ int, _ int64) bool {
		st, _, _, err := h.do(req, false)
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
