// Command misbehave is a test plugin that fails in the way its file name
// says: panic, exit, hang, rows (drops a row), big (answers with an
// oversized message), env (reports its environment), ok (copies its input),
// badplan (plans fewer columns than it is shown), plancols (plans to
// transform every column, then answers with one column more).
// panic and exit fail only on tables with a column named "boom", so tests
// can see the host restart them.
package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/sdk"
)

type misbehave struct{ mode string }

func (m *misbehave) Describe() anonymize.Descriptor {
	return anonymize.Descriptor{Name: "misbehave-" + m.mode, Version: "0.0.1", Scope: anonymize.ScopeRow}
}

func (m *misbehave) Apply(ctx context.Context, t *anonymize.Table) (*anonymize.Table, error) {
	boom := t.Column("boom") != nil
	switch m.mode {
	case "panic":
		if boom {
			panic("boom: the plugin fell over")
		}
	case "exit":
		if boom {
			os.Exit(3)
		}
	case "hang":
		select {}
	case "rows":
		return t.Slice(0, max(t.NumRows()-1, 0)), nil
	case "big":
		big := strings.Repeat("x", 4<<20)
		vals := make([]string, t.NumRows())
		for i := range vals {
			vals[i] = big
		}
		return t.WithColumns(append(t.Columns, anonymize.NewColumn("big", anonymize.TypeString, anonymize.RoleInsensitive, vals))), nil
	case "env":
		vals := make([]string, t.NumRows())
		for i := range vals {
			vals[i] = strings.Join(os.Environ(), "\n")
		}
		return t.WithColumns([]*anonymize.Column{anonymize.NewColumn("env", anonymize.TypeString, anonymize.RoleInsensitive, vals)}), nil
	}
	return t, nil
}

// planner is misbehave that plans its columns (anonymize.ColumnPlanner).
type planner struct{ misbehave }

func (p *planner) PlanColumns(cols []anonymize.ColumnSample) ([]anonymize.ColumnAction, anonymize.Transform, error) {
	acts := make([]anonymize.ColumnAction, len(cols))
	if p.mode == "badplan" {
		return acts[:len(acts)-1], &p.misbehave, nil
	}
	return acts, extra{}, nil
}

// extra adds a column.
type extra struct{}

func (extra) Describe() anonymize.Descriptor {
	return anonymize.Descriptor{Name: "extra", Version: "0.0.1", Scope: anonymize.ScopeRow}
}

func (extra) Apply(ctx context.Context, t *anonymize.Table) (*anonymize.Table, error) {
	return t.WithColumns(append(t.Columns, anonymize.NewColumn("extra", anonymize.TypeString, anonymize.RoleInsensitive, make([]string, t.NumRows())))), nil
}

func main() {
	m := misbehave{mode: filepath.Base(os.Args[0])}
	if m.mode == "badplan" || m.mode == "plancols" {
		sdk.ServeAnonymizer(&planner{m})
	}
	sdk.ServeAnonymizer(&m)
}
