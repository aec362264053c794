package app

import (
	"io"

	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// The trial types the UIs and the CLI exchange with app. They are defined
// by marketplace/trials and ledger; app names them for its callers, which
// depend on app alone (DESIGN.md's layering).
type (
	StepInput      = trials.StepInput      // one step to record
	StepFilter     = trials.StepFilter     // which steps a timeline shows
	TrialEntry     = trials.Entry          // a recorded, signed step
	PreparedStep   = trials.Prepared       // an import row checked before it is recorded
	RecorderConfig = trials.RecorderConfig // how a recorder maps its input
	TrialExport    = trials.Export         // an audit trail as exported for auditors
	VerifyReport   = trials.Report         // what verification found
	AnchorReceipt  = ledger.AnchorReceipt  // a checkpoint anchored on chain
	TrialTeamState = trials.Team           // a trial's log replayed: staff, designs, queries, locks
	StaffChange    = trials.GrantChange    // an authorization or revocation, in log order
	TrialQuery     = trials.Query          // a data query and what became of it
)

// RecorderNames lists the built-in trial recorders.
func RecorderNames() []string { return trials.RecorderNames() }

// WriteTrialExport writes e as the JSON audit trail an auditor verifies.
func WriteTrialExport(w io.Writer, e *TrialExport) error { return trials.WriteExport(w, e) }

// WriteTrialCSV writes e's steps as a spreadsheet (the JSON export verifies).
func WriteTrialCSV(w io.Writer, e *TrialExport) error { return trials.WriteCSV(w, e) }

// ReadTrialExport reads a JSON audit trail.
func ReadTrialExport(r io.Reader) (*TrialExport, error) { return trials.ReadExport(r) }

// ReadTrialExportFile reads a JSON audit trail from a file.
func ReadTrialExportFile(path string) (*TrialExport, error) { return trials.ReadExportFile(path) }
