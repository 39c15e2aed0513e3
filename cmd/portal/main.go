// Command portal runs the citizen consent portal and its operator commands:
//
//	portal serve            start the web server
//	portal user create      add a citizen or admin account (password on standard input)
//	portal company create   register a company with offers (prints its id)
//	portal apikey create    create a company API key (prints it once)
//	portal audit verify     check the audit log's hash chain
//	portal backup FILE      write a consistent copy of the live database
//
// Every subcommand takes --db (or PORTAL_DB) and works while a server runs on the same database. Output
// meant for scripts is the last line of standard output; errors go to standard error with a non-zero exit.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if !errors.As(err, &ue) || ue.msg != "" {
			fmt.Fprintln(os.Stderr, "portal:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

const usage = `usage: portal <command> [flags]

commands:
  serve                    start the portal (see portal serve --help)
  user create              add an account: --fin F --name N [--admin]; password on standard input
  company create           register a company: --name N --voen V [--sector S] [--offer scope=purpose]...
  apikey create            create an API key: --company ID-or-VOEN (printed once)
  audit verify             verify the audit log: [--expect-head SEQ:HASH]
  backup FILE              write a consistent copy of the database to FILE

every command takes --db PATH (env PORTAL_DB, default data/portal.db)`

// run is the whole program, with its environment passed in so that tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprintln(stderr, usage)
		return usageError{}
	}
	cmd, rest := args[1], args[2:]
	sub := ""
	if len(rest) > 0 && (cmd == "user" || cmd == "company" || cmd == "apikey" || cmd == "audit") {
		sub, rest = rest[0], rest[1:]
	}
	env := environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch cmd + " " + sub {
	case "serve ":
		return env.serve(ctx, rest)
	case "user create":
		return env.userCreate(ctx, rest)
	case "company create":
		return env.companyCreate(ctx, rest)
	case "apikey create":
		return env.apikeyCreate(ctx, rest)
	case "audit verify":
		return env.auditVerify(ctx, rest)
	case "backup ":
		return env.backup(ctx, rest)
	case "help ", "-h ", "--help ":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{msg: fmt.Sprintf("unknown command %q", (cmd + " " + sub))}
}

// environment is what a subcommand may touch of the outside world.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}
