package contracts

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

func (c *testChain) latest(trial [32]byte) (LatestOutput, error) {
	c.tb.Helper()
	out, err := bind.Call(c.regC, &bind.CallOpts{Context: c.ctx}, c.registry.PackLatest(trial), c.registry.UnpackLatest)
	return out, DecodeRevert(err)
}

func TestTrialRegistry_registerAmendAnchor(t *testing.T) {
	c := newTestChain(t)
	trial := hash("NCT00000001")

	r := c.mustSend(c.sponsor, c.regC, c.registry.PackRegister(trial, hash("protocol v1"), testLogKey), nil)
	reg, err := c.registry.UnpackTrialRegisteredEvent(r.Logs[0])
	if err != nil || reg.TrialId != trial || reg.Sponsor != c.sponsor.addr || reg.ProtocolHash != hash("protocol v1") || reg.LogKey != testLogKey {
		t.Fatalf("TrialRegistered = %+v, %v", reg, err)
	}
	info := call(c, c.regC, c.registry.PackTrial(trial), c.registry.UnpackTrial)
	if info.Sponsor != c.sponsor.addr || info.ProtocolHash != hash("protocol v1") || info.LogKeyHash != sha256.Sum256([]byte(testLogKey)) {
		t.Errorf("trial = %+v", info)
	}
	if got, err := c.latest(trial); err != nil || got != (LatestOutput{}) {
		t.Errorf("latest before any anchor = %+v, %v; want zero", got, err)
	}

	r = c.mustSend(c.sponsor, c.regC, c.registry.PackAmend(trial, hash("protocol v2")), nil)
	if ev, err := c.registry.UnpackProtocolAmendedEvent(r.Logs[0]); err != nil || ev.ProtocolHash != hash("protocol v2") {
		t.Fatalf("ProtocolAmended = %+v, %v", ev, err)
	}
	if got := call(c, c.regC, c.registry.PackTrial(trial), c.registry.UnpackTrial).ProtocolHash; got != hash("protocol v2") {
		t.Errorf("protocol after amend = %x", got)
	}

	for i, size := range []uint64{1, 5, 6, 1000} {
		root := hash(fmt.Sprint("root", i))
		r = c.mustSend(c.sponsor, c.regC, c.registry.PackAnchor(trial, size, root), nil)
		ev, err := c.registry.UnpackCheckpointAnchoredEvent(r.Logs[0])
		if err != nil || ev.TrialId != trial || ev.TreeSize != size || ev.RootHash != root {
			t.Fatalf("CheckpointAnchored = %+v, %v", ev, err)
		}
		got, err := c.latest(trial)
		if err != nil || got.TreeSize != size || got.RootHash != root || uint64(got.AnchoredAt) != c.now() {
			t.Errorf("latest = %+v, %v; want size %d root %x at %d", got, err, size, root, c.now())
		}
	}
}

func TestTrialRegistry_refusals(t *testing.T) {
	c := newTestChain(t)
	trial, unknown := hash("NCT1"), hash("NCT2")
	c.mustSend(c.sponsor, c.regC, c.registry.PackRegister(trial, hash("p"), testLogKey), nil)
	c.mustSend(c.sponsor, c.regC, c.registry.PackAnchor(trial, 10, hash("r10")), nil)
	tid, uid := hexutil.Encode(trial[:]), hexutil.Encode(unknown[:])

	for _, tc := range []struct {
		name string
		from *account
		data []byte
		code string
		want string
	}{
		{"duplicate register", c.stranger, c.registry.PackRegister(trial, hash("q"), testLogKey), marketplace.ECONFLICT,
			fmt.Sprintf("TrialExists(trialId %s, sponsor %s)", tid, c.sponsor.addr.Hex())},
		{"register without protocol", c.sponsor, c.registry.PackRegister(unknown, [32]byte{}, testLogKey), marketplace.EINVALID,
			"InvalidProtocolHash()"},
		{"register without log key", c.sponsor, c.registry.PackRegister(unknown, hash("p"), ""), marketplace.EINVALID,
			"InvalidLogKey()"},
		{"register with an oversized log key", c.sponsor, c.registry.PackRegister(unknown, hash("p"), strings.Repeat("k", 513)), marketplace.EINVALID,
			"InvalidLogKey()"},
		{"amend by non-sponsor", c.stranger, c.registry.PackAmend(trial, hash("evil")), marketplace.EFORBIDDEN,
			fmt.Sprintf("NotSponsor(trialId %s, caller %s)", tid, c.stranger.addr.Hex())},
		{"amend unknown trial", c.sponsor, c.registry.PackAmend(unknown, hash("p")), marketplace.ENOTFOUND,
			fmt.Sprintf("UnknownTrial(trialId %s)", uid)},
		{"amend to nothing", c.sponsor, c.registry.PackAmend(trial, [32]byte{}), marketplace.EINVALID,
			"InvalidProtocolHash()"},
		{"anchor by non-sponsor", c.stranger, c.registry.PackAnchor(trial, 11, hash("r11")), marketplace.EFORBIDDEN,
			fmt.Sprintf("NotSponsor(trialId %s, caller %s)", tid, c.stranger.addr.Hex())},
		{"anchor unknown trial", c.sponsor, c.registry.PackAnchor(unknown, 1, hash("r")), marketplace.ENOTFOUND,
			fmt.Sprintf("UnknownTrial(trialId %s)", uid)},
		{"shrinking tree", c.sponsor, c.registry.PackAnchor(trial, 9, hash("r9")), marketplace.ECONFLICT,
			fmt.Sprintf("TreeNotGrown(trialId %s, latestSize 10, treeSize 9)", tid)},
		{"same size, other root", c.sponsor, c.registry.PackAnchor(trial, 10, hash("fork")), marketplace.ECONFLICT,
			fmt.Sprintf("TreeNotGrown(trialId %s, latestSize 10, treeSize 10)", tid)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.send(tc.from, c.regC, tc.data, nil)
			wantRefusal(t, err, tc.code, tc.want)
		})
	}

	_, err := c.latest(unknown)
	wantRefusal(t, err, marketplace.ENOTFOUND, fmt.Sprintf("UnknownTrial(trialId %s)", uid))
	// Nothing the refusals tried changed the state.
	if got, _ := c.latest(trial); got.TreeSize != 10 || got.RootHash != hash("r10") {
		t.Errorf("latest = %+v after refusals", got)
	}
	if got := call(c, c.regC, c.registry.PackTrial(trial), c.registry.UnpackTrial); got.Sponsor != c.sponsor.addr || got.ProtocolHash != hash("p") || got.LogKeyHash != sha256.Sum256([]byte(testLogKey)) {
		t.Errorf("trial = %+v after refusals", got)
	}
	if got := call(c, c.regC, c.registry.PackTrial(unknown), c.registry.UnpackTrial); got != (TrialOutput{}) {
		t.Errorf("unregistered trial = %+v", got)
	}
}

// testLogKey is a log verifier key as the ledger makes them: named by the log's origin.
const testLogKey = "medmarket/ledger/4e43542d4558414d504c45000000000000000000000000000000000000000000+9b5c7e31+AQmVL2kVuUkVZ0lAb2S0n3k4p7pW5eR2sQmY5r3u2c1x"
