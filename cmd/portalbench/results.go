package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Figure is one reported figure with its baseline from the same run.
type Figure struct {
	Scenario      string    `json:"scenario"`
	Value         float64   `json:"value"`
	Unit          string    `json:"unit"`
	Baseline      string    `json:"baseline,omitempty"`
	BaselineValue float64   `json:"baseline_value,omitempty"`
	Ratio         float64   `json:"ratio,omitempty"`
	Goal          string    `json:"goal,omitempty"`
	Met           *bool     `json:"met,omitempty"`
	Runs          []float64 `json:"runs,omitempty"`
	CPU           float64   `json:"server_cpu_us_per_request,omitempty"`
	Errors        int       `json:"errors"`
	Note          string    `json:"note,omitempty"`
	Skipped       bool      `json:"skipped,omitempty"`

	// Paired, when set, is the ratio to report instead of Value / BaselineValue: the median of the rounds'
	// own ratios, for a figure measured back to back with its baseline on the same server.
	Paired float64 `json:"-"`

	Min      float64 `json:"-"` // goal: Ratio >= Min
	Max      float64 `json:"-"` // goal: Value <= Max
	MaxRatio float64 `json:"-"` // goal: Ratio <= MaxRatio
}

// Results is everything one run measured.
type Results struct {
	Started    time.Time          `json:"started"`
	Elapsed    string             `json:"elapsed"`
	SeedTime   string             `json:"seed_time,omitempty"`
	Machine    Machine            `json:"machine"`
	Commit     string             `json:"commit"`
	GoVersion  string             `json:"go_version"`
	Pragmas    string             `json:"sqlite_pragmas"`
	Options    Options            `json:"options"`
	Figures    []Figure           `json:"figures"`
	Throughput map[string][]Run   `json:"throughput_runs"`
	HalfRate   map[string][]Run   `json:"half_rate_runs"`
	Events     map[string][]Run   `json:"event_runs"`
	LongPoll   []Run              `json:"long_poll_runs"`
	Idle       map[string][]Run   `json:"idle_runs"`
	IdleMemory map[string]float64 `json:"idle_memory"`
	Growth     map[string][]Run   `json:"growth_runs"`

	maxFull, maxB4, b4p99At500 float64
}

// Machine describes where the run ran.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryGB int    `json:"memory_gb"`
	Kernel   string `json:"kernel"`
	Load     string `json:"load_average_at_start"`
}

func (r *Results) add(f Figure) {
	if f.BaselineValue != 0 {
		f.Ratio = ratio(f.Value, f.BaselineValue)
	}
	if f.Paired != 0 {
		f.Ratio = f.Paired
	}
	if !f.Skipped {
		met, judged := true, false
		if f.Min > 0 {
			met, judged = met && f.Ratio >= f.Min, true
		}
		if f.Max > 0 {
			met, judged = met && f.Value <= f.Max, true
		}
		if f.MaxRatio > 0 {
			met, judged = met && f.Ratio <= f.MaxRatio, true
		}
		if judged {
			f.Met = &met
		}
	}
	r.Figures = append(r.Figures, f)
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cores := 0
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				switch strings.TrimSpace(k) {
				case "model name":
					m.CPU = strings.TrimSpace(v)
				case "processor":
					cores++
				}
			}
		}
		m.Cores = cores
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		m.MemoryGB = int((kb + 512<<10) >> 20)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return m
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}

func fmtValue(v float64, unit string) string {
	switch {
	case unit == "req/s":
		return fmt.Sprintf("%.0f %s", v, unit)
	default:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}

// tableOf renders the figures as a Markdown table.
func tableOf(figs []Figure) string {
	var b strings.Builder
	b.WriteString("| scenario | figure | baseline (same run) | ratio | goal | met | runs | server CPU / request | errors | note |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, f := range figs {
		if f.Skipped {
			fmt.Fprintf(&b, "| %s | — | — | — | %s | skipped | — | — | — | %s |\n", f.Scenario, f.Goal, f.Note)
			continue
		}
		base, rat := "—", "—"
		if f.Baseline != "" {
			base = f.Baseline + ": " + fmtValue(f.BaselineValue, f.Unit)
			rat = fmt.Sprintf("%.2f x", f.Ratio)
		}
		met := "—"
		if f.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*f.Met]
		}
		goal := f.Goal
		if goal == "" {
			goal = "—"
		}
		runs := make([]string, len(f.Runs))
		for i, r := range f.Runs {
			if f.Unit == "req/s" {
				runs[i] = fmt.Sprintf("%.0f", r)
			} else {
				runs[i] = fmt.Sprintf("%.1f", r)
			}
		}
		cpu := "—"
		if f.CPU > 0 {
			cpu = fmt.Sprintf("%.0f µs", f.CPU)
		}
		note := f.Note
		if note == "" {
			note = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", f.Scenario, fmtValue(f.Value, f.Unit), base, rat, goal, met,
			strings.Join(runs, ", "), cpu, f.Errors, note)
	}
	return b.String()
}

func (r *Results) markdown() string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (`cmd/portalbench run`); do not edit by hand. How it measures: README, section Benchmarks.\n\n")
	fmt.Fprintf(&b, "| | |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| run | %s, took %s (seeding %s) |\n", r.Started.Format(time.RFC3339), r.Elapsed, orDash(r.SeedTime))
	fmt.Fprintf(&b, "| machine | %s, %d cores, %d GB, Linux %s; load average at start %s (shared machine: other work runs on the same cores) |\n",
		r.Machine.CPU, r.Machine.Cores, r.Machine.MemoryGB, r.Machine.Kernel, r.Machine.Load)
	fmt.Fprintf(&b, "| commit | %s |\n| Go | %s |\n", r.Commit, r.GoVersion)
	fmt.Fprintf(&b, "| SQLite pragmas | %s (modernc.org/sqlite); portal and B4 alike: WAL, synchronous=FULL, one writer connection |\n", r.Pragmas)
	fmt.Fprintf(&b, "| servers | each pinned to CPU %s (`taskset`) with GOMAXPROCS=1; load generator on the other CPU |\n", r.Options.ServerCPU)
	fmt.Fprintf(&b, "| database | %d generated citizens; %d past requests (and their notifications), and %d for the small database of the growth scenario |\n",
		r.Options.Citizens, r.Options.Requests, r.Options.Small)
	fmt.Fprintf(&b, "| runs | warm-up %s, then %d interleaved rounds of %s per scenario; the median run is reported |\n\n", r.Options.Warmup, r.Options.Rounds, r.Options.Duration)
	b.WriteString("## Figures\n\n")
	b.WriteString(tableOf(r.Figures))
	b.WriteString("\n“runs” lists each round's figure; “server CPU / request” is the server process's CPU time (user + system, from /proc) divided by the requests of the run, which the other work on the machine hardly disturbs.\n")
	if m := r.IdleMemory; m != nil {
		fmt.Fprintf(&b, "\nIdle event streams: server RSS %.0f → %.0f MiB; goroutines %.0f → %.0f; Go heap in use %.1f → %.1f MiB; goroutine stacks %.1f → %.1f MiB. B1 (a bare Echo server) holds an idle keep-alive connection in %.1f KiB.\n",
			m["rss_before"]/(1<<20), m["rss_after"]/(1<<20), m["goroutines_before"], m["goroutines_after"],
			m["heap_inuse_before"]/(1<<20), m["heap_inuse_after"]/(1<<20), m["stack_inuse_before"]/(1<<20), m["stack_inuse_after"]/(1<<20), m["b1_kib_per_conn"])
	}
	b.WriteString("\nEvery run's numbers are in `bench/results.json`.\n")
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "reused templates"
	}
	return s
}
