package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a process the bench started: the portal or a baseline.
type server struct {
	name  string
	addr  string
	pprof string // the profiler's address, when the server has one
	cmd   *exec.Cmd
	log   *os.File
}

// pid is the server's process id (taskset execs the program, so it is the server's own).
func (s *server) pid() int { return s.cmd.Process.Pid }

// startServer runs bin with args pinned to the CPUs in cpus (taskset) with GOMAXPROCS set, logs to
// dir/name.log, and waits until addr accepts connections.
func startServer(ctx context.Context, dir, name, addr, cpus string, procs int, env []string, bin string, args ...string) (*server, error) {
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
	cmd.Env = append(append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs)), env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, addr: addr, cmd: cmd, log: log}
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("%s did not listen on %s: %v (see %s)", name, addr, err, log.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop asks the server to shut down gracefully and kills it after 20 seconds.
func (s *server) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

// runSelf runs another subcommand of this program on the given CPUs and returns its output.
func runSelf(ctx context.Context, cpus string, stdout io.Writer, args ...string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", cpus, self}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("portalbench %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// copyFile copies a database file (after its writer closed, so it holds everything).
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
