package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"portal"
	"portal/auth"
)

// cliActor is who the audit log names for operator commands: the system, acting for whoever holds the shell.
var cliActor = portal.System

// userCreate adds an account; the password is the first line of standard input, so it never shows in a
// process list or shell history.
func (env environment) userCreate(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("user create")
	finFlag := fs.String("fin", "", "personal identification number (7 characters)")
	name := fs.String("name", "", "full name")
	admin := fs.Bool("admin", false, "give the account the admin role")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	fin, err := portal.ParseFIN(*finFlag)
	if err != nil {
		return usageError{msg: "--fin: " + portal.ErrorMessage(err)}
	}
	if strings.TrimSpace(*name) == "" || len(*name) > 200 {
		return usageError{msg: "--name is required (at most 200 characters)"}
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPassword(password); err != nil {
		return fmt.Errorf("password: %s", portal.ErrorMessage(err))
	}
	s, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	hash, err := auth.NewHasher(1).Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	role := portal.RoleCitizen
	if *admin {
		role = portal.RoleAdmin
	}
	u, err := s.CreateUser(ctx, cliActor, portal.User{FIN: fin, Name: strings.TrimSpace(*name), Role: role}, hash)
	if err != nil {
		return fmt.Errorf("create user: %s", portal.ErrorMessage(err))
	}
	fmt.Fprintln(env.stdout, u.ID)
	return nil
}

// companyCreate registers a company; each --offer scope=purpose adds an offer on the citizen's consent,
// kept 365 days, asked once. The id is printed last.
func (env environment) companyCreate(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("company create")
	var in portal.CompanyInput
	fs.StringVar(&in.Name, "name", "", "company name")
	fs.StringVar(&in.VOEN, "voen", "", "tax number (10 digits)")
	fs.StringVar(&in.Sector, "sector", "other", "bank, insurance, telecom, employer, education, health, utility or other")
	fs.StringVar(&in.Description, "description", "", "what the company does")
	fs.StringVar(&in.Website, "website", "", "https:// address")
	fs.StringVar(&in.ContactEmail, "contact-email", "", "contact e-mail")
	var offerFlags multiFlag
	fs.Var(&offerFlags, "offer", "scope=purpose (repeatable)")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	c, problems := in.Validate()
	if len(problems) > 0 {
		var msgs []string
		for field := range problems {
			msgs = append(msgs, "--"+strings.ReplaceAll(field, "_", "-")+" is invalid")
		}
		return usageError{msg: strings.Join(msgs, "; ") + " (VÖEN: exactly 10 digits; name: 1-200 characters)"}
	}
	var offers []portal.Offer
	for _, of := range offerFlags {
		scope, purpose, ok := strings.Cut(of, "=")
		o := portal.Offer{Scope: portal.Scope(strings.TrimSpace(scope)), Purpose: strings.TrimSpace(purpose),
			LegalBasis: portal.BasisConsent, RetentionDays: 365, Frequency: portal.FrequencyOneOff}
		if !ok {
			return usageError{msg: fmt.Sprintf("--offer %q: want scope=purpose", of)}
		}
		if err := o.Validate(); err != nil {
			return usageError{msg: fmt.Sprintf("--offer %q: %s", of, portal.ErrorMessage(err))}
		}
		offers = append(offers, o)
	}
	s, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	created, err := s.CreateCompany(ctx, cliActor, c, offers)
	if err != nil {
		return fmt.Errorf("create company: %s", portal.ErrorMessage(err))
	}
	fmt.Fprintln(env.stdout, created.ID)
	return nil
}

// apikeyCreate creates a key for a company named by id or VÖEN and prints it once; only its hash is kept.
func (env environment) apikeyCreate(ctx context.Context, args []string) error {
	fs, dbPath := env.newFlagSet("apikey create")
	ref := fs.String("company", "", "company id or VÖEN")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	if *ref == "" {
		return usageError{msg: "--company is required"}
	}
	s, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	var c portal.Company
	if voen, verr := portal.ParseVOEN(*ref); verr == nil {
		c, err = s.CompanyByVOEN(ctx, voen)
	} else if id, perr := strconv.ParseInt(*ref, 10, 64); perr == nil {
		c, err = s.Company(ctx, id)
	} else {
		return usageError{msg: "--company must be a company id or a 10-digit VÖEN"}
	}
	if err != nil {
		return fmt.Errorf("find company %s: %s", *ref, portal.ErrorMessage(err))
	}
	key, prefix, hash, err := auth.GenerateAPIKey()
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if _, err := s.CreateAPIKey(ctx, cliActor, c.ID, prefix, hash); err != nil {
		return fmt.Errorf("store key: %s", portal.ErrorMessage(err))
	}
	fmt.Fprintf(env.stdout, "API key for %s (VÖEN %s), shown once:\n%s\n", c.Name, c.VOEN, key)
	return nil
}
