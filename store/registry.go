package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"portal"
)

// ScopeInfo is a scope's name and description in one language.
type ScopeInfo struct {
	Scope       portal.Scope
	Name        string
	Description string
}

// ScopeCatalog returns every scope's name and description in the language (az, en or ru; az otherwise).
// The catalogue is read once per language and kept: only migrations write the scopes table, and they run
// in Open, before anything reads. Every page and event names scopes, so this saves a query on each. The
// caller must not change the returned slice.
func (s *Store) ScopeCatalog(ctx context.Context, lang string) ([]ScopeInfo, error) {
	switch lang {
	case "en", "ru":
	default:
		lang = "az"
	}
	if cat, ok := s.scopeCatalog.Load(lang); ok {
		return cat.([]ScopeInfo), nil
	}
	cat, err := s.readScopeCatalog(ctx, lang)
	if err != nil {
		return nil, err
	}
	s.scopeCatalog.Store(lang, cat)
	return cat, nil
}

func (s *Store) readScopeCatalog(ctx context.Context, lang string) ([]ScopeInfo, error) {
	// The column names come from the switch above, never from input.
	rows, err := s.r.QueryContext(ctx, "SELECT code, name_"+lang+", desc_"+lang+" FROM scopes ORDER BY position")
	if err != nil {
		return nil, fmt.Errorf("store: scope catalog: %w", err)
	}
	defer rows.Close()
	var out []ScopeInfo
	for rows.Next() {
		var si ScopeInfo
		var code string
		if err := rows.Scan(&code, &si.Name, &si.Description); err != nil {
			return nil, fmt.Errorf("store: scan scope: %w", err)
		}
		si.Scope = portal.Scope(code)
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: scope catalog: %w", err)
	}
	return out, nil
}

// Registry is the demo registry: citizens' data kept in the registry_data table. It implements
// portal.Registry.
type Registry struct{ s *Store }

// Registry returns the demo registry over this database.
func (s *Store) Registry() Registry { return Registry{s: s} }

// IsOwnRegistry reports whether r is this database's own registry, which CreateRequest can read inside
// the transaction that decides a request (NewRequest.RegistryInTx).
func (s *Store) IsOwnRegistry(r portal.Registry) bool {
	own, ok := r.(Registry)
	return ok && own.s == s
}

// Fetch implements portal.Registry.
func (r Registry) Fetch(ctx context.Context, fin string, scopes []portal.Scope) (map[portal.Scope]map[string]any, error) {
	return fetchRegistry(ctx, r.s.r, fin, scopes)
}

// fetchRegistry reads the registry through a reader or inside a write transaction.
func fetchRegistry(ctx context.Context, q queryer, fin string, scopes []portal.Scope) (map[portal.Scope]map[string]any, error) {
	out := make(map[portal.Scope]map[string]any, len(scopes))
	if len(scopes) == 0 {
		return out, nil
	}
	args := []any{fin}
	marks := make([]string, len(scopes))
	for i, sc := range scopes {
		out[sc] = map[string]any{}
		args = append(args, string(sc))
		marks[i] = "?"
	}
	rows, err := q.QueryContext(ctx, "SELECT scope, data FROM registry_data WHERE fin = ? AND scope IN ("+strings.Join(marks, ", ")+")", args...)
	if err != nil {
		return nil, fmt.Errorf("store: registry fetch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var scope, data string
		if err := rows.Scan(&scope, &data); err != nil {
			return nil, fmt.Errorf("store: registry scan: %w", err)
		}
		fields := map[string]any{}
		if err := json.Unmarshal([]byte(data), &fields); err != nil {
			return nil, fmt.Errorf("store: registry decode %s: %w", scope, err)
		}
		// Only the scope's published fields leave the registry (P6), whatever else a row holds.
		kept := map[string]any{}
		for _, f := range portal.Scope(scope).Fields() {
			if v, ok := fields[f]; ok {
				kept[f] = v
			}
		}
		out[portal.Scope(scope)] = kept
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: registry fetch: %w", err)
	}
	return out, nil
}

// PutRegistryData sets a citizen's data for several scopes in one write; demo seeding uses it.
func (s *Store) PutRegistryData(ctx context.Context, fin string, data map[portal.Scope]map[string]any) error {
	return s.write(ctx, func(tx *sql.Tx) error { return putRegistryData(tx, fin, data) })
}

func putRegistryData(tx *sql.Tx, fin string, data map[portal.Scope]map[string]any) error {
	for sc, fields := range data {
		b, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("store: registry encode %s: %w", sc, err)
		}
		if _, err := tx.Exec("INSERT INTO registry_data (fin, scope, data) VALUES (?, ?, ?) ON CONFLICT (fin, scope) DO UPDATE SET data = excluded.data",
			fin, string(sc), string(b)); err != nil {
			return fmt.Errorf("store: registry put %s: %w", sc, err)
		}
	}
	return nil
}
