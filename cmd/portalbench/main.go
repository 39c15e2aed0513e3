// Command portalbench measures the portal against baselines in the same run. `make bench` runs it.
//
//	portalbench run            seed, start the servers pinned to core 0, run every scenario, write the report
//	portalbench seed           seed a template database (used by run)
//	portalbench baseline-b1    B1: a bare Echo JSON handler
//	portalbench baseline-b4    B4: a bare Echo handler doing one durable single-row insert per request
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "portalbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: portalbench run|seed|baseline-b1|baseline-b4 [flags]")
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout)
	case "seed":
		return seedCmd(ctx, args[1:], stdout)
	case "baseline-b1":
		return baselineB1(ctx, args[1:])
	case "baseline-b4":
		return baselineB4(ctx, args[1:])
	case "try":
		return tryCmd(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
