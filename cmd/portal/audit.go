package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"portal"
)

// errChainBroken marks a failed verification: exit 1 with the reason on standard error.
var errChainBroken = errors.New("audit chain broken")

// auditVerify recomputes the audit chain. --expect-head SEQ:HASH checks that a head noted earlier is still
// in the chain, so a truncated tail is caught too.
func (env environment) auditVerify(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("audit verify")
	expect := fs.String("expect-head", "", "SEQ:HASH of a head noted earlier, which must still be in the chain")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	var wantSeq int64
	var wantHash string
	if *expect != "" {
		seqText, hash, ok := strings.Cut(*expect, ":")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		if !ok || err != nil || seq < 1 || len(hash) != 64 {
			return usageError{msg: "--expect-head must be SEQ:HASH (a sequence number and a 64-hex-digit hash)"}
		}
		wantSeq, wantHash = seq, strings.ToLower(hash)
	}
	s, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	n, brk, err := s.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	if brk != nil {
		return fmt.Errorf("%w at sequence %d: %s (%d rows intact before it)", errChainBroken, brk.Seq, brk.Reason, n)
	}
	seq, hash, err := s.AuditHead(ctx)
	if err != nil {
		return err
	}
	if wantSeq > 0 {
		e, err := s.AuditEntry(ctx, wantSeq)
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return fmt.Errorf("%w: expected head %d is missing: the log was truncated to %d rows", errChainBroken, wantSeq, seq)
		}
		if err != nil {
			return err
		}
		if e.Hash != wantHash {
			return fmt.Errorf("%w at sequence %d: its hash differs from the head noted earlier (rewritten)", errChainBroken, wantSeq)
		}
	}
	fmt.Fprintf(env.stdout, "audit log intact: %d entries\nhead %d:%s\n", n, seq, hash)
	return nil
}

// backup writes a consistent copy of the live database to a new file, then proves the copy sound.
func (env environment) backup(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("backup")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{msg: "usage: portal backup [--db PATH] FILE"}
	}
	s, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Backup(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(env.stdout, "backup written and verified: %d audit entries\n%s\n", n, fs.Arg(0))
	return nil
}
