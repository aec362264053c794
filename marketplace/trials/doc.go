// Package trials keeps clinical trials' audit trails: a sponsor registers a
// trial by its protocol document's SHA-256 on chain (TrialRegistry), records
// each step of the trial as an entry signed with its key (EIP-191) in the
// trial's Merkle log (marketplace/ledger), anchors the log's checkpoints on
// chain, and exports the trail for auditors, who verify it offline.
//
// It owns the trial service (service.go), registration and amendment
// (register.go, registry.go: the TrialRegistry contract), the steps' path
// into the log (record.go, build.go, log_state.go), reading them back
// (steps.go), subjects' pseudonyms (subject.go), anchoring as the sponsor
// (anchoring.go, anchorer.go, registry_anchorer.go, sender.go), the
// recorders that turn forms, CSV and CDISC ODM into steps, and the export
// and its verification.
//
// It may import marketplace, marketplace/ledger, marketplace/contracts,
// marketplace/vault (to recover a step's signer) and anonymize; it must not
// import app, frontend, plugins or the CLI (the recorder plugins adapt to
// Recorder from outside). The ledger below it knows no contract: the
// TrialRegistry anchorer lives here.
//
// See README.md for the entry and export formats.
package trials
