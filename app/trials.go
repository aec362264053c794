package app

import (
	"context"
	"io"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// trialService is an App's trial service, opened on first use.
type trialService struct {
	once sync.Once
	svc  *trials.Service
	err  error
}

// trials returns the App's trial service, opening it on first use: the logs
// live in the node's store, the log key and the pseudonym secret in
// <data dir>/ledger, and trials are registered with the deployment's
// TrialRegistry.
func (a *App) trialService() (*trials.Service, error) {
	ts := &a.trials
	ts.once.Do(func() {
		cfg := trials.Config{DB: a.store.DB(), KeyDir: filepath.Join(a.dataDir, "ledger"), Chain: a.chain,
			Sender: queuedSender{a.chain}, ChainID: a.chainID, Now: a.now, Logger: a.log}
		if a.deployment != nil {
			cfg.Registry = a.deployment.Contracts[RegistryContract]
			cfg.FromBlock = a.deployment.DeployBlock
		}
		ts.svc, ts.err = trials.New(cfg)
	})
	return ts.svc, ts.err
}

// withSponsor unlocks the key of who (ByAccount or BySessionSigning for
// this one action, or a signed-in session's) for f: the sponsor's, or a
// staff member's. A key unlocked for the action is locked afterwards,
// unless scheduled anchoring keeps it unlocked for a while to anchor what f
// recorded; a session's key stays available to scheduled anchoring until
// the session ends (see RunTrialAnchoring).
func (a *App) withSponsor(ctx context.Context, who Actor, f func(svc *trials.Service, s *vault.Signer) error) error {
	svc, err := a.trialService()
	if err != nil {
		return err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return err
	}
	if who.token != "" {
		// A signed-in sponsor's trials are anchored on schedule while the
		// session lasts; the session ends the hold.
		if held, err := a.sessionSigner(ctx, who.token); err == nil {
			a.signers.holdOnce(sessionID(who.token), func() func() { return svc.Hold(held) })
		}
	}
	err = f(svc, sg)
	if who.name == "" || !svc.Keep(sg) { // a session keeps its own key
		release()
	}
	return err
}

// findTrial resolves a trial given by id or identifier.
func (a *App) findTrial(ctx context.Context, ref string) (*trials.Service, marketplace.Trial, error) {
	svc, err := a.trialService()
	if err != nil {
		return nil, marketplace.Trial{}, err
	}
	t, err := svc.FindTrial(ctx, ref)
	return svc, t, err
}

// RegisterTrial registers a trial sponsored by c's account: the SHA-256 of
// the protocol document is written on chain (TrialRegistry.register) and the
// trial's log starts with its registration. The document itself stays here.
func (a *App) RegisterTrial(ctx context.Context, who Actor, title, identifier, protocolName string, protocol io.Reader) (marketplace.Trial, error) {
	var t marketplace.Trial
	err := a.withSponsor(ctx, who, func(svc *trials.Service, s *vault.Signer) error {
		var err error
		t, err = svc.Register(ctx, s, title, identifier, trials.Protocol{Name: protocolName, Body: protocol})
		return err
	})
	return t, err
}

// AmendTrial registers a new protocol version of trial ref (id or
// identifier) on chain and records the amendment in its log.
func (a *App) AmendTrial(ctx context.Context, who Actor, ref, protocolName string, protocol io.Reader) (marketplace.ProtocolVersion, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if err != nil {
		return marketplace.ProtocolVersion{}, err
	}
	var p marketplace.ProtocolVersion
	err = a.withSponsor(ctx, who, func(_ *trials.Service, s *vault.Signer) error {
		p, err = svc.Amend(ctx, s, t.ID, trials.Protocol{Name: protocolName, Body: protocol})
		return err
	})
	return p, err
}

// RecordTrialSteps signs inputs as who (the sponsor or a member of the
// trial's team) and appends them to trial ref's log, all or none; a
// refused input refuses the batch with trials.InputErrors naming each. A
// session signs only with its passphrase typed again (BySessionSigning):
// 21 CFR 11.200 asks for it at each signing.
func (a *App) RecordTrialSteps(ctx context.Context, who Actor, ref string, inputs []trials.StepInput) ([]trials.Entry, error) {
	if who.token != "" && who.pass == "" {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Type your passphrase to sign: each signature needs it (21 CFR 11.200).")
	}
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		return a.RecordRemoteTrialSteps(ctx, who, rt.ID.Hex(), inputs)
	} else if err != nil {
		return nil, err
	}
	var es []trials.Entry
	err = a.withSponsor(ctx, who, func(_ *trials.Service, s *vault.Signer) error {
		es, err = svc.Record(ctx, s, t.ID, inputs)
		return err
	})
	return es, err
}

// ParseTrialImport reads a source file with the named recorder: a built-in
// (form, csv, odm) or a trusted third-party recorder plugin, run by a plugin
// host of the App (pinned by SHA-256, isolated, under deadlines). It
// appends nothing.
func (a *App) ParseTrialImport(ctx context.Context, recorder string, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	if rec, err := trials.LookupRecorder(recorder); err == nil {
		return rec.Parse(ctx, r, cfg)
	}
	rec, err := trials.FindRecorder(recorder, pluginRecorders{a.plugins})
	if err != nil {
		return nil, engineError("Recorder "+recorder, err)
	}
	ins, err := rec.Parse(ctx, r, cfg)
	if err != nil {
		return nil, engineError("Recorder "+recorder, err)
	}
	return ins, nil
}

// TrialRecorderNames lists the recorders an import may name: the built-ins
// and the trusted recorder plugins.
func (a *App) TrialRecorderNames() []string {
	names := trials.RecorderNames()
	more, err := a.plugins.TrustedRecorderNames()
	if err != nil {
		return names
	}
	names = append(names, more...)
	sort.Strings(names)
	return names
}

// PreviewTrialSteps shows how inputs would be recorded in trial ref as c's
// account, with each one's problem, without signing or appending.
func (a *App) PreviewTrialSteps(ctx context.Context, as, ref string, inputs []trials.StepInput) ([]trials.Prepared, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if err != nil {
		return nil, err
	}
	who := t.Sponsor
	if as != "" {
		acct, err := a.keys.Get(as)
		if err != nil {
			return nil, err
		}
		who = acct.Address
	}
	return svc.Prepare(ctx, who, t.ID, inputs)
}

// ImportTrialSteps parses a source file, maps it onto the trial's study
// design (ParseTrialImportFor) and records all its steps, or none when any
// is malformed or refused.
func (a *App) ImportTrialSteps(ctx context.Context, who Actor, ref, recorder string, r io.Reader, cfg trials.RecorderConfig) ([]trials.Entry, error) {
	inputs, err := a.ParseTrialImportFor(ctx, ref, recorder, r, cfg)
	if err != nil {
		return nil, err
	}
	return a.RecordTrialSteps(ctx, who, ref, inputs)
}

// AnchorTrial anchors trial ref's log on chain now, as its sponsor: one
// transaction for every entry since the last anchor.
func (a *App) AnchorTrial(ctx context.Context, who Actor, ref string) (ledger.AnchorReceipt, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	var rec ledger.AnchorReceipt
	err = a.withSponsor(ctx, who, func(_ *trials.Service, s *vault.Signer) error {
		rec, err = svc.Anchor(ctx, s, t.ID)
		return err
	})
	return rec, err
}

// TrialSummary is a trial with the state of its log.
type TrialSummary struct {
	marketplace.Trial
	Log ledger.Status
	// Node is the provider URL of the node a joined trial's log lives on
	// (its Log as of its last verified export); "" for this node's own.
	Node string
}

// Trials lists the trials registered from this node with their logs'
// state, then the trials joined from other nodes (joinedSummaries).
func (a *App) Trials(ctx context.Context) ([]TrialSummary, error) {
	svc, err := a.trialService()
	if err != nil {
		return nil, err
	}
	ts, err := svc.Trials(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TrialSummary, len(ts))
	for i, t := range ts {
		out[i].Trial = t
		if out[i].Log, err = svc.Status(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	joined, err := a.joinedSummaries(ctx)
	return append(out, joined...), err
}

// Trial returns trial ref (id or identifier) with the state of its log.
func (a *App) Trial(ctx context.Context, ref string) (TrialSummary, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		return a.remoteSummary(rt)
	} else if err != nil {
		return TrialSummary{}, err
	}
	st, err := svc.Status(ctx, t.ID)
	return TrialSummary{Trial: t, Log: st}, err
}

// TrialSteps returns the entries of trial ref that match f.
func (a *App) TrialSteps(ctx context.Context, ref string, f trials.StepFilter) ([]trials.Entry, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		return a.remoteSteps(rt, f)
	} else if err != nil {
		return nil, err
	}
	return svc.Steps(ctx, t.ID, f)
}

// ExportTrial returns trial ref's audit trail for auditors; for a trial
// joined from another node, its last export verified here.
func (a *App) ExportTrial(ctx context.Context, ref string) (*trials.Export, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		return a.remoteExport(rt)
	} else if err != nil {
		return nil, err
	}
	return svc.Export(ctx, t.ID)
}

// VerifyTrialLog checks trial ref's whole log as stored on this node,
// against the chain: store, signatures, checkpoints and anchors; for a
// trial joined from another node, its last verified export, again.
func (a *App) VerifyTrialLog(ctx context.Context, ref string) (*trials.Report, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		e, err := a.remoteExport(rt) // a joined trial: its last export, checked again against this node's chain
		if err != nil {
			return nil, err
		}
		return a.VerifyTrialExport(ctx, e, "")
	} else if err != nil {
		return nil, err
	}
	return svc.VerifyLog(ctx, t.ID)
}

// VerifyTrialExport checks an exported audit trail against this node's
// chain: the export must come from the same chain, its anchors and protocol
// registrations must be the chain's, it must reach the chain's latest anchor
// of the trial (an export cut back to an earlier anchor fails, naming the
// missing entries), and its checkpoints must be signed with the log key the
// chain registered with the trial. key, when not empty, is a log key the
// auditor pins too (it must be the chain's). The TrialRegistry is this
// node's deployment's, or, when the node has none, the one the export names.
func (a *App) VerifyTrialExport(ctx context.Context, e *trials.Export, key string) (*trials.Report, error) {
	if e.Chain.ChainID != "" && e.Chain.ChainID != a.chainID.String() {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"The export was anchored on chain %s; this node is on chain %s (%s). Verify against that chain with --chain-rpc, or offline.",
			e.Chain.ChainID, a.chainID, a.chain.Endpoint())
	}
	registry, from := e.Chain.Registry, uint64(0)
	if a.deployment != nil {
		if r, ok := a.deployment.Contracts[RegistryContract]; ok {
			registry, from = r, a.deployment.DeployBlock
		}
	}
	if registry == (common.Address{}) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "No TrialRegistry to verify against: give its address with --registry.")
	}
	return trials.Verify(ctx, e, trials.VerifyOptions{Chain: trials.NewChainLookup(a.chain, registry, from), VerifierKey: key})
}

// VerifyTrialExportOffline checks an exported audit trail from its own
// content only: signatures with the log key the auditor pins (key, a note
// verifier key "name+hash+base64" named by the log's origin), proofs,
// checkpoints and the export's own anchors. Without a key it fails, saying
// so: the key inside an export proves nothing. Offline, an export cut back
// to an earlier anchor cannot be told from a whole one; the chain can.
func VerifyTrialExportOffline(ctx context.Context, e *trials.Export, key string) (*trials.Report, error) {
	return trials.Verify(ctx, e, trials.VerifyOptions{VerifierKey: key})
}

// TrialLogKey returns the verifier key of trial ref's log on this node (the
// one registered on chain with the trial), for auditors to pin offline.
func (a *App) TrialLogKey(ctx context.Context, ref string) (string, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if err != nil {
		return "", err
	}
	return svc.Ledger().LogKey(ledger.LogID(t.ID))
}

// TrialAnchoring is the schedule of RunTrialAnchoring.
type TrialAnchoring struct {
	// EveryEntries anchors a log once this many entries were appended since
	// its last anchor (default 100; negative: never by count).
	EveryEntries int
	// Every anchors logs with unanchored entries at this interval (default
	// 60 s; negative: never by time).
	Every time.Duration
	// Keep is how long a sponsor's key stays unlocked in the process after
	// the sponsor recorded steps, so that they are anchored (default twice
	// Every, at least a minute).
	Keep time.Duration
}

func (p TrialAnchoring) policy() (ledger.AnchorPolicy, time.Duration) {
	lp := ledger.AnchorPolicy{EveryEntries: p.EveryEntries, Every: p.Every}
	switch {
	case lp.EveryEntries == 0:
		lp.EveryEntries = 100
	case lp.EveryEntries < 0:
		lp.EveryEntries = 0
	}
	switch {
	case lp.Every == 0:
		lp.Every = time.Minute
	case lp.Every < 0:
		lp.Every = 0
	}
	keep := p.Keep
	if keep <= 0 {
		keep = max(2*lp.Every, time.Minute)
	}
	return lp, keep
}

// RunTrialAnchoring anchors trial logs on schedule until ctx ends, then
// returns nil; `serve` runs it beside the web server. A log is anchored when
// its sponsor's key is unlocked here: a sponsor who recorded through this
// process within p.Keep, or whose session recorded and is still signed in. Others wait (the trial page
// shows why) and can be anchored on demand. On a node without a
// TrialRegistry it returns at once with EUNAVAILABLE.
func (a *App) RunTrialAnchoring(ctx context.Context, p TrialAnchoring) error {
	svc, err := a.trialService()
	if err != nil {
		return err
	}
	lp, keep := p.policy()
	a.log.Info("trial anchoring", "every_entries", lp.EveryEntries, "every", lp.Every, "keep_keys", keep)
	return svc.RunAnchoring(ctx, lp, keep)
}
