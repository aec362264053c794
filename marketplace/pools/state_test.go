package pools

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// poolLog builds a pool's log entry by entry, as its operator's node would.
type poolLog struct {
	t       testing.TB
	cfgs    map[int]*Config
	entries []Entry
	now     time.Time
}

func newPoolLog(t testing.TB) *poolLog {
	l := &poolLog{t: t, cfgs: map[int]*Config{}, now: testT0}
	l.config(testConfig(1))
	return l
}

func (l *poolLog) tick() time.Time { l.now = l.now.Add(time.Minute); return l.now }

func (l *poolLog) config(c *Config) *poolLog {
	l.cfgs[c.Version] = c
	l.entries = append(l.entries, Entry{Kind: KindConfig, Config: c})
	return l
}

func (l *poolLog) join(n, version int, contrib common.Hash, records int) *poolLog {
	c := signedConsent(l.t, testKey(l.t, n), l.cfgs[version], contrib, records, l.tick())
	l.entries = append(l.entries, Entry{Kind: KindJoined, Consent: c})
	return l
}

func (l *poolLog) withdraw(n int) *poolLog {
	w := signedWithdrawal(l.t, testKey(l.t, n), l.cfgs[1], l.tick())
	l.entries = append(l.entries, Entry{Kind: KindWithdrawn, Withdrawal: w})
	return l
}

func (l *poolLog) release(v, cfgVersion int, listing uint64, ms ...Member) *poolLog {
	r := release(v, l.cfgs[cfgVersion], listing, sortedMembers(ms), l.tick())
	l.entries = append(l.entries, Entry{Kind: KindReleased, Release: r})
	return l
}

func (l *poolLog) round(n, upTo uint64, total int64) *poolLog {
	r := &Round{Number: n, UpToBlock: upTo, Root: common.Hash{1}, Total: big.NewInt(total), At: l.tick()}
	l.entries = append(l.entries, Entry{Kind: KindRound, Round: r})
	return l
}

func (l *poolLog) leaves() [][]byte {
	out := make([][]byte, len(l.entries))
	for i, e := range l.entries {
		out[i] = leaf(l.t, e)
	}
	return out
}

// raw marshals the entries without validating them (Marshal refuses invalid entries), to
// test what Replay makes of a log written by another program.
func (l *poolLog) raw() [][]byte {
	out := make([][]byte, len(l.entries))
	for i, e := range l.entries {
		b, err := json.Marshal(e)
		if err != nil {
			l.t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// member is test account n's member entry in a version.
func member(t testing.TB, n int, contrib common.Hash, records int) Member {
	return Member{Account: testKey(t, n).Address(), Contribution: contrib, Records: records}
}

func sortedMembers(ms []Member) []Member {
	kept, _ := CheckUnion(candidatesOf(ms), 1)
	return kept
}

func candidatesOf(ms []Member) []Candidate {
	out := make([]Candidate, len(ms))
	for i, m := range ms {
		out[i] = Candidate{Account: m.Account, Contribution: m.Contribution, Records: m.Records}
	}
	return out
}

func TestReplay_aPoolsLife(t *testing.T) {
	l := newPoolLog(t).
		join(1, 1, contribution(1, 0), 10).
		join(2, 1, contribution(2, 0), 20).
		release(1, 1, 7, member(t, 1, contribution(1, 0), 10), member(t, 2, contribution(2, 0), 15)).
		config(testConfig(2)).
		join(3, 2, contribution(3, 0), 5).
		join(1, 2, contribution(1, 1), 11). // a later join replaces the earlier one
		withdraw(2).
		release(2, 2, 9, member(t, 1, contribution(1, 1), 11), member(t, 3, contribution(3, 0), 5)).
		round(1, 100, 5).
		round(2, 100, 5).
		join(2, 2, contribution(2, 1), 3) // a withdrawn patient joins again
	st, err := Replay(l.leaves())
	if err != nil {
		t.Fatal(err)
	}
	if st.Config.Version != 2 || len(st.Configs) != 2 || len(st.Releases) != 2 || len(st.Rounds) != 2 {
		t.Fatalf("state: config %d, %d configs, %d releases, %d rounds", st.Config.Version, len(st.Configs), len(st.Releases), len(st.Rounds))
	}
	if a := st.Active[testKey(t, 1).Address()]; a == nil || a.Contribution != contribution(1, 1) {
		t.Errorf("account 1's active contribution is not its latest")
	}
	if len(st.Active) != 3 || len(st.Withdrawn) != 0 {
		t.Errorf("%d active, %d withdrawn; want 3 and 0 after account 2 joined again", len(st.Active), len(st.Withdrawn))
	}
	if r := st.Release(9); r == nil || r.Version != 2 {
		t.Errorf("Release(9) = %v, want version 2", r)
	}
}

func TestReplay_withdrawnAccountIsNotActive(t *testing.T) {
	l := newPoolLog(t).join(1, 1, contribution(1, 0), 10).withdraw(1)
	st, err := Replay(l.leaves())
	if err != nil {
		t.Fatal(err)
	}
	a := testKey(t, 1).Address()
	if _, ok := st.Active[a]; ok {
		t.Error("a withdrawn account is still active")
	}
	if at, ok := st.Withdrawn[a]; !ok || !at.Equal(l.entries[2].Withdrawal.At) {
		t.Errorf("withdrawn at %v, want %v", at, l.entries[2].Withdrawal.At)
	}
}

func TestReplay_rejectsEachRuleViolation(t *testing.T) {
	base := func() *poolLog {
		return newPoolLog(t).join(1, 1, contribution(1, 0), 10).join(2, 1, contribution(2, 0), 20)
	}
	m1, m2 := member(t, 1, contribution(1, 0), 10), member(t, 2, contribution(2, 0), 20)
	otherPool := func() *Config { c := testConfig(1); c.Contract = common.HexToAddress("0xc2"); return c }
	cases := []struct {
		name  string
		log   func() [][]byte
		index int
		want  string
	}{
		{"empty log", func() [][]byte { return nil }, -1, "empty"},
		{"log starts with a consent", func() [][]byte { return base().raw()[1:] }, 0, "starts with its configuration"},
		{"first configuration of version 2", func() [][]byte {
			l := &poolLog{t: t, cfgs: map[int]*Config{}, now: testT0}
			return l.config(testConfig(2)).raw()
		}, 0, "want 1"},
		{"configuration version skipped", func() [][]byte { return base().config(testConfig(3)).raw() }, 3, "want 2"},
		{"configuration changes the chain", func() [][]byte {
			c := testConfig(2)
			c.Chain = 1
			return base().config(c).raw()
		}, 3, "chain"},
		{"configuration changes the contract", func() [][]byte {
			c := testConfig(2)
			c.Contract = common.HexToAddress("0xc3")
			return base().config(c).raw()
		}, 3, "contract"},
		{"configuration changes the operator", func() [][]byte {
			c := testConfig(2)
			c.Operator = common.HexToAddress("0xa1")
			return base().config(c).raw()
		}, 3, "operator"},
		{"consent to a configuration the log lacks", func() [][]byte {
			l := base()
			l.cfgs[2] = testConfig(2)
			return l.join(3, 2, contribution(3, 0), 1).raw()
		}, 3, "does not hold"},
		{"consent names a wrong hash", func() [][]byte {
			l := base()
			c := testConfig(1)
			c.K = 3
			l.cfgs[1] = c
			return l.join(3, 1, contribution(3, 0), 1).raw()
		}, 3, "hash"},
		{"consent to another pool", func() [][]byte {
			l := base()
			l.cfgs[1] = otherPool()
			return l.join(3, 1, contribution(3, 0), 1).raw()
		}, 3, "not this pool"},
		{"consent with a forged signature", func() [][]byte {
			l := base()
			l.entries[2].Consent.Records = 21
			return l.raw()
		}, 2, "signature"},
		{"an old consent appended again after a withdrawal", func() [][]byte {
			l := base().withdraw(1)
			l.entries = append(l.entries, l.entries[1])
			return l.raw()
		}, 4, "not after their withdrawal"},
		{"an older consent replacing a newer one", func() [][]byte {
			l := base().join(1, 1, contribution(1, 1), 10)
			l.entries = append(l.entries, l.entries[1])
			return l.raw()
		}, 4, "not after their current consent"},
		{"an old withdrawal appended again after a new join", func() [][]byte {
			l := base().withdraw(1).join(1, 1, contribution(1, 1), 10)
			l.entries = append(l.entries, l.entries[3])
			return l.raw()
		}, 5, "not after their consent"},
		{"withdrawal of a non-member", func() [][]byte { return base().withdraw(3).raw() }, 3, "not a member"},
		{"withdrawal twice", func() [][]byte { return base().withdraw(1).withdraw(1).raw() }, 4, "not a member"},
		{"withdrawal from another pool", func() [][]byte {
			l := base()
			l.cfgs[1] = otherPool()
			return l.withdraw(1).raw()
		}, 3, "not this pool"},
		{"release of version 2 first", func() [][]byte { return base().release(2, 1, 7, m1, m2).raw() }, 3, "want 1"},
		{"release of a non-member", func() [][]byte {
			return base().release(1, 1, 7, m1, member(t, 3, contribution(3, 0), 1)).raw()
		}, 3, "not a member"},
		{"release of a withdrawn member", func() [][]byte { return base().withdraw(2).release(1, 1, 7, m1, m2).raw() }, 4, "not a member"},
		{"release of a replaced contribution", func() [][]byte {
			return base().join(2, 1, contribution(2, 1), 20).release(1, 1, 7, m1, m2).raw()
		}, 4, "current contribution"},
		{"release keeps more records than contributed", func() [][]byte {
			return base().release(1, 1, 7, m1, member(t, 2, contribution(2, 0), 21)).raw()
		}, 3, "keeps 21 records"},
		{"release below k", func() [][]byte { return base().release(1, 1, 7, m1).raw() }, 3, "fewer than the pool's k = 2"},
		{"release holds a consent to another configuration", func() [][]byte {
			return base().config(testConfig(2)).release(1, 2, 7, m1, m2).raw()
		}, 4, "consented to version 1"},
		{"release with a wrong root", func() [][]byte {
			l := base().release(1, 1, 7, m1, m2)
			l.entries[3].Release.Root[0] ^= 1
			return l.raw()
		}, 3, "root"},
		{"release with zero records", func() [][]byte {
			l := base().release(1, 1, 7, m1, m2)
			r := l.entries[3].Release
			r.Members[0].Records = 0
			r.Root = ContributionsRoot(r.Members)
			return l.raw()
		}, 3, "at least one"},
		{"release of a listing already released", func() [][]byte {
			return base().release(1, 1, 7, m1, m2).release(2, 1, 7, m1, m2).raw()
		}, 4, "listing 7"},
		{"release of an unknown configuration", func() [][]byte {
			l := base()
			l.cfgs[2] = testConfig(2)
			return l.release(1, 2, 7, m1, m2).raw()
		}, 3, "configuration version 2"},
		{"round 2 first", func() [][]byte { return base().round(2, 10, 1).raw() }, 3, "want 1"},
		{"round's block goes back", func() [][]byte { return base().round(1, 10, 1).round(2, 9, 1).raw() }, 4, "block 9"},
		{"round's total goes down", func() [][]byte { return base().round(1, 10, 2).round(2, 10, 1).raw() }, 4, "never decrease"},
		{"invalid configuration", func() [][]byte {
			c := testConfig(2)
			c.K = 1
			return base().config(c).raw()
		}, 3, "k: 1 is outside"},
		{"trailing data", func() [][]byte {
			b := base().raw()
			b[2] = append(b[2], []byte(`{}`)...)
			return b
		}, 2, "trailing data"},
		{"malformed leaf", func() [][]byte { return append(base().raw(), []byte(`{"kind":"joined"`)) }, 3, "malformed"},
		{"unknown field", func() [][]byte { return append(base().raw(), []byte(`{"kind":"round","x":1}`)) }, 3, "unknown field"},
		{"two payloads", func() [][]byte {
			l := base()
			b := l.raw()
			r := string(leaf(t, Entry{Kind: KindRound, Round: &Round{Number: 1, Root: common.Hash{1}, Total: big.NewInt(1), At: testT0}}))
			c := strings.TrimPrefix(string(b[1]), `{"kind":"joined",`)
			return append(b, []byte(strings.TrimSuffix(r, "}")+","+c))
		}, 3, "2 payloads"},
	}
	for _, tc := range cases {
		_, err := Replay(tc.log())
		msg := marketplace.ErrorMessage(err)
		if marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
			continue
		}
		if tc.index >= 0 && !strings.Contains(msg, "entry "+itoa(tc.index)+":") {
			t.Errorf("%s: %q does not name entry %d", tc.name, msg, tc.index)
		}
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, msg, tc.want)
		}
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func TestEntry_marshalParseRoundTrip(t *testing.T) {
	l := newPoolLog(t).join(1, 1, contribution(1, 0), 10).withdraw(1).
		join(1, 1, contribution(1, 1), 10).join(2, 1, contribution(2, 0), 4).
		release(1, 1, 3, member(t, 1, contribution(1, 1), 10), member(t, 2, contribution(2, 0), 4)).round(1, 5, 9)
	for i, b := range l.leaves() {
		e, err := ParseEntry(b)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		again, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(b) {
			t.Errorf("entry %d is not canonical:\n%s\n%s", i, b, again)
		}
	}
}

func TestEntryMarshal_refusesAnEntryWithoutItsPayload(t *testing.T) {
	for _, e := range []Entry{{Kind: KindConfig}, {Kind: "joined", Round: &Round{}}, {Kind: "paid"}} {
		if _, err := e.Marshal(); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%+v: err = %v, want EINVALID", e, err)
		}
	}
}

func TestStateConsents_areTheActiveConsentsToOneVersion(t *testing.T) {
	l := newPoolLog(t).join(3, 1, contribution(3, 0), 1).join(1, 1, contribution(1, 0), 1).
		config(testConfig(2)).join(2, 2, contribution(2, 0), 1).join(4, 1, contribution(4, 0), 1).withdraw(4)
	st, err := Replay(l.leaves())
	if err != nil {
		t.Fatal(err)
	}
	v1 := st.Consents(1)
	if len(v1) != 2 || len(st.Consents(2)) != 1 {
		t.Fatalf("%d consents to version 1 and %d to version 2, want 2 and 1", len(v1), len(st.Consents(2)))
	}
	if v1[0].Account.Cmp(v1[1].Account) >= 0 {
		t.Error("consents not sorted by account")
	}
}
