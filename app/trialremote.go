package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// A trial's log lives on its sponsor's node (node A). Staff whose accounts
// live on another node (B) join the trial there: B keeps a reference to
// the trial and A's provider URL. When they record, B asks A to prepare
// the steps, checks they are what was asked, signs them with the staff
// member's key (which never leaves B) and submits the signed leaves; A
// appends them after checking each is the step it would record. B reads
// the trial from A's export, verified against B's own chain before it is
// used, and keeps the last verified export.

// RemoteTrial is a trial joined on this node whose log lives on another.
type RemoteTrial struct {
	ID      common.Hash    `json:"id"`
	NodeURL string         `json:"node_url"` // the trial node's provider URL
	Sponsor common.Address `json:"sponsor"`  // as the chain registered the trial
	Joined  time.Time      `json:"joined"`
	// Identifier and Title come from the last verified export, at Verified.
	Identifier string    `json:"identifier,omitempty"`
	Title      string    `json:"title,omitempty"`
	Verified   time.Time `json:"verified,omitzero"`
}

// Store keys of joined trials and of their last verified exports.
const (
	remoteTrialKey  = "remotetrial:"
	remoteExportKey = "remotetrial-export:"
)

// remoteAttempts is how often RecordRemoteTrialSteps prepares and signs
// again when the log moved on between preparing and submitting.
const remoteAttempts = 3

// JoinTrial records that trial trialID (its id, 0x and 64 hex digits) is
// run on the node at nodeURL (its provider URL): its staff on this node
// then record, sign and read it here. The trial must be registered on this
// node's chain and must not be one of this node's own.
func (a *App) JoinTrial(ctx context.Context, nodeURL, trialID string) error {
	nodeURL = strings.TrimSpace(nodeURL)
	if err := marketplace.ValidateProviderURL(nodeURL); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Node URL %q", nodeURL)
	}
	id, err := trialHash(trialID)
	if err != nil {
		return err
	}
	svc, err := a.trialService()
	if err != nil {
		return err
	}
	if _, err := svc.Trial(ctx, id); err == nil {
		return marketplace.Errorf(marketplace.ECONFLICT, "Trial %s is this node's own: its staff record here directly.", id.Hex())
	}
	lookup, err := a.trialLookup()
	if err != nil {
		return err
	}
	sponsor, protocols, err := lookup.Protocols(ctx, id)
	if err != nil {
		return err
	}
	if sponsor == (common.Address{}) || len(protocols) == 0 {
		return marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s is not registered on this node's chain: check the id with its sponsor.", id.Hex())
	}
	rt := RemoteTrial{ID: id, NodeURL: nodeURL, Sponsor: sponsor, Joined: a.now().UTC()}
	if old, err := a.remoteTrial(ctx, id.Hex()); err == nil {
		rt.Identifier, rt.Title, rt.Verified = old.Identifier, old.Title, old.Verified
	}
	return a.putRemoteTrial(rt)
}

// trialHash reads a trial id.
func trialHash(s string) (common.Hash, error) {
	id, err := ledger.ParseLogID(strings.TrimSpace(s))
	if err != nil {
		return common.Hash{}, marketplace.Errorf(marketplace.EINVALID, "Trial %q: give the trial's id (0x and 64 hex digits), as its sponsor's node shows it.", s)
	}
	return common.Hash(id), nil
}

// trialLookup asks this node's chain about registered trials.
func (a *App) trialLookup() (trials.ChainLookup, error) {
	if a.deployment == nil {
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "No TrialRegistry on this node's chain: the contracts are not deployed.")
	}
	reg, ok := a.deployment.Contracts[RegistryContract]
	if !ok {
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "No TrialRegistry on this node's chain: the contracts are not deployed.")
	}
	return trials.NewChainLookup(a.chain, reg, a.deployment.DeployBlock), nil
}

func (a *App) putRemoteTrial(rt RemoteTrial) error {
	b, err := json.Marshal(rt)
	if err != nil {
		return err
	}
	return a.store.DB().Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(remoteTrialKey+rt.ID.Hex(), string(b), nil)
		return err
	})
}

// RemoteTrials lists the trials joined on this node.
func (a *App) RemoteTrials(ctx context.Context) ([]RemoteTrial, error) {
	var out []RemoteTrial
	err := a.store.DB().View(func(tx *buntdb.Tx) error {
		var bad error
		err := tx.AscendKeys(remoteTrialKey+"*", func(k, v string) bool {
			var rt RemoteTrial
			if err := json.Unmarshal([]byte(v), &rt); err != nil {
				bad = marketplace.Wrap(marketplace.EINTERNAL, err, "joined trial %s", strings.TrimPrefix(k, remoteTrialKey))
				return false
			}
			out = append(out, rt)
			return true
		})
		return errors.Join(err, bad)
	})
	return out, err
}

// remoteTrial finds a joined trial by id or by the identifier of its last
// verified export; ENOTFOUND when ref is none.
func (a *App) remoteTrial(ctx context.Context, ref string) (RemoteTrial, error) {
	rts, err := a.RemoteTrials(ctx)
	if err != nil {
		return RemoteTrial{}, err
	}
	ref = strings.TrimSpace(ref)
	id, idErr := trialHash(ref)
	for _, rt := range rts {
		if (idErr == nil && rt.ID == id) || (rt.Identifier != "" && strings.EqualFold(rt.Identifier, ref)) {
			return rt, nil
		}
	}
	return RemoteTrial{}, marketplace.Errorf(marketplace.ENOTFOUND, "No trial %q on this node, nor joined from another.", ref)
}

// joinedTrial reports the joined trial ref names when looking it up among
// this node's own trials failed with err (ENOTFOUND).
func (a *App) joinedTrial(ctx context.Context, ref string, err error) (RemoteTrial, bool) {
	if marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		return RemoteTrial{}, false
	}
	rt, rerr := a.remoteTrial(ctx, ref)
	return rt, rerr == nil
}

// trialClient signs trial requests for this node's chain and market.
func (a *App) trialClient() (provider.TrialClient, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return provider.TrialClient{}, err
	}
	return provider.TrialClient{Client: &a.market.client, ChainID: a.chainID.Uint64(), Contract: addr, Now: a.now}, nil
}

// RecordRemoteTrialSteps records inputs in joined trial trialID signed by
// who: the trial's node prepares the steps, this node checks they are the
// inputs, signs them with who's key (unlocked for the call; a session
// signs only with its passphrase typed again) and submits them; when the
// log moved on in between, it prepares and signs again (up to 3 times).
// Then it fetches the trial's export and verifies it, so that what this
// node shows of the trial includes the new entries.
func (a *App) RecordRemoteTrialSteps(ctx context.Context, who Actor, trialID string, inputs []StepInput) ([]TrialEntry, error) {
	if who.token != "" && who.pass == "" {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Type your passphrase to sign: each signature needs it (21 CFR 11.200).")
	}
	rt, err := a.remoteTrial(ctx, trialID)
	if err != nil {
		return nil, err
	}
	tc, err := a.trialClient()
	if err != nil {
		return nil, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return nil, err
	}
	defer release()
	var es []TrialEntry
	for attempt := 1; ; attempt++ {
		es, err = a.signRemote(ctx, tc, rt, sg, inputs)
		if marketplace.ErrorCode(err) != marketplace.ECONFLICT || attempt == remoteAttempts {
			break
		}
		a.log.Info("trial log moved on: preparing again", "trial", rt.ID, "attempt", attempt)
	}
	if err != nil {
		return nil, err
	}
	if _, _, err := a.fetchRemoteExport(ctx, tc, rt, sg); err != nil {
		a.log.Warn("joined trial: export after recording", "trial", rt.ID, "err", err)
	}
	return es, nil
}

// signRemote prepares, checks, signs and submits inputs once.
func (a *App) signRemote(ctx context.Context, tc provider.TrialClient, rt RemoteTrial, sg *vault.Signer, inputs []StepInput) ([]TrialEntry, error) {
	steps, err := tc.Prepare(ctx, rt.NodeURL, sg, rt.ID, inputs)
	if err != nil {
		return nil, err
	}
	if err := trials.CheckPrepared(rt.ID, sg.Address(), inputs, steps); err != nil {
		return nil, err
	}
	leaves, err := trials.SignSteps(steps, sg)
	if err != nil {
		return nil, err
	}
	subs, err := tc.Submit(ctx, rt.NodeURL, sg, rt.ID, leaves)
	if err != nil {
		return nil, err
	}
	if len(subs) != len(leaves) {
		return nil, marketplace.Errorf(marketplace.EUNAVAILABLE, "The trial's node %s answered %d entries for %d signed steps.", rt.NodeURL, len(subs), len(leaves))
	}
	out := make([]TrialEntry, len(leaves))
	for i, leaf := range leaves {
		d, err := trials.DecodeLeaf(leaf)
		if err != nil {
			return nil, err
		}
		out[i] = TrialEntry{Index: subs[i].Index, Step: d.Step, Signature: d.Signature, LeafHash: subs[i].LeafHash}
	}
	return out, nil
}

// RemoteTrialExport fetches joined trial trialID's export from its node,
// signed as who (its sponsor or a member of its team), verifies it against
// this node's chain (VerifyTrialExport) and keeps it; an export that does
// not verify is refused (EINVALID) and the one kept before stays.
func (a *App) RemoteTrialExport(ctx context.Context, who Actor, trialID string) (*TrialExport, *VerifyReport, error) {
	rt, err := a.remoteTrial(ctx, trialID)
	if err != nil {
		return nil, nil, err
	}
	tc, err := a.trialClient()
	if err != nil {
		return nil, nil, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	return a.fetchRemoteExport(ctx, tc, rt, sg)
}

// fetchRemoteExport fetches, verifies and keeps rt's export.
func (a *App) fetchRemoteExport(ctx context.Context, tc provider.TrialClient, rt RemoteTrial, sg *vault.Signer) (*TrialExport, *VerifyReport, error) {
	raw, err := tc.Export(ctx, rt.NodeURL, sg, rt.ID)
	if err != nil {
		return nil, nil, err
	}
	e, err := trials.ReadExport(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, marketplace.Wrap(marketplace.EINVALID, err, "The export of trial %s from %s", rt.ID.Hex(), rt.NodeURL)
	}
	if e.Trial.ID != rt.ID {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "The node %s sent the export of trial %s, not %s.", rt.NodeURL, e.Trial.ID.Hex(), rt.ID.Hex())
	}
	rep, err := a.VerifyTrialExport(ctx, e, "")
	if err != nil {
		return nil, rep, marketplace.Wrap(marketplace.ErrorCode(err), err, "The export of trial %s from %s does not verify", rt.ID.Hex(), rt.NodeURL)
	}
	rt.Identifier, rt.Title, rt.Verified = e.Trial.Identifier, e.Trial.Title, a.now().UTC()
	b, err := json.Marshal(rt)
	if err != nil {
		return nil, nil, err
	}
	err = a.store.DB().Update(func(tx *buntdb.Tx) error {
		if _, _, err := tx.Set(remoteExportKey+rt.ID.Hex(), string(raw), nil); err != nil {
			return err
		}
		_, _, err := tx.Set(remoteTrialKey+rt.ID.Hex(), string(b), nil)
		return err
	})
	return e, rep, err
}

// remoteExport returns the last verified export of joined trial rt
// (ENOTFOUND when none was fetched yet).
func (a *App) remoteExport(rt RemoteTrial) (*TrialExport, error) {
	var raw string
	err := a.store.DB().View(func(tx *buntdb.Tx) error {
		var err error
		raw, err = tx.Get(remoteExportKey + rt.ID.Hex())
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s was joined from %s but not read yet: record in it, or fetch its export (medmarket trial export), as a member of its team.", rt.ID.Hex(), rt.NodeURL)
	}
	if err != nil {
		return nil, err
	}
	return trials.ReadExport(strings.NewReader(raw))
}

// remoteSummary is Trial for a joined trial: from its last verified export.
func (a *App) remoteSummary(rt RemoteTrial) (TrialSummary, error) {
	e, err := a.remoteExport(rt)
	if err != nil {
		return TrialSummary{}, err
	}
	return TrialSummary{Trial: e.Trial, Log: ledger.Status{Size: uint64(len(e.Entries))}, Node: rt.NodeURL}, nil
}

// joinedSummaries lists the joined trials for Trials: as of their last
// verified export, or by id and sponsor alone when none was read yet.
func (a *App) joinedSummaries(ctx context.Context) ([]TrialSummary, error) {
	rts, err := a.RemoteTrials(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TrialSummary, len(rts))
	for i, rt := range rts {
		if out[i], err = a.remoteSummary(rt); marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			out[i] = TrialSummary{Trial: marketplace.Trial{ID: rt.ID, Identifier: rt.ID.Hex(), Title: "(not read yet: joined from " + rt.NodeURL + ")",
				Sponsor: rt.Sponsor}, Node: rt.NodeURL}
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// remoteSteps is TrialSteps for a joined trial.
func (a *App) remoteSteps(rt RemoteTrial, f StepFilter) ([]TrialEntry, error) {
	e, err := a.remoteExport(rt)
	if err != nil {
		return nil, err
	}
	return e.Steps(f)
}

// remoteTeam is TrialTeam for a joined trial.
func (a *App) remoteTeam(rt RemoteTrial) (*TrialTeamState, error) {
	e, err := a.remoteExport(rt)
	if err != nil {
		return nil, err
	}
	return e.Team(), nil
}
