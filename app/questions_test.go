package app

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
)

// askingBudget is a small question budget: three questions of ε 0.1 for
// one researcher, five for the listing.
var askingBudget = marketplace.CardQuestions{Epsilon: "0.5", PerRequester: "0.3", Mechanism: "discrete Laplace"}

func askingRequest() PublishRequest {
	return PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Synthea patients, asking", Price: ether("0.01"), Terms: hmb}
}

// sameRow reports whether two answers' rows hold the same figures.
func sameRow(x, y QuestionRow) bool {
	return x.Value == y.Value && x.Low == y.Low && x.High == y.High && strings.Join(x.Group, "\x00") == strings.Join(y.Group, "\x00")
}

func wantRefusal(t *testing.T, err error, code, part string) {
	t.Helper()
	if marketplace.ErrorCode(err) != code || !strings.Contains(marketplace.ErrorMessage(err), part) {
		t.Fatalf("got %v (code %s), want %s with %q", err, marketplace.ErrorCode(err), code, part)
	}
}

// A researcher on node B asks the provider node A about alice's listing:
// each answer spends from her share and the listing's, the same question
// again (by anyone) is the same answer spending nothing, the question
// that would overspend is refused naming what is left, and alice sees on
// A every answered question, once, with who asked it. After A restarts
// on the same data directory, the budgets spent and the answers given
// are still there.
func TestQuestions_researcherOnAnotherNode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	ctx := t.Context()
	cur, b, urlA, reopenA := questionNodes(t)
	a := cur.Load()
	p := publishAsking(t, a, ByAccount("alice", "pw"), askingRequest(), &askingBudget)
	if p.Provider != urlA {
		t.Fatalf("listed at %q, want %q", p.Provider, urlA)
	}
	first := askTillRefused(t, b, p.ListingID)
	// An unsigned question to A's provider API is refused, and not recorded.
	res, err := http.Post(urlA+fmt.Sprintf("provider/v1/listings/%d/questions", p.ListingID), "application/json",
		strings.NewReader(`{"question":"SELECT COUNT(*) EPSILON 0.05"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned question: status %d", res.StatusCode)
	}
	alicesView(t, a, b, p.ListingID, first, urlA)

	// A restarts: the spent budgets and the answers come back from its log.
	a = reopenA()
	rita, ron := ByAccount("rita", "pw"), ByAccount("ron", "pw")
	again, err := b.AskQuestion(ctx, rita, p.ListingID, "SELECT COUNT(*)")
	if err != nil || !again.Cached || !sameRow(again.Answer.Rows[0], first.Answer.Rows[0]) || again.MyRemaining != "0" || again.ListingRemaining != "0.2" {
		t.Fatalf("after the restart: %+v, %v", again, err)
	}
	_, err = b.AskQuestion(ctx, ron, p.ListingID, "SELECT COUNT(*) WHERE GENDER = 'F' EPSILON 0.3")
	wantRefusal(t, err, marketplace.EFORBIDDEN, "you have ε 0.3 left on this listing (the listing has 0.2 left)")
	if qs, err := a.AnsweredQuestions(ctx, addr(t, a, "alice"), p.ListingID); err != nil || len(qs) != 2 {
		t.Fatalf("after the restart alice sees %d questions, %v", len(qs), err)
	}
	publishedThroughHub(t, b, urlA)
}

// publishedThroughHub: rita on B publishes through A as a hub; ron's
// question is answered by A, and rita reads it from A once signed in on B.
func publishedThroughHub(t *testing.T, b *App, urlA string) {
	t.Helper()
	ctx := t.Context()
	req := askingRequest()
	req.Provider = urlA
	p := publishAsking(t, b, ByAccount("rita", "pw"), req, &askingBudget)
	ans, err := b.AskQuestion(ctx, ByAccount("ron", "pw"), p.ListingID, "SELECT COUNT(*) WHERE GENDER = 'M'")
	if err != nil || ans.Spent != "0.1" {
		t.Fatalf("asked through the hub: %+v, %v", ans, err)
	}
	rita := addr(t, b, "rita")
	_, err = b.AnsweredQuestions(ctx, rita, p.ListingID)
	wantRefusal(t, err, marketplace.EFORBIDDEN, "sign in as "+rita.Hex())
	if _, _, err := b.SignIn(ctx, "rita", "pw"); err != nil {
		t.Fatal(err)
	}
	qs, err := b.AnsweredQuestions(ctx, rita, p.ListingID)
	if err != nil || len(qs) != 1 || qs[0].Asker != addr(t, b, "ron") || qs[0].Question != ans.Answer.Question {
		t.Fatalf("rita reads from the hub %+v, %v", qs, err)
	}
}

// A listing whose card sets no question budget answers none, whoever asks
// and wherever the provider is; one with a budget answers in process when
// this node is its provider.
func TestQuestions_onlyListingsWithABudgetAnswer(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	none := publishPatients(t, a, hmb, nil)
	_, err := a.AskQuestion(ctx, ByAccount("bob", "pw"), none.ListingID, "SELECT COUNT(*)")
	wantRefusal(t, err, marketplace.EFORBIDDEN, "answers no questions")
	_, err = providerBackend{a}.AnswerQuestion(ctx, addr(t, a, "bob"), none.ListingID, "SELECT COUNT(*)")
	wantRefusal(t, err, marketplace.EFORBIDDEN, "answers no questions")
	_, err = a.QuestionBudget(ctx, ByAccount("bob", "pw"), none.ListingID)
	wantRefusal(t, err, marketplace.EFORBIDDEN, "answers no questions")

	p := publishAsking(t, a, ByAccount("alice", "pw"), askingRequest(), &askingBudget)
	ans, err := a.AskQuestion(ctx, ByAccount("bob", "pw"), p.ListingID, "SELECT COUNT(*) WHERE GENDER = 'F'")
	if err != nil || ans.Spent != "0.1" || ans.Cached {
		t.Fatalf("in process: %+v, %v", ans, err)
	}
	_, err = a.AskQuestion(ctx, ByAccount("bob", "pw"), p.ListingID, "SELECT COUNT(*) WHERE no_such_column = 'x'")
	wantRefusal(t, err, marketplace.EINVALID, "no_such_column")
	if qs, err := a.AnsweredQuestions(ctx, addr(t, a, "alice"), p.ListingID); err != nil || len(qs) != 1 {
		t.Fatalf("answered: %+v, %v", qs, err)
	}
	if err := a.Delist(ctx, ByAccount("alice", "pw"), p.ListingID); err != nil {
		t.Fatal(err)
	}
	_, err = a.AskQuestion(ctx, ByAccount("bob", "pw"), p.ListingID, "SELECT COUNT(PATIENTS)")
	wantRefusal(t, err, marketplace.EFORBIDDEN, "delisted")
}

// 50 researchers ask distinct questions at once: the listing's ε is never
// exceeded, exactly as many answers as it allows are given and recorded,
// and the recorded spends add up to the budget (run with -race).
func TestQuestions_concurrentAskersNeverOverspend(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	p := publishAsking(t, a, ByAccount("alice", "pw"), askingRequest(),
		&marketplace.CardQuestions{Epsilon: "1", PerRequester: "0.5", Mechanism: "discrete Laplace"})
	var wg sync.WaitGroup
	var answered, refused atomic.Int32
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := common.BigToAddress(big.NewInt(int64(1000 + i)))
			_, err := providerBackend{a}.AnswerQuestion(ctx, who, p.ListingID, fmt.Sprintf("SELECT COUNT(*) WHERE GENDER = 'g%d' EPSILON 0.1", i))
			switch {
			case err == nil:
				answered.Add(1)
			case errors.Is(err, dp.ErrBudget) && strings.Contains(marketplace.ErrorMessage(err), "needs ε 0.1"):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if answered.Load() != 10 || refused.Load() != 40 {
		t.Fatalf("%d answered, %d refused; want 10 and 40", answered.Load(), refused.Load())
	}
	qs, err := a.AnsweredQuestions(ctx, addr(t, a, "alice"), p.ListingID)
	if err != nil || len(qs) != 10 {
		t.Fatalf("recorded %d questions, %v", len(qs), err)
	}
	sum := new(big.Rat)
	for _, q := range qs {
		eps, _ := new(big.Rat).SetString(q.Epsilon)
		sum.Add(sum, eps)
	}
	if sum.Cmp(big.NewRat(1, 1)) != 0 {
		t.Fatalf("recorded spends add up to %s", sum.RatString())
	}
	l, _ := a.Listing(ctx, p.ListingID)
	lq, err := a.listingQuestions(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := lq.budget.Remaining(""); left.Sign() != 0 {
		t.Fatalf("the listing has %s left", left.RatString())
	}
}

// askTillRefused: rita asks on B, ron asks the same (cached), rita spends
// her share and is refused; a malformed question is refused on B. It
// returns rita's first answer.
func askTillRefused(t *testing.T, b *App, id uint64) QuestionAnswer {
	t.Helper()
	ctx := t.Context()
	rita, ron := ByAccount("rita", "pw"), ByAccount("ron", "pw")

	first, err := b.AskQuestion(ctx, rita, id, "select count(*)")
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached || first.Spent != "0.1" || first.MyRemaining != "0.2" || first.ListingRemaining != "0.4" ||
		len(first.Answer.Rows) != 1 || first.Answer.Question != "SELECT COUNT(*) EPSILON 0.1" || first.Answer.Mechanism == "" {
		t.Fatalf("first answer: %+v", first)
	}
	if r := first.Answer.Rows[0]; !(r.Low <= r.Value && r.Value <= r.High) {
		t.Fatalf("value outside its interval: %+v", r)
	}
	again, err := b.AskQuestion(ctx, ron, id, "SELECT COUNT(*) EPSILON 0.1")
	if err != nil || !again.Cached || again.Spent != "0" || !sameRow(again.Answer.Rows[0], first.Answer.Rows[0]) || again.MyRemaining != "0.3" || again.ListingRemaining != "0.4" {
		t.Fatalf("the same question by ron: %+v, %v", again, err)
	}
	if _, err := b.AskQuestion(ctx, rita, id, "SELECT COUNT(PATIENTS) EPSILON 0.2"); err != nil {
		t.Fatal(err)
	}
	_, err = b.AskQuestion(ctx, rita, id, "SELECT COUNT(*) WHERE GENDER = 'F'")
	wantRefusal(t, err, marketplace.EFORBIDDEN, "This question needs ε 0.1; you have ε 0 left on this listing (the listing has 0.2 left).")
	_, err = b.AskQuestion(ctx, rita, id, "SELECT COUNT(* WHERE")
	wantRefusal(t, err, marketplace.EINVALID, "Question")
	budgetSeenByRon(t, b, id)
	return first
}

// budgetSeenByRon: ron, who asked nothing new, has his whole share; the
// listing has what rita left; the tables are the one published.
func budgetSeenByRon(t *testing.T, b *App, id uint64) {
	t.Helper()
	ron := ByAccount("ron", "pw")
	bud, err := b.QuestionBudget(t.Context(), ron, id)
	tables := bud.Tables
	bud.Tables = nil
	if err != nil || !reflect.DeepEqual(bud, QuestionBudget{Listing: id, Total: "0.5", PerRequester: "0.3", ListingRemaining: "0.2", MyRemaining: "0.3"}) {
		t.Fatalf("ron's budget: %+v, %v", bud, err)
	}
	if len(tables) != 1 || tables[0].Name != "dataset" || !tables[0].Default || tables[0].MaxRowsPerPatient != 1 ||
		!slices.ContainsFunc(tables[0].Columns, func(c QuestionColumn) bool { return c.Name == "GENDER" && c.Listable }) {
		t.Fatalf("the tables questions may name: %+v", tables)
	}
}

// alicesView: alice sees the two answered questions on A, not the cached
// nor the refused one, with who asked; B holds no record of them.
func alicesView(t *testing.T, a, b *App, id uint64, first QuestionAnswer, urlA string) {
	t.Helper()
	ctx := t.Context()
	qs, err := a.AnsweredQuestions(ctx, addr(t, a, "alice"), id)
	if err != nil {
		t.Fatal(err)
	}
	ritaAddr := addr(t, b, "rita")
	if len(qs) != 2 || qs[0].Asker != ritaAddr || qs[0].Question != "SELECT COUNT(*) EPSILON 0.1" || qs[0].Epsilon != "0.1" ||
		qs[1].Epsilon != "0.2" || !sameRow(qs[0].Answer.Rows[0], first.Answer.Rows[0]) || !qs[0].At.Equal(first.At) {
		t.Fatalf("alice sees %+v", qs)
	}
	_, err = b.AnsweredQuestions(ctx, addr(t, a, "alice"), id)
	wantRefusal(t, err, marketplace.EFORBIDDEN, "recorded by its provider "+urlA)
	_, err = a.AnsweredQuestions(ctx, ritaAddr, id)
	wantRefusal(t, err, marketplace.EFORBIDDEN, "not "+ritaAddr.Hex())
}

// A release is answered over its tables, linked per patient: the patient
// table by default, another by FROM, and COUNT(PATIENTS) of a linked table
// counts its patients (at most the release's two), not its rows.
func TestQuestions_releaseTablesLinkedByPatient(t *testing.T) {
	needFHIR(t)
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	req := PublishRequest{Input: syntheaFHIR, Release: true, Preset: "safe-harbor", Secret: releaseTestSecret, Title: "Two whole records",
		Price: ether("0.01"), Terms: hmb, AcceptRisk: &RiskAcceptance{Risk: 1, Words: "two test records"}}
	p := publishAsking(t, a, ByAccount("alice", "pw"), req, &marketplace.CardQuestions{Epsilon: "100", PerRequester: "100", Mechanism: "discrete Laplace"})
	l, err := a.Listing(ctx, p.ListingID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.questionDataOf(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if d.Default != "Patient" || d.Patients["Patient"] != "id" || d.Patients["Observation"] != "patient" || d.Clip["Patient"] != 1 || len(d.Tables) != len(p.Card.Tables) {
		t.Fatalf("release data: default %q, patients %v, clip %v, %d tables", d.Default, d.Patients, d.Clip, len(d.Tables))
	}
	obs := 0
	for _, tb := range d.Tables {
		if tb.Name == "Observation" {
			obs = tb.NumRows()
		}
	}
	// ε 1, sensitivity 1: the noise is above 12 with probability below 1e-5.
	ans, err := a.AskQuestion(ctx, ByAccount("bob", "pw"), p.ListingID, "SELECT COUNT(PATIENTS) FROM Observation EPSILON 1")
	if err != nil {
		t.Fatal(err)
	}
	if v := ans.Answer.Rows[0].Value; obs < 30 || v < 2-12 || v > 2+12 {
		t.Fatalf("%d observations of 2 patients: COUNT(PATIENTS) FROM Observation answered %v", obs, v)
	}
	if _, err := a.AskQuestion(ctx, ByAccount("bob", "pw"), p.ListingID, "SELECT COUNT(*) EPSILON 1"); err != nil {
		t.Fatal(err)
	}
}

// An answer that cannot be delivered (the asker gone before it was
// recorded) spends nothing and records nothing; asked again, it is
// answered afresh.
func TestQuestions_failedAnswerSpendsNothing(t *testing.T) {
	a := marketApp(t, t.TempDir())
	p := publishAsking(t, a, ByAccount("alice", "pw"), askingRequest(), &askingBudget)
	bob := addr(t, a, "bob")
	if _, err := (providerBackend{a}).AnswerQuestion(t.Context(), bob, p.ListingID, "SELECT COUNT(PATIENTS)"); err != nil {
		t.Fatal(err) // loads the data
	}
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	q := "SELECT COUNT(*) WHERE GENDER = 'M' EPSILON 0.2"
	if _, err := (providerBackend{a}).AnswerQuestion(gone, bob, p.ListingID, q); !errors.Is(err, context.Canceled) {
		t.Fatalf("asked by a caller gone: %v", err)
	}
	b, err := providerBackend{a}.QuestionBudget(t.Context(), bob, p.ListingID)
	if err != nil || b.MyRemaining != "0.2" || b.ListingRemaining != "0.4" {
		t.Fatalf("budget after the failed answer: %+v, %v", b, err)
	}
	rep, err := providerBackend{a}.AnswerQuestion(t.Context(), bob, p.ListingID, q)
	if err != nil || rep.Cached || rep.Spent != "0.2" || rep.MyRemaining != "0" {
		t.Fatalf("asked again: %+v, %v", rep, err)
	}
	if qs, err := a.AnsweredQuestions(t.Context(), addr(t, a, "alice"), p.ListingID); err != nil || len(qs) != 2 {
		t.Fatalf("recorded %d questions, %v", len(qs), err)
	}
}
