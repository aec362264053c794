package app

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// The trial routes of this node's provider API (provider.TrialBackend):
// staff whose keys live on other nodes prepare, submit and read this
// node's trials. who is the request's verified signer.

var _ provider.TrialBackend = providerBackend{}

// PrepareTrialSteps builds the steps inputs would be recorded as, signed
// by who, appending nothing (trials.Service.PrepareFor).
func (b providerBackend) PrepareTrialSteps(ctx context.Context, who common.Address, trial common.Hash, inputs json.RawMessage) ([]marketplace.Step, error) {
	var ins []trials.StepInput
	dec := json.NewDecoder(bytes.NewReader(inputs))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ins); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Trial steps: not a JSON array of step inputs")
	}
	svc, err := b.a.trialService()
	if err != nil {
		return nil, err
	}
	return svc.PrepareFor(ctx, who, trial, ins)
}

// SubmitTrialSteps appends leaves signed by who, the request's signer.
func (b providerBackend) SubmitTrialSteps(ctx context.Context, who common.Address, trial common.Hash, leaves [][]byte) ([]provider.SubmittedEntry, error) {
	for i, leaf := range leaves {
		d, err := trials.DecodeLeaf(leaf)
		if err != nil {
			return nil, marketplace.Wrap(marketplace.ErrorCode(err), err, "Signed step %d", i+1)
		}
		if d.Signer != who {
			return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Signed step %d is signed by %s, not by %s who sends it.", i+1, d.Signer.Hex(), who.Hex())
		}
	}
	svc, err := b.a.trialService()
	if err != nil {
		return nil, err
	}
	es, err := svc.Submit(ctx, trial, leaves)
	if err != nil {
		return nil, err
	}
	out := make([]provider.SubmittedEntry, len(es))
	for i, e := range es {
		out[i] = provider.SubmittedEntry{Index: e.Index, LeafHash: e.LeafHash}
	}
	return out, nil
}

// TrialExport returns the JSON export of trial to its sponsor and to the
// members of its team now (EFORBIDDEN to anyone else).
func (b providerBackend) TrialExport(ctx context.Context, who common.Address, trial common.Hash) ([]byte, error) {
	svc, err := b.a.trialService()
	if err != nil {
		return nil, err
	}
	tm, err := svc.Team(ctx, trial)
	if err != nil {
		return nil, err
	}
	if len(tm.Roles(who)) == 0 {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "%s is neither the sponsor of trial %s nor on its team: its export is not served to it.", who.Hex(), trial.Hex())
	}
	e, err := svc.Export(ctx, trial)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := trials.WriteExport(&buf, e); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
