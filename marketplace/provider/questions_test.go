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
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

// questionMem answers questions about listing 5 with a count, and keeps
// who asked what.
type questionMem struct {
	*memBackend
	seller common.Address
	mu     sync.Mutex
	asked  []string // "account: question"
}

func (m *questionMem) AnswerQuestion(ctx context.Context, who common.Address, listing uint64, q string) (QuestionReply, error) {
	if listing != 5 {
		return QuestionReply{}, marketplace.Errorf(marketplace.ENOTFOUND, "no listing %d here", listing)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, who.Hex()+": "+q)
	return QuestionReply{Listing: listing, Answer: json.RawMessage(`{"rows":[{"value":12}]}`), Spent: "1/10", ListingRemaining: "29/10", MyRemaining: "9/10"}, nil
}

func (m *questionMem) AnsweredQuestions(ctx context.Context, who common.Address, listing uint64) (AnsweredReply, error) {
	if who != m.seller {
		return AnsweredReply{}, marketplace.Errorf(marketplace.EFORBIDDEN, "not the seller")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := AnsweredReply{Listing: listing}
	for i, q := range m.asked {
		out.Entries = append(out.Entries, RecordedQuestion{Index: uint64(i), Leaf: json.RawMessage(strconv.Quote(q))})
	}
	return out, nil
}

func (m *questionMem) QuestionBudget(ctx context.Context, who common.Address, listing uint64) (QuestionBudgetReply, error) {
	return QuestionBudgetReply{Listing: listing, Total: "3", PerRequester: "1", ListingRemaining: "3", MyRemaining: "1"}, nil
}

// A researcher's node asks a question and reads the budget, signed by the
// researcher's account; an unsigned, a replayed, an expired, a tampered
// and a foreign-chain request are refused, an oversized body too, and the
// 121st request of an account in a minute gets 429.
func TestQuestionRoutes_signedByTheAsker(t *testing.T) {
	ctx := context.Background()
	ss := testSigners(t, "rita", "ron", "sal")
	rita, ron, sal := ss[0], ss[1], ss[2]
	be := &questionMem{memBackend: &memBackend{nonces: map[string]bool{}}, seller: sal.Address()}
	contract := common.HexToAddress("0xc0")
	now := time.Date(2026, 3, 1, 9, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	p := &Provider{ChainID: 7, Contract: contract, Backend: be, Now: clock}
	srv := httptest.NewServer(p.Handler(nil))
	defer srv.Close()
	qc := QuestionClient{Client: &Client{}, ChainID: 7, Contract: contract, Now: clock}

	rep, err := qc.Ask(ctx, srv.URL, rita, 5, "SELECT COUNT(*) FROM t")
	if err != nil || rep.Listing != 5 || rep.Spent != "1/10" || string(rep.Answer) != `{"rows":[{"value":12}]}` {
		t.Fatalf("ask: %+v, %v", rep, err)
	}
	if want := rita.Address().Hex() + ": SELECT COUNT(*) FROM t"; len(be.asked) != 1 || be.asked[0] != want {
		t.Fatalf("backend was asked %q", be.asked)
	}
	b, err := qc.QuestionBudget(ctx, srv.URL, rita, 5)
	if err != nil || b.Total != "3" || b.MyRemaining != "1" {
		t.Fatalf("budget: %+v, %v", b, err)
	}
	ans, err := qc.AnsweredQuestions(ctx, srv.URL, sal, 5)
	if err != nil || len(ans.Entries) != 1 || string(ans.Entries[0].Leaf) != strconv.Quote(be.asked[0]) {
		t.Fatalf("the seller reads %+v, %v", ans, err)
	}
	_, err = qc.AnsweredQuestions(ctx, srv.URL, rita, 5)
	wantCode(t, err, marketplace.EFORBIDDEN, "not the seller")
	_, err = qc.Ask(ctx, srv.URL, rita, 6, "SELECT COUNT(*) FROM t")
	wantCode(t, err, marketplace.ENOTFOUND, "no listing 6")
	_, err = (QuestionClient{Client: &Client{}, ChainID: 8, Contract: contract, Now: clock}).Ask(ctx, srv.URL, rita, 5, "q")
	wantCode(t, err, marketplace.EFORBIDDEN, "not signed by")
	_, err = qc.Ask(ctx, srv.URL, rita, 5, strings.Repeat("x", MaxQuestionBytes))
	wantCode(t, err, marketplace.EINVALID, "over 4096 bytes")

	refusedQuestionRequests(t, srv.URL, rita, contract, now)
	// A trial request's signature is not a question's.
	tc := signedClient{client: &Client{}, kind: KindTrial, chainID: 7, contract: contract, now: clock, maxBytes: MaxAnswerBytes, node: "provider"}
	err = tc.call(ctx, srv.URL, ron, http.MethodGet, questionsPath(5)+opBudget, nil, &QuestionBudgetReply{})
	wantCode(t, err, marketplace.EFORBIDDEN, "not signed by")
	if len(be.asked) != 2 { // the client's question and the hand-made "first"
		t.Fatalf("refused requests reached the backend: %q", be.asked)
	}

	// The per-account rate: KeyQuestionsPerMinute a minute, then 429.
	n := 0
	for ; n < 2*KeyQuestionsPerMinute; n++ {
		if _, err = qc.QuestionBudget(ctx, srv.URL, ron, 5); err != nil {
			break
		}
	}
	wantCode(t, err, marketplace.EFORBIDDEN, "question requests this minute")
	if n != KeyQuestionsPerMinute { // ron's trial-signed request was refused before it counted
		t.Errorf("refused after %d requests", n)
	}
	res := signedQuestion(t, srv.URL, ron, contract, questionsPath(5)+opBudget, http.MethodGet, nil, "fresh", now.Add(time.Minute).Unix())
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("over the rate: status %d, want 429", res.StatusCode)
	}
	now = now.Add(time.Minute)
	if _, err := qc.QuestionBudget(ctx, srv.URL, ron, 5); err != nil {
		t.Errorf("the next minute: %v", err)
	}
}

// refusedQuestionRequests sends hand-made requests: replayed, expired,
// tampered after signing, and unsigned.
func refusedQuestionRequests(t *testing.T, base string, s PersonalSigner, contract common.Address, now time.Time) {
	t.Helper()
	body := []byte(`{"question":"SELECT COUNT(*) FROM t"}`)
	path := questionsPath(5)
	exp := now.Add(time.Minute).Unix()
	for _, c := range []struct {
		name   string
		res    *http.Response
		status int
	}{
		{"first", signedQuestion(t, base, s, contract, path, http.MethodPost, body, "n1", exp), http.StatusOK},
		{"replayed", signedQuestion(t, base, s, contract, path, http.MethodPost, body, "n1", exp), http.StatusForbidden},
		{"expired", signedQuestion(t, base, s, contract, path, http.MethodPost, body, "n2", now.Add(-time.Second).Unix()), http.StatusForbidden},
		{"other listing", signedQuestionFor(t, base, s, contract, path, questionsPath(6), body, "n3", exp), http.StatusForbidden},
	} {
		c.res.Body.Close()
		if c.res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, c.res.StatusCode, c.status)
		}
	}
	res, err := http.Post(base+"/"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned: status %d", res.StatusCode)
	}
}

// signedQuestion sends body to path signed by s with nonce and expiry.
func signedQuestion(t *testing.T, base string, s PersonalSigner, contract common.Address, path, method string, body []byte, nonce string, exp int64) *http.Response {
	t.Helper()
	sc := SignedCall{Kind: KindQuestion, ChainID: 7, Contract: contract, Account: s.Address(), Method: method, Path: path,
		BodyHash: sha256.Sum256(body), Nonce: nonce, Expiry: exp}
	return sendSigned(t, base+"/"+path, sc, s, body)
}

// signedQuestionFor signs a request for path and sends it to sentTo.
func signedQuestionFor(t *testing.T, base string, s PersonalSigner, contract common.Address, path, sentTo string, body []byte, nonce string, exp int64) *http.Response {
	t.Helper()
	sc := SignedCall{Kind: KindQuestion, ChainID: 7, Contract: contract, Account: s.Address(), Method: http.MethodPost, Path: path,
		BodyHash: sha256.Sum256(body), Nonce: nonce, Expiry: exp}
	return sendSigned(t, base+"/"+sentTo, sc, s, body)
}

func sendSigned(t *testing.T, url string, sc SignedCall, s PersonalSigner, body []byte) *http.Response {
	t.Helper()
	sig, err := s.SignPersonal(sc.Message())
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(sc.Method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(HeaderAccount, sc.Account.Hex())
	req.Header.Set(HeaderNonce, sc.Nonce)
	req.Header.Set(HeaderExpiry, strconv.FormatInt(sc.Expiry, 10))
	req.Header.Set(HeaderSignature, hexutil.Encode(sig))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
