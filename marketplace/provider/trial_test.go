package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

// trialMem is a trial node's backend: one trial whose team is team.
type trialMem struct {
	*memBackend
	trial  common.Hash
	team   map[common.Address]bool
	leaves [][]byte
}

func (m *trialMem) member(who common.Address, trial common.Hash) error {
	if trial != m.trial {
		return marketplace.Errorf(marketplace.ENOTFOUND, "no trial %s", trial.Hex())
	}
	if !m.team[who] {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "%s is not on the team", who.Hex())
	}
	return nil
}

func (m *trialMem) PrepareTrialSteps(ctx context.Context, who common.Address, trial common.Hash, inputs json.RawMessage) ([]marketplace.Step, error) {
	if err := m.member(who, trial); err != nil {
		return nil, err
	}
	var ins []struct{ Type string }
	if err := json.Unmarshal(inputs, &ins); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "inputs: %v", err)
	}
	out := make([]marketplace.Step, len(ins))
	for i, in := range ins {
		out[i] = marketplace.Step{Trial: trial, Index: uint64(len(m.leaves) + i), Who: who, Type: marketplace.StepType(in.Type)}
	}
	return out, nil
}

func (m *trialMem) SubmitTrialSteps(ctx context.Context, who common.Address, trial common.Hash, leaves [][]byte) ([]SubmittedEntry, error) {
	if err := m.member(who, trial); err != nil {
		return nil, err
	}
	var out []SubmittedEntry
	for _, l := range leaves {
		out = append(out, SubmittedEntry{Index: uint64(len(m.leaves)), LeafHash: sha256.Sum256(l)})
		m.leaves = append(m.leaves, l)
	}
	return out, nil
}

func (m *trialMem) TrialExport(ctx context.Context, who common.Address, trial common.Hash) ([]byte, error) {
	if err := m.member(who, trial); err != nil {
		return nil, err
	}
	return []byte(`{"entries":` + strconv.Itoa(len(m.leaves)) + `}`), nil
}

// Staff on another node prepare, submit and export over the trial routes,
// each request signed by their own account; a stranger, a replayed, a
// tampered, a foreign-chain and an unsigned request are refused, as is
// the 61st request of an account in a minute.
func TestTrialRoutes_signedByTheCaller(t *testing.T) {
	ctx := context.Background()
	ss := testSigners(t, "cora", "eve")
	cora, eve := ss[0], ss[1]
	trial := common.HexToHash("0x7e")
	be := &trialMem{memBackend: &memBackend{nonces: map[string]bool{}}, trial: trial, team: map[common.Address]bool{cora.Address(): true}}
	contract := common.HexToAddress("0xc0")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := &Provider{ChainID: 7, Contract: contract, Backend: be, Now: clock}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	tc := TrialClient{Client: &Client{}, ChainID: 7, Contract: contract, Now: clock}

	steps, err := tc.Prepare(ctx, srv.URL, cora, trial, []map[string]string{{"type": "visit"}})
	if err != nil || len(steps) != 1 || steps[0].Who != cora.Address() || steps[0].Type != marketplace.StepVisit {
		t.Fatalf("prepare: %+v, %v", steps, err)
	}
	leaf := []byte(`{"step":{"index":0},"signature":"0x01"}`)
	es, err := tc.Submit(ctx, srv.URL, cora, trial, [][]byte{leaf})
	if err != nil || len(es) != 1 || !bytes.Equal(be.leaves[0], leaf) {
		t.Fatalf("submit: %+v, %v (leaves %q)", es, err, be.leaves)
	}
	if exp, err := tc.Export(ctx, srv.URL, cora, trial); err != nil || string(exp) != `{"entries":1}` {
		t.Fatalf("export: %s, %v", exp, err)
	}

	_, err = tc.Export(ctx, srv.URL, eve, trial)
	wantCode(t, err, marketplace.EFORBIDDEN, "not on the team")
	_, err = (TrialClient{Client: &Client{}, ChainID: 8, Contract: contract, Now: clock}).Export(ctx, srv.URL, cora, trial)
	wantCode(t, err, marketplace.EFORBIDDEN, "not signed by")

	// A request signed once and sent twice, one whose body was changed
	// after signing, and one without a signature.
	path := trialPath(trial, "submit")
	body := []byte(`{"leaves":["` + "AQ==" + `"]}`)
	signed := func(b []byte) *http.Request {
		tr := TrialRequest{Kind: KindTrial, ChainID: 7, Contract: contract, Account: cora.Address(), Method: http.MethodPost, Path: path,
			BodyHash: sha256.Sum256(b), Nonce: "n1", Expiry: now.Add(time.Minute).Unix()}
		sig, _ := cora.SignPersonal(tr.Message())
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+path, bytes.NewReader(body))
		req.Header.Set(HeaderAccount, cora.Address().Hex())
		req.Header.Set(HeaderNonce, tr.Nonce)
		req.Header.Set(HeaderExpiry, strconv.FormatInt(tr.Expiry, 10))
		req.Header.Set(HeaderSignature, hexutil.Encode(sig))
		return req
	}
	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"first", signed(body), http.StatusOK},
		{"replayed", signed(body), http.StatusForbidden},
		{"tampered", signed([]byte(`{"leaves":[]}`)), http.StatusForbidden},
	} {
		res, err := http.DefaultClient.Do(c.req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, res.StatusCode, c.status)
		}
	}
	res, err := http.Post(srv.URL+"/"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned: status %d", res.StatusCode)
	}

	// The per-account rate: KeyTrialRequestsPerMinute a minute.
	n := 0
	for ; n < 2*KeyTrialRequestsPerMinute; n++ {
		if _, err = tc.Export(ctx, srv.URL, cora, trial); err != nil {
			break
		}
	}
	wantCode(t, err, marketplace.EFORBIDDEN, "trial requests this minute")
	if n+5 != KeyTrialRequestsPerMinute { // 5 of cora's requests above were counted
		t.Errorf("refused after %d more requests", n)
	}
	now = now.Add(time.Minute)
	if _, err := tc.Export(ctx, srv.URL, cora, trial); err != nil {
		t.Errorf("the next minute: %v", err)
	}
}

func wantCode(t *testing.T, err error, code, part string) {
	t.Helper()
	if marketplace.ErrorCode(err) != code || !strings.Contains(marketplace.ErrorMessage(err), part) {
		t.Fatalf("got %v (code %s), want %s with %q", err, marketplace.ErrorCode(err), code, part)
	}
}
