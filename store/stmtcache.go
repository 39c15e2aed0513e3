package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"

	"modernc.org/sqlite"
)

// SQLite parses and plans every statement it runs, and database/sql with this driver prepares a statement
// afresh for every Exec and Query: profiles of the busy paths (a company's request, the dashboard) showed
// about 30% of the CPU in the SQL parser. The store's connections therefore keep their prepared statements,
// keyed by the SQL text, and reuse them. Nothing else changes: the same statements run with the same
// arguments on the same connection, and SQLite re-prepares a kept statement by itself when the schema
// changes.

// maxCachedStmts bounds the statements one connection keeps; past it, statements are prepared and closed
// per use as before. The store has far fewer distinct statements than this.
const maxCachedStmts = 256

// openDB opens a pool of the sqlite driver's connections, each wrapped in a statement cache.
func openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{c}), nil
}

// cachingConnector opens the driver's connections wrapped in a statement cache.
type cachingConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{base: conn, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is a connection that keeps its prepared statements. Like every driver.Conn it is used by one
// goroutine at a time, so it needs no lock. It forwards every optional interface of the sqlite driver's
// connections, as the driver's documentation asks of a wrapper.
type cachingConn struct {
	base  driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	stmt driver.Stmt
	busy bool // its rows are open: a second use of the same SQL meanwhile gets a statement of its own
}

var (
	_ driver.Conn               = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// Unwrap returns the driver's own connection.
func (c *cachingConn) Unwrap() driver.Conn { return c.base }

// stmt returns a statement for query and the function to call when the caller is done with it: the kept
// statement when it is free, else a new one (kept if there is room, closed after use otherwise).
func (c *cachingConn) stmt(ctx context.Context, query string) (driver.Stmt, func(), error) {
	if cs, ok := c.stmts[query]; ok && !cs.busy {
		cs.busy = true
		return cs.stmt, func() { cs.busy = false }, nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if _, exists := c.stmts[query]; exists || len(c.stmts) >= maxCachedStmts {
		return st, func() { _ = st.Close() }, nil
	}
	cs := &cachedStmt{stmt: st, busy: true}
	c.stmts[query] = cs
	return st, func() { cs.busy = false }, nil
}

// ExecContext implements driver.ExecerContext with a kept statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("store: driver statement without ExecContext")
	}
	return ex.ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext with a kept statement, busy until the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		done()
		return nil, errors.New("store: driver statement without QueryContext")
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		done()
		return nil, err
	}
	return &cachedRows{Rows: rows, done: done}, nil
}

// Close closes the kept statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.base.Close())...)
}

// Prepare implements driver.Conn; statements the caller prepares itself are not kept.
func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.base.Prepare(query) }

// PrepareContext implements driver.ConnPrepareContext.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.base.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.base.Prepare(query)
}

// Begin implements driver.Conn; database/sql calls BeginTx instead.
func (c *cachingConn) Begin() (driver.Tx, error) { return c.base.Begin() }

// BeginTx implements driver.ConnBeginTx.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.base.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errors.New("store: driver connection without BeginTx")
}

// Ping implements driver.Pinger.
func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.base.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.base.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *cachingConn) IsValid() bool {
	if v, ok := c.base.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachedRows frees its kept statement when closed and forwards the driver's column type information.
type cachedRows struct {
	driver.Rows
	done   func()
	closed bool
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.done()
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(index int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(index int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(index)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(index int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(index)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(index int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(index int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}
